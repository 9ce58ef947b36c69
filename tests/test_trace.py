"""`sim trace`: one trial narrated from its draws must agree with that trial's row in a
run's trials.parquet; bad input is one line and exit status 2."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim import runner
from sim.cli import main
from sim.language import load
from sim.trace import TraceError, first_with_outcome, trace

ROOT = Path(__file__).resolve().parent.parent
TRIALS = 1200  # two blocks, the second one short: the trace must draw it as the run did


@pytest.fixture(scope="module")
def run_table(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, pd.DataFrame]:
    s = dataclasses.replace(load(ROOT / "scenarios" / "baseline.yaml"), trials=TRIALS)
    done = runner.run(s, out=tmp_path_factory.mktemp("runs"), workers=1, charts=False)
    return s, pd.read_parquet(done.folder / "trials.parquet")


def _date(value: object) -> str | None:
    return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()  # type: ignore[arg-type]


def test_traces_agree_with_the_trials_table(run_table: tuple[object, pd.DataFrame]) -> None:
    s, table = run_table
    picks = [0, 1100]
    checked = 0
    for outcome in ("exited", "voided", "blocked"):
        picks.append(first_with_outcome(s, outcome))  # type: ignore[arg-type]
    for number in picks:
        row = table.iloc[number]
        told = trace(s, number)  # type: ignore[arg-type]
        assert row["trial"] == number
        route = None if pd.isna(row["route"]) else row["route"]
        assert (told.outcome, told.route) == (row["outcome"], route)
        assert told.notice_date == _date(row["notice_date"])
        assert told.exit_date == _date(row["exit_date"])
        # every gate line matches the table's result and date
        for line in told.lines:
            m = re.fullmatch(r"route (\S+) gate (\S+): .*: (passes|fails)", line.text)
            if m:
                r, g, verdict = m.groups()
                assert (
                    row[f"gate.{r}.{g}.result"] == {"passes": "passed", "fails": "failed"}[verdict]
                )
                assert line.day == row[f"gate.{r}.{g}.day"]
                checked += 1
    assert checked >= len(picks)
    assert table.iloc[picks[2]]["outcome"] == "exited"


def test_a_trace_reads_like_the_story() -> None:
    told = trace(load(ROOT / "scenarios" / "history" / "taiwan.yaml"), 0)
    text = [f"{x.date}  {x.text}" for x in told.lines]
    assert (
        "1978-12-23  notice deposited by route executive_notice; it takes effect on "
        "1980-01-01 unless revoked or voided first" in text
    )
    assert any(t.startswith("1979-10-17  ruling in goldwater_v_carter: voids_notice") for t in text)
    assert any(t.startswith("1979-11-30  appeal in goldwater_v_carter: reverses") for t in text)
    assert text[-1] == "1980-01-31  outcome exited: the notice took effect by the horizon"


def test_bad_trial_and_unreached_outcome() -> None:
    s = dataclasses.replace(load(ROOT / "scenarios" / "baseline.yaml"), trials=30)
    with pytest.raises(TraceError, match=r"--trial 30: out of range; baseline has 30 trials"):
        trace(s, 30)
    with pytest.raises(TraceError, match="none of the 30 trials searched ended so"):
        first_with_outcome(s, "revoked")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--trial", "-1"], "out of range"),
        (["--outcome", "gone"], "not an outcome; outcomes: exited"),
        (["--outcome", "revoked", "--trials", "20"], "none of the 20 trials searched"),
        ([], "exactly one of --trial N and --outcome NAME"),
    ],
)
def test_cli_bad_input_is_one_line(args: list[str], says: str) -> None:
    result = CliRunner().invoke(main, ["trace", "baseline", *args])
    assert result.exit_code == 2
    lines = [x for x in result.stderr.splitlines() if not x.startswith("sim: scenario")]
    assert len(lines) == 1 and says in lines[0], result.stderr


def test_cli_json_records() -> None:
    result = CliRunner().invoke(main, ["trace", "history/who_1", "--trial", "0", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["outcome"] == "revoked" and data["notice_date"] == "2020-07-06"
    assert {"day", "date", "text"} <= set(data["lines"][0])
    assert any(x["date"] == "2021-01-20" and "revoked" in x["text"] for x in data["lines"])
