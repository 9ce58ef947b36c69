"""Calibration: external forecasts (`references:`) beside the model figure that answers
each, computed from the trial table; references the scenario cannot answer are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner

import sim
from sim import report
from sim.cli import main
from sim.intervals import wilson_list
from sim.language import ScenarioError, json_schema, loads
from sim.language.yaml_reading import read_yaml

# One route: a gate at a drawn day (uniform 0-200), passing with p 0.5, then a notice 20
# days later and an exit 100 days after that; the references ask about dates in between.
TOY = """\
name: toy
start: 2027-01-01
horizon: 2027-12-31
trials: 3000
seed: 11
treaty: {notice_period: 100d}
routes:
  bill:
    gates:
      - {name: vote, delay: {dist: uniform, min: 0d, max: 200d}, p: 0.5}
    notice_within: 20d
references:
  - {question: "Notice by mid-year?", value: 0.2, observed: 2026-12-01,
     source: "judgment: a made-up forecast", quantity: {p_notice_by: 2027-06-30}}
  - {question: "Exit by autumn?", value: 0.1, observed: 2026-12-01,
     source: "judgment: a made-up forecast", quantity: {p_exit_by: 2027-09-30}}
  - {question: "Vote by April?", value: 0.3, observed: 2026-12-01,
     source: "judgment: a made-up forecast",
     quantity: {p_gate_by: {route: bill, gate: vote, date: 2027-04-10}}}
"""
START = dt.date(2027, 1, 1)


def _by(days: np.ndarray, date: str) -> int:
    """Trials whose day falls on or before `date` (the day's date is start + floor(day))."""
    dates = [START + dt.timedelta(days=int(np.floor(d))) for d in days if np.isfinite(d)]
    return sum(1 for d in dates if d <= dt.date.fromisoformat(date))


def test_each_reference_is_the_share_of_trials_computed_by_hand(tmp_path: Path) -> None:
    r = sim.run(TOY, out=tmp_path, workers=1, charts=False)
    t, n = r.trials, 3000
    gate = t["gate.bill.vote.day"].to_numpy(dtype=float)[t["gate.bill.vote.result"] == "passed"]
    exits = t["exit_day"].to_numpy(dtype=float)[t["outcome"] == "exited"]
    expected = [
        _by(t["notice_day"].to_numpy(dtype=float), "2027-06-30"),
        _by(exits, "2027-09-30"),
        _by(gate, "2027-04-10"),
    ]
    got = r.summary["references"]
    assert [g["model"] for g in got] == [k / n for k in expected]
    assert [g["model_ci95"] for g in got] == [wilson_list(k, n) for k in expected]
    assert got[2]["quantity"] == {
        "p_gate_by": {"route": "bill", "gate": "vote", "date": "2027-04-10"}
    }
    assert got[0] == {
        "question": "Notice by mid-year?",
        "value": 0.2,
        "observed": "2026-12-01",
        "source": "judgment: a made-up forecast",
        "quantity": {"p_notice_by": "2027-06-30"},
        "model": expected[0] / n,
        "model_ci95": wilson_list(expected[0], n),
    }
    # and by the model's own law: P(vote passed by day 99) = 0.5 * 99/200 (uniform delay)
    share = expected[2] / n
    se = (0.2475 * (1 - 0.2475) / n) ** 0.5
    assert abs(share - 0.5 * 99 / 200) < 4.5 * se
    # the terminal and the report show them beside the forecast
    result = CliRunner().invoke(
        main, ["run", str(_write(tmp_path, TOY)), "--no-charts", "--workers", "1", "--out",
              str(tmp_path / "o")]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Forecasts vs the model" in result.output
    assert f"{100 * share:.2f}%" in result.output  # the gate's figure, in the table
    page = report.render(r.folder)
    assert 'id="forecasts"' in page and "Vote by April?" in page
    assert f"{100 * share:.2f}%" in page


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "toy.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("{p_notice_by: 2028-01-01}", "2028-01-01 is outside the run (2027-01-01 to 2027-12-31)"),
        ("{p_exit_by: 2026-12-31}", "2026-12-31 is outside the run"),
        ("{p_gate_by: {route: bil, gate: vote, date: 2027-03-01}}", "unknown route 'bil'"),
        ("{p_gate_by: {route: bill, gate: vot, date: 2027-03-01}}", "unknown gate 'vot'"),
        ("{p_notice_by: 2027-03-01, p_exit_by: 2027-03-01}", "exactly one of"),
        ("{p_median: 2027-03-01}", "p_median"),
    ],
)
def test_a_reference_the_scenario_cannot_answer_is_one_line_exit_2(
    tmp_path: Path, quantity: str, message: str
) -> None:
    bad = TOY.replace("{p_notice_by: 2027-06-30}", quantity)
    with pytest.raises(ScenarioError):
        loads(bad)
    result = CliRunner().invoke(main, ["validate", str(_write(tmp_path, bad))])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "references" in lines[0], lines
    assert "Traceback" not in result.output


def test_the_json_schema_refuses_two_quantities() -> None:
    data = read_yaml(TOY).data
    jsonschema.validate(data, json_schema())
    data["references"][0]["quantity"]["p_exit_by"] = "2027-03-01"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())
