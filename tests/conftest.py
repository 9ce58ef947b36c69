"""Fixtures shared by test files."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_fixtures import make_compare, make_run


@pytest.fixture(scope="session")
def report_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three small runs (the second an edit of the first with the same seed, the third the
    first with another seed), the real charts in the first, and a compare folder of the
    three with its real charts; for the report tests and the browser test."""
    out = tmp_path_factory.mktemp("runs")
    a = make_run(out, charts=True)
    b = make_run(out, p_decides=0.9)
    c = make_run(out, seed=12)
    compare = out / "compare"
    make_compare([a, b, c], compare)
    return {"a": a, "b": b, "c": c, "compare": compare}
