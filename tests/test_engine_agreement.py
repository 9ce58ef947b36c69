"""The vector engine gives the DES engine's trial table, column by column, trial by trial,
bit for bit: on every bundled scenario and on generated scenarios full of ties (equal dates,
zero delays, p of 0 and 1, events at the start and on the deposit day, calendar months,
routes that start after the events that kill them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.draws import Draws, draw_block
from sim.engines import des, vector
from sim.language import Scenario, load
from sim.language.build import build
from sim.language.errors import Problems
from sim.trial_table import frame

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def assert_engines_agree(s: Scenario, draws: Draws) -> None:
    reference = des.table(s, draws)
    table = vector.run_block(s, draws)
    assert list(table.columns) == list(reference.columns)
    for column in reference.columns:
        pd.testing.assert_series_equal(table[column], reference[column], check_exact=True)
    pd.testing.assert_frame_equal(table, reference, check_exact=True)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_scenarios_agree(path: Path) -> None:
    """Every bundled scenario the vector engine runs gives DES's table; one that uses a
    construct it leaves to DES (the extended language) is run on DES, and says why."""
    s = load(path)
    # the DES engine's records, tabled at once, are the table it gives trial by trial
    draws = draw_block(s, 0, 500)
    pd.testing.assert_frame_equal(
        frame(s, draws, des.run_block(s, draws)), des.table(s, draws), check_exact=True
    )
    reason = vector.unsupported(s)
    if reason is not None:
        from sim.language.model import uses_extensions
        from sim.runner import choose_engine

        assert uses_extensions(s) and all(name in reason for name in uses_extensions(s))
        assert choose_engine(s, "vector") == ("des", choose_engine(s, "vector")[1])
        assert "ran on DES" in str(choose_engine(s, "vector")[1])
        return
    assert_engines_agree(s, draw_block(s, 0, 4000))
    assert_engines_agree(s, draw_block(s, 1, 500, offset=100))


def test_month_arithmetic_agrees_with_the_scalar_version() -> None:
    from sim.language.durations import add_months

    start = dt.date(2027, 1, 31)
    t = np.array([0.0, 0.25, 28.0, 29.5, 393.0, 394.75, 1000.125, 5000.0])
    for months in (0, 1, 12, 13, 25):
        got = vector.add_months(start, t, months, end=2000.0)
        want = [add_months(start, float(v), months) if v < 2000 else np.inf for v in t]
        assert got.tolist() == want


# -- generated scenarios ------------------------------------------------------------------

STARTS = ["2027-01-01", "2027-01-31", "2028-02-29", "2026-11-25"]
DELAYS: list[Any] = [
    "0d",
    "0d",
    "10d",
    "10d",
    "20d",
    "1mo",
    "1y",
    "13mo",
    "5d to 60d",
    {"dist": "uniform", "min": "0d", "max": "20d"},
    {"dist": "choice", "values": ["0d", "10d", "30d"]},
    {"dist": "triangular", "min": "0d", "mode": "5d", "max": "40d"},
]
SHORT_DELAYS: list[Any] = [
    "0d",
    "10d",
    "10d",
    "20d",
    "1mo",
    {"dist": "choice", "values": ["0d", "10d"]},
]
PS: list[Any] = [0, 1, 1, 0.5, "0.2 to 0.8", {"dist": "uniform", "min": 0, "max": 1}]
RATES: list[Any] = [0, 0.5, 3, 40, "0.5 to 5"]
OUTCOMES: list[dict[str, float]] = [
    {"voids_notice": 1},
    {"dismissed": 1},
    {"upheld": 1},
    {"voids_notice": 0.4, "dismissed": 0.4, "upheld": 0.2},
]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    start = dt.date.fromisoformat(draw(st.sampled_from(STARTS)))
    span = draw(st.sampled_from([0, 10, 60, 400, 900]))
    horizon = start + dt.timedelta(days=span)
    day_choices = [0, 0, 10, 20, 30, span, span + 1, 365]
    n_events = draw(st.integers(0, 4))
    events: dict[str, Any] = {}
    for i in range(n_events):
        if draw(st.booleans()) or i == 0:
            day = draw(st.sampled_from(day_choices))
            events[f"e{i}"] = {"date": (start + dt.timedelta(days=day)).isoformat()}
        else:
            events[f"e{i}"] = {"hazard_per_year": draw(st.sampled_from(RATES))}
    names = list(events)

    def effects() -> list[Any]:
        chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=3)) if names else []
        return [
            e if draw(st.booleans()) else {"event": e, "p": draw(st.sampled_from(PS))}
            for e in chosen
        ]

    routes: dict[str, Any] = {}
    for r in range(draw(st.integers(1, 3))):
        gates = []
        for g in range(draw(st.integers(0, 3))):
            delay = draw(st.sampled_from(DELAYS))
            if draw(st.integers(0, 3)) == 0:
                ayes = draw(st.sampled_from([50, 10, "30 to 70"]))
                gates.append(
                    {"name": f"g{g}", "delay": delay, "votes": {"needed": 50, "ayes": ayes}}
                )
            else:
                gates.append({"name": f"g{g}", "delay": delay, "p": draw(st.sampled_from(PS))})
        route: dict[str, Any] = {"gates": gates, "notice_within": draw(st.sampled_from(DELAYS))}
        if names and draw(st.booleans()):
            route["starts"] = f"after {draw(st.sampled_from(names))}"
        if dies := effects():
            route["dies_on"] = dies
        challenges = [
            {
                "name": f"c{c}",
                "delay": draw(st.sampled_from(SHORT_DELAYS)),
                "outcomes": draw(st.sampled_from(OUTCOMES)),
            }
            for c in range(draw(st.integers(0, 3)))
        ]
        if challenges:
            route["challenges"] = challenges
        routes[f"r{r}"] = route
    data = {
        "name": "generated",
        "start": start.isoformat(),
        "horizon": horizon.isoformat(),
        "trials": 150,
        "seed": draw(st.integers(0, 2**32)),
        "treaty": {
            "name": "treaty",
            "notice_period": draw(st.sampled_from(["0d", "10d", "20d", "1mo", "1y", "5d to 50d"])),
        },
        "events": events,
        "routes": routes,
    }
    if revoked := effects():
        data["notice"] = {"revoked_by": revoked}
    # validated like a file, without the YAML parser (which would dominate the test's time)
    problems = Problems()
    built = build(data, problems)
    assert built is not None and not problems.errors, problems.errors
    return built


@settings(
    max_examples=250,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_generated_scenarios_agree(s: Scenario) -> None:
    assert_engines_agree(s, draw_block(s, 0, s.trials))
