"""The code stays lint-clean: ruff runs with the project's settings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff")
    assert ruff is not None, "ruff is a test dependency: pip install '.[test]'"
    result = subprocess.run(
        [ruff, "check", "sim", "tests", "benchmarks"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    command = "python3 -m venv .venv && . .venv/bin/activate && pip install '.[test]' && pytest"
    assert readme.count(command) >= 2  # the quick start and the Tests section
    assert command in (ROOT / ".ci" / "run").read_text().splitlines()
