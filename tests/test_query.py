"""Conditional questions against probabilities computed by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import assert_proportion, date_after, gate, route, scenario

from sim import runner
from sim.analysis.query import QueryError, query, trials_needed
from sim.run_folder import load_run


@pytest.fixture(scope="module")
def bill(tmp_path_factory: pytest.TempPathFactory):
    """'house' (day 10) passes with p 0.6, then 'senate' (day 30) with p 0.5; the notice
    comes on day 30 and the exit on day 130, before the horizon (day 400). A hazard event
    'scandal' (rate 1/year) kills the bill while it is active (days 0-30)."""
    s = scenario(
        {"bill": route(gate("house", "10d", 0.6), gate("senate", "20d", 0.5), dies_on=["scandal"])},
        events={"scandal": {"hazard_per_year": 1.0}, "vote": {"date": date_after(20)}},
        horizon=date_after(400),
        trials=6000,
        seed=21,
    )
    return load_run(runner.run(s, out=tmp_path_factory.mktemp("q"), workers=1, charts=False).folder)


def test_given_a_gate_passed(bill) -> None:
    # survive the hazard to day 10 (exp(-10/365.25)), then pass the house: given that, the
    # trial exits when it survives days 10-30 and the senate passes: 0.5 * exp(-20/365.25)
    a = query(bill, ["routes.bill.gates.house passed"])
    import math

    expected_share = math.exp(-10 / 365.25) * 0.6
    assert_proportion(a["share"], expected_share, a["trials"])
    assert_proportion(a["p_exit"], 0.5 * math.exp(-20 / 365.25), a["matching"])
    assert a["p_exit_ci95"][0] < a["p_exit"] < a["p_exit_ci95"][1]
    assert a["exit_date"]["p50"] == date_after(130)


def test_conditions_combine_and_negate(bill) -> None:
    failed = query(bill, ["routes.bill.gates.senate failed"])
    assert failed["p_exit"] == 0 and failed["p_notice"] == 0
    both = query(bill, ["routes.bill.gates.house passed and not routes.bill died"])
    assert_proportion(both["p_exit"], 0.5, both["matching"])
    same = query(bill, ["routes.bill.gates.house passed", "not routes.bill died"])
    assert same["matching"] == both["matching"]
    early = query(bill, ["events.scandal happened by " + date_after(29)])
    assert early["p_exit"] == 0  # a scandal before day 30 kills the bill while it is active
    dated = query(bill, ["events.vote happened"])
    assert dated["matching"] == dated["trials"]
    by_gate_day = query(bill, [f"routes.bill.gates.house passed by {date_after(9)}"])
    assert by_gate_day["matching"] == 0  # the house resolves on day 10


def test_too_few_trials_are_said_with_the_trials_needed(bill) -> None:
    a = query(bill, ["exit by " + date_after(129)])  # exits come on day 130
    assert a["matching"] == 0 and a["p_exit"] is None and not a["enough"]
    assert "trials would give 400" in a["advice"]
    assert trials_needed(40, 10_000) == 100_000
    assert trials_needed(0, 1000) > 1000


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            "routes.bill.gates.hous passed",
            "unknown gate 'hous' in route bill (did you mean 'house'?)",
        ),
        ("routes.bil died", "unknown route 'bil'"),
        ("events.scandl happened", "unknown event 'scandl' (did you mean 'scandal'?)"),
        ("outcome exit", "unknown outcome 'exit'"),
        ("routes.bill exploded", "expected one of started"),
        ("notice by 2027-13-01", "expected a date YYYY-MM-DD"),
        ("the house passes", "cannot read the condition"),
    ],
)
def test_bad_conditions_are_one_line(bill, condition: str, message: str) -> None:
    with pytest.raises(QueryError) as info:
        query(bill, [condition])
    assert message in str(info.value) and "\n" not in str(info.value)


def test_cli_query(bill) -> None:
    def sim(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sim", "query", *args], capture_output=True, text=True
        )

    ok = sim(str(bill.folder), "--given", "routes.bill.gates.house passed")
    assert ok.returncode == 0, ok.stderr
    assert "P(exit | given)" in ok.stdout
    bad = sim(str(bill.folder), "--given", "routes.x passed")
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "unknown route 'x'" in bad.stderr
    missing = sim(str(Path(bill.folder).parent), "--given", "outcome exited")
    assert missing.returncode == 2 and "not a run folder" in missing.stderr
