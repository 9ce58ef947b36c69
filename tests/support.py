"""Small builders for engine tests: scenarios from Python dicts, trials as a DataFrame, and
Monte Carlo tolerances."""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
from ruamel.yaml import YAML

from sim.draws import draw_block, slices
from sim.engines import des, vector
from sim.language import Scenario, loads

START = "2027-01-01"


def scenario(
    routes: dict[str, Any],
    *,
    events: dict[str, Any] | None = None,
    revoked_by: list[Any] | None = None,
    notice_period: str = "100d",
    start: str = START,
    horizon: str = "2031-01-01",
    trials: int = 2000,
    seed: int = 1,
    treaty: dict[str, Any] | None = None,
) -> Scenario:
    """A scenario from Python data, written out as YAML and loaded like a user's file."""
    data: dict[str, Any] = {
        "name": "test",
        "start": start,
        "horizon": horizon,
        "trials": trials,
        "seed": seed,
        "treaty": {"name": "test treaty", "notice_period": notice_period, **(treaty or {})},
        "events": events or {},
        "routes": routes,
    }
    if revoked_by is not None:
        data["notice"] = {"revoked_by": revoked_by}
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # route order matters (ties)
    yaml.dump(data, out)
    return loads(out.getvalue(), "test.yaml")


def simulate(s: Scenario) -> pd.DataFrame:
    """Every trial of the scenario, through the DES engine, as the trials table; the vector
    engine must give the same table (so every hand-computed test checks both engines),
    unless the scenario uses a construct it leaves to DES (`vector.unsupported`)."""
    tables = []
    both = vector.unsupported(s) is None
    for piece in slices(s.trials):
        draws = draw_block(s, piece.block, piece.n, piece.offset)
        # the vector engine first: DES reads every draw, costly ones (beta, pert, normal,
        # `a to b`) included, which the vector engine transforms only where it needs them
        fast = vector.run_block(s, draws) if both else None
        table = des.table(s, draws)
        if fast is not None:
            pd.testing.assert_frame_equal(fast, table, check_exact=True)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def gate(name: str, delay: str = "0d", p: Any = 1.0) -> dict[str, Any]:
    return {"name": name, "delay": delay, "p": p}


def route(*gates: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"gates": list(gates), **extra}


def day(date: str, start: str = START) -> int:
    import datetime as dt

    return (dt.date.fromisoformat(date) - dt.date.fromisoformat(start)).days


def date_after(days: int, start: str = START) -> str:
    import datetime as dt

    return (dt.date.fromisoformat(start) + dt.timedelta(days=days)).isoformat()


def share(table: pd.DataFrame, column: str, value: Any) -> float:
    return float((table[column] == value).mean())


def assert_proportion(observed: float, expected: float, n: int, z: float = 4.5) -> None:
    """|observed - expected| within z Monte Carlo standard errors of a proportion."""
    se = math.sqrt(max(expected * (1 - expected), 1e-12) / n)
    assert abs(observed - expected) <= z * se, (
        f"observed {observed:.5f}, expected {expected:.5f}, tolerance {z * se:.5f} (n={n})"
    )


def assert_mean(values: pd.Series, expected: float, sd: float, z: float = 4.5) -> None:
    """Sample mean within z standard errors (sd is the population sd, known by hand)."""
    n = len(values)
    se = sd / math.sqrt(n)
    observed = float(values.mean())
    assert abs(observed - expected) <= z * se, (
        f"mean {observed:.4f}, expected {expected:.4f}, tolerance {z * se:.4f} (n={n})"
    )
