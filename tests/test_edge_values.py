"""Edge values: each gives the documented answer (README, "Edge values"), computed by hand.

Every scenario here is deterministic or nearly so, so the expected counts are exact."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support import gate, scenario, simulate

from sim import runner
from sim.draws import draw_block

DATED_E = {"e": {"date": "2027-02-01"}}  # 31 days after START


def _votes(needed: int, ayes: Any, delay: str = "0d") -> dict[str, Any]:
    return {"name": "v", "delay": delay, "votes": {"needed": needed, "ayes": ayes}}


def test_a_block_without_random_values_still_holds_its_trials() -> None:
    s = scenario({"r": {"starts": "after e", "gates": []}}, events=DATED_E, trials=10)
    draws = draw_block(s, 0)
    assert draws.columns == {}
    assert len(draws.rows()) == 10


@pytest.mark.parametrize(
    "routes",
    [
        {"r": {"starts": "after e", "gates": []}},
        {"r": {"starts": "after e", "gates": [_votes(67, 70, delay="10d")]}},  # constant ayes
    ],
    ids=["no_gates", "constant_ayes"],
)
def test_a_scenario_with_nothing_random_runs(tmp_path: Path, routes: dict[str, Any]) -> None:
    s = scenario(routes, events=DATED_E, trials=2500)  # three blocks, the last one partial
    result = runner.run(s, out=tmp_path, workers=1, charts=False)
    assert result.summary["trials"] == 2500
    assert result.summary["p_exit"] == 1.0
    folder = result.folder
    assert json.loads((folder / "summary.json").read_text())["p_exit"] == 1.0
    trials = result.trials
    assert len(trials) == 2500 and list(trials.trial) == list(range(2500))
    gate_days = 10 if "v" in str(routes) else 0
    assert set(trials.exit_day) == {31 + gate_days + 100}  # event, gate, notice period


def test_p_zero_never_passes_and_p_one_always_does() -> None:
    t0 = simulate(scenario({"r": {"gates": [gate("g", p=0)]}}, trials=500))
    t1 = simulate(scenario({"r": {"gates": [gate("g", p=1)]}}, trials=500))
    assert set(t0.outcome) == {"blocked"} and t0.notice_day.isna().all()
    assert set(t1.outcome) == {"exited"} and set(t1.exit_day) == {100.0}


def test_zero_delays_and_a_zero_notice_period_exit_on_the_start_day() -> None:
    t = simulate(scenario({"r": {"gates": [gate("g", "0d", 1.0)]}}, notice_period="0d"))
    assert set(t.outcome) == {"exited"}
    assert set(t.notice_day) == {0.0} and set(t.exit_day) == {0.0}
    assert set(t.exit_date.dt.date.astype(str)) == {"2027-01-01"}


def test_a_route_with_no_gates_deposits_at_its_start() -> None:
    t = simulate(scenario({"r": {"gates": []}}, trials=100))
    assert set(t.notice_day) == {0.0} and set(t.exit_day) == {100.0}


def test_horizon_equal_to_start() -> None:
    """Only what happens on the start day counts: a notice deposited that day is pending
    (its year has not run); with a zero notice period it takes effect that day."""
    pending = scenario({"r": {"gates": []}}, horizon="2027-01-01", trials=100)
    assert any("no notice can take effect" in str(w) for w in pending.warnings)
    assert set(simulate(pending).outcome) == {"notice_pending"}
    instant = scenario({"r": {"gates": []}}, horizon="2027-01-01", notice_period="0d")
    assert set(simulate(instant).outcome) == {"exited"}


def test_an_event_on_the_start_date_starts_its_route_at_once() -> None:
    s = scenario(
        {"r": {"starts": "after e", "gates": []}},
        events={"e": {"date": "2027-01-01"}},
        notice_period="0d",
        trials=100,
    )
    t = simulate(s)
    assert set(t.outcome) == {"exited"} and set(t.exit_day) == {0.0}


def test_a_hazard_of_zero_never_happens() -> None:
    s = scenario({"r": {"starts": "after e", "gates": []}}, events={"e": {"hazard_per_year": 0}})
    t = simulate(s)
    assert np.isinf(t["draw.events.e.day"]).all()
    assert set(t.outcome) == {"no_move"}


def test_a_vote_needing_zero_ayes_always_passes() -> None:
    t = simulate(scenario({"r": {"gates": [_votes(0, 0)]}}, trials=100))
    assert set(t["gate.r.v.result"]) == {"passed"}


def test_a_vote_needing_more_than_any_ayes_never_passes() -> None:
    """There is no chamber size in the language: `needed` above every possible count (here
    a uniform 40 to 100 of a 100-seat chamber) never passes."""
    ayes = {"dist": "uniform", "min": 40, "max": 100}
    t = simulate(scenario({"r": {"gates": [_votes(101, ayes)]}}, trials=1000))
    assert set(t["gate.r.v.result"]) == {"failed"}
    assert set(t.outcome) == {"blocked"}
