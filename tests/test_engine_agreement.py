"""The vector engine gives the DES engine's trial table, column by column, trial by trial,
bit for bit: on every bundled scenario and history replay, and on generated scenarios full of
ties (equal dates, zero delays, p of 0 and 1, events at the start and on the deposit day,
calendar months, routes that start after the events that kill them) that use every extended
construct (`after:` clocks, rate changes, `until:`, `earliest_notice`, `notice_effective_as_of`,
appeals).

`SIM_AGREEMENT_EXAMPLES=4000 pytest tests/test_engine_agreement.py` runs more generated
scenarios, random each time (CI runs the same 250)."""

from __future__ import annotations

import datetime as dt
import os
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
HISTORY = sorted((ROOT / "scenarios" / "history").glob("*.yaml"))


def assert_engines_agree(s: Scenario, draws: Draws) -> None:
    # the vector engine first: it transforms a costly draw (beta, pert, normal, `a to b`) only
    # where it needs it, which DES (reading every draw) would otherwise have done whole before it
    table = vector.run_block(s, draws)
    reference = des.table(s, draws)
    assert list(table.columns) == list(reference.columns)
    assert table.index.equals(reference.index)
    for column in reference.columns:
        if not _identical(table[column], reference[column]):  # then say how
            pd.testing.assert_series_equal(table[column], reference[column], check_exact=True)
            raise AssertionError(f"{column}: the values differ in their bits")


def _identical(a: pd.Series, b: pd.Series) -> bool:
    """Same dtype and the same values, bit for bit (a missing value where the other has
    one); much faster than pandas' asserters, which dominated this test's time."""
    if a.dtype != b.dtype:
        return False
    if isinstance(a.dtype, pd.CategoricalDtype):
        return bool(np.array_equal(a.array.codes, b.array.codes))  # type: ignore[attr-defined]
    x, y = a.to_numpy(), b.to_numpy()
    if x.dtype.kind == "f":
        return bool(
            np.array_equal(x.view(np.int64), y.view(np.int64))
            or (
                np.array_equal(x, y, equal_nan=True)
                and np.array_equal(np.signbit(x), np.signbit(y))
            )
        )
    if x.dtype.kind in "mM":  # NaT is not equal to itself
        return bool(np.array_equal(x.view(np.int64), y.view(np.int64)))
    return bool(np.array_equal(x, y))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_scenarios_agree(path: Path) -> None:
    """Every bundled scenario runs on the vector engine (none falls back to DES) and gives
    DES's table, in the first block and at an offset into the second."""
    from sim.runner import choose_engine

    s = load(path)
    # the DES engine's records, tabled at once, are the table it gives trial by trial
    draws = draw_block(s, 0, 500)
    pd.testing.assert_frame_equal(
        frame(s, draws, des.run_block(s, draws)), des.table(s, draws), check_exact=True
    )
    assert vector.unsupported(s) is None and choose_engine(s, "vector") == ("vector", None)
    assert_engines_agree(s, draw_block(s, 0, 1500))
    assert_engines_agree(s, draw_block(s, 1, 300, offset=100))


@pytest.mark.parametrize("path", HISTORY, ids=lambda p: p.stem)
def test_history_replays_agree(path: Path) -> None:
    """The replays are deterministic (every probability 0 or 1), so a few trials suffice."""
    s = load(path)
    assert vector.unsupported(s) is None
    assert_engines_agree(s, draw_block(s, 0, 40))


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
    {"dist": "pert", "min": "0d", "mode": "10d", "max": "40d"},
]
SHORT_DELAYS: list[Any] = [
    "0d",
    "10d",
    "10d",
    "20d",
    "1mo",
    {"dist": "choice", "values": ["0d", "10d"]},
]
PS: list[Any] = [
    0,
    1,
    1,
    0.5,
    "0.2 to 0.8",
    {"dist": "uniform", "min": 0, "max": 1},
    {"dist": "beta", "a": 2, "b": 2},
]
# beta and pert rates are transformed only where the hazard can happen (sim.draw_columns)
RATES: list[Any] = [
    0,
    0.5,
    3,
    40,
    40,
    "0.5 to 5",
    {"dist": "choice", "values": [0, 20]},
    {"dist": "beta", "mean": 0.3, "sd": 0.2},
    {"dist": "pert", "min": 0, "mode": 2, "max": 60},
]
OUTCOMES: list[dict[str, float]] = [
    {"voids_notice": 1},
    {"voids_notice": 1},
    {"dismissed": 1},
    {"upheld": 1},
    {"voids_notice": 0.4, "dismissed": 0.4, "upheld": 0.2},
]
PERIODS = ["0d", "10d", "20d", "20d", "1mo", "1y", "5d to 50d"]
NOTICE_DEPOSITED = "notice_deposited"
# Per generated scenario: few trials (ties are structural: every trial of a scenario meets
# the same ones), many scenarios.
TRIALS = 60
EXAMPLES = int(os.environ.get("SIM_AGREEMENT_EXAMPLES", "0"))


@st.composite
def scenarios(draw: st.DrawFn, extended: bool = True) -> Scenario:
    """A random scenario full of ties: dates on the days that zero and 10-day delays reach,
    p of 0 and 1, calendar months; with `extended`, also `after:` chains (on events and on
    `notice_deposited`), rate changes at events, dates and the deposit, `until:` gates,
    `earliest_notice` and `notice_effective_as_of` on those days, and appeals that decide
    on the effective date."""
    start = dt.date.fromisoformat(draw(st.sampled_from(STARTS)))
    span = draw(st.sampled_from([0, 10, 60, 400, 900]))
    horizon = start + dt.timedelta(days=span)
    day_choices = [0, 0, 10, 20, 30, span, span + 1, 365]

    def date(day: int) -> str:
        return (start + dt.timedelta(days=day)).isoformat()

    n_events = draw(st.integers(0, 5 if extended else 4))
    events: dict[str, Any] = {}
    dated: dict[str, int] = {}
    for i in range(n_events):
        name = f"e{i}"
        if draw(st.booleans()) or i == 0:
            dated[name] = draw(st.sampled_from(day_choices))
            events[name] = {"date": date(dated[name])}
            continue
        events[name] = {"hazard_per_year": draw(st.sampled_from(RATES))}
        if not extended:
            continue
        # an after: clock on an event listed earlier (so no cycle) or on the deposit
        if draw(st.integers(0, 2)) == 0:
            earlier = [e for e in events if e != name]
            events[name]["after"] = draw(st.sampled_from([*earlier, NOTICE_DEPOSITED]))
        if draw(st.integers(0, 2)) > 0:
            events[name]["rate_changes"] = _rate_changes(draw, [*events], dated, date)
    if extended and n_events and draw(st.integers(0, 3)) == 0:
        # rate changes may name any event, a later one too: cycles through rate changes
        hazards = [e for e in events if "hazard_per_year" in events[e]]
        if hazards:
            e = draw(st.sampled_from(hazards))
            events[e]["rate_changes"] = _rate_changes(draw, [*events], dated, date)
    if extended and draw(st.booleans()):
        # a hazard that runs only while a notice is pending (a deal that revokes it), or
        # one whose rate starts at the deposit
        clock: dict[str, Any] = {"hazard_per_year": draw(st.sampled_from([3, 40, "0.5 to 5"]))}
        if draw(st.booleans()):
            clock["after"] = NOTICE_DEPOSITED
        else:
            clock = {"hazard_per_year": 0, "rate_changes": [{"at": NOTICE_DEPOSITED, **clock}]}
        events["deal"] = clock
    names = list(events)

    def effects(gates: list[str] | None = None) -> list[Any]:
        chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=3)) if names else []
        out: list[Any] = []
        for e in chosen:
            effect: dict[str, Any] = {"event": e}
            if draw(st.booleans()):
                effect["p"] = draw(st.sampled_from(PS))
            if gates and draw(st.booleans()):
                effect["until"] = draw(st.sampled_from(gates))
            out.append(effect if len(effect) > 1 or draw(st.booleans()) else e)
        return out

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
        gate_names = [g["name"] for g in gates] if extended else None
        if dies := effects(gate_names):
            route["dies_on"] = dies
        challenges = []
        for c in range(draw(st.integers(0, 3))):
            challenge: dict[str, Any] = {
                "name": f"c{c}",
                "delay": draw(st.sampled_from(SHORT_DELAYS)),
                "outcomes": draw(st.sampled_from(OUTCOMES)),
            }
            if extended and draw(st.booleans()):
                challenge["appeal"] = {
                    "delay": draw(st.sampled_from(SHORT_DELAYS)),
                    "reverses": draw(st.sampled_from(PS)),
                }
            challenges.append(challenge)
        if challenges:
            route["challenges"] = challenges
        if extended and draw(st.integers(0, 3)) == 0:
            route["notice_effective_as_of"] = date(draw(st.sampled_from(day_choices)))
        routes[f"r{r}"] = route
    treaty: dict[str, Any] = {"name": "treaty", "notice_period": draw(st.sampled_from(PERIODS))}
    if extended and draw(st.integers(0, 3)) == 0:
        treaty["earliest_notice"] = date(draw(st.sampled_from(day_choices)))
    data = {
        "name": "generated",
        "start": start.isoformat(),
        "horizon": horizon.isoformat(),
        "trials": TRIALS,
        "seed": draw(st.integers(0, 2**32)),
        "treaty": treaty,
        "events": events,
        "routes": routes,
    }
    revoked = [] if "deal" not in events or draw(st.integers(0, 3)) == 0 else ["deal"]
    for e in effects():
        effect = (
            {"event": e} if isinstance(e, str) else {k: v for k, v in e.items() if k != "until"}
        )
        if effect["event"] not in revoked:
            revoked.append(e if isinstance(e, str) else effect)
    if revoked:
        data["notice"] = {"revoked_by": revoked}
    # validated like a file, without the YAML parser (which would dominate the test's time)
    problems = Problems()
    built = build(data, problems)
    assert built is not None and not problems.errors, problems.errors
    return built


def _rate_changes(
    draw: st.DrawFn, events: list[str], dated: dict[str, int], date: Any
) -> list[dict[str, Any]]:
    """One to three changes at events, `notice_deposited` or dates; the dated ones (dates
    and dated events) in date order, as the language requires."""
    options = [*events, NOTICE_DEPOSITED, "0", "10", "20", "30"]
    chosen = draw(st.lists(st.sampled_from(options), unique=True, min_size=1, max_size=3))
    dated_at = sorted(
        ((int(c), date(int(c))) if c.isdigit() else (dated[c], c))
        for c in chosen
        if c.isdigit() or c in dated
    )
    ordered = [key for _, key in dated_at]
    for c in chosen:  # the others anywhere among them
        if not (c.isdigit() or c in dated):
            ordered.insert(draw(st.integers(0, len(ordered))), c)
    return [{"at": key, "hazard_per_year": draw(st.sampled_from(RATES))} for key in ordered]


@settings(
    max_examples=EXAMPLES or 250,
    deadline=None,
    derandomize=not EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenarios())
def test_generated_scenarios_agree(s: Scenario) -> None:
    assert_engines_agree(s, draw_block(s, 0, s.trials))
