"""What `trials.parquet` and `summary.json` can answer: per-gate results and days, dates as
datetime64, the file's own metadata, and P(exit by)/P(notice by) at any date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from support import assert_proportion, date_after, gate, route, scenario

from sim import runner
from sim.intervals import wilson_list
from sim.summary import month_ends


def _bill(trials: int = 4000):
    """Two gates: 'house' after exactly 10 days passes with p 0.6; 'senate' 20 days later
    passes with p 0.5; notice 5 days after; exit 100 days after the notice."""
    return scenario(
        {"bill": route(gate("house", "10d", 0.6), gate("senate", "20d", 0.5), notice_within="5d")},
        horizon=date_after(400),
        trials=trials,
        seed=3,
    )


@pytest.fixture(scope="module")
def bill_run(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("runs")
    return runner.run(
        _bill(), out=out, workers=1, at=[dt.date(2027, 1, 31), dt.date(2027, 2, 5)], charts=False
    )


def test_each_gate_has_its_result_and_day(bill_run) -> None:
    t = pd.read_parquet(bill_run.folder / "trials.parquet")
    house, senate = t["gate.bill.house.result"], t["gate.bill.senate.result"]
    assert set(house.dropna()) == {"passed", "failed"} and house.notna().all()
    assert (t.loc[house == "passed", "gate.bill.house.day"] == 10).all()
    assert t.loc[house == "failed", "gate.bill.senate.result"].isna().all()
    assert (t.loc[senate.notna(), "gate.bill.senate.day"] == 30).all()
    assert_proportion(float((house == "passed").mean()), 0.6, len(t))
    # the conditional question of the README: given the house passes, P(exit) = 0.5
    given = t[t["gate.bill.house.result"] == "passed"]
    assert_proportion(float((given["outcome"] == "exited").mean()), 0.5, len(given))


def test_dates_are_datetime64_and_follow_the_days(bill_run) -> None:
    t = pd.read_parquet(bill_run.folder / "trials.parquet")
    for col in ("notice_date", "effective_date", "exit_date"):
        assert pd.api.types.is_datetime64_any_dtype(t[col]), col
    exited = t[t["outcome"] == "exited"]
    assert (exited["notice_date"] == pd.Timestamp("2027-02-05")).all()  # day 35
    assert (exited["effective_date"] == pd.Timestamp("2027-05-16")).all()  # day 135
    assert (exited["exit_date"] == exited["effective_date"]).all()
    assert t.loc[t["outcome"] != "exited", "exit_date"].isna().all()


def test_the_file_says_what_produced_it(bill_run) -> None:
    meta = pq.read_schema(bill_run.folder / "trials.parquet").metadata[b"withdrawal-sim"]
    info = json.loads(meta)
    summary = json.loads((bill_run.folder / "summary.json").read_text())
    assert info["name"] == "test" and info["seed"] == 3 and info["trials"] == 4000
    assert info["scenario_sha256"] == summary["scenario_sha256"]
    assert info["version"] == summary["version"]
    assert summary["scenario_sha256"][:8] in bill_run.folder.name


def test_any_date_and_a_monthly_grid(bill_run) -> None:
    s = bill_run.summary
    t = pd.read_parquet(bill_run.folder / "trials.parquet")
    n = len(t)
    notices = int(t["notice_day"].notna().sum())
    at = {row["date"]: row for row in s["at"]}
    assert set(at) == {"2027-01-31", "2027-02-05"}
    assert at["2027-01-31"]["p_notice"] == 0  # the notice comes on day 35, 2027-02-05
    assert at["2027-02-05"]["p_notice"] == pytest.approx(notices / n)  # "by" includes the day
    assert at["2027-02-05"]["p_notice_ci95"] == pytest.approx(wilson_list(notices, n))
    grid = [row["date"] for row in s["monthly"]]
    assert grid[0] == "2027-01-31" and grid[-1] == s["horizon"]
    assert "2027-02-28" in grid and "2027-12-31" in grid
    by_may = next(r for r in s["monthly"] if r["date"] == "2027-05-31")
    assert by_may["p_exit"] == pytest.approx(float((t["outcome"] == "exited").mean()))
    by_april = next(r for r in s["monthly"] if r["date"] == "2027-04-30")
    assert by_april["p_exit"] == 0  # exits come on 2027-05-16


def test_month_ends() -> None:
    ends = month_ends(dt.date(2028, 1, 31), dt.date(2028, 4, 15))
    assert ends == [
        dt.date(2028, 1, 31),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 31),
        dt.date(2028, 4, 15),
    ]


def test_at_outside_the_span_is_refused(tmp_path: Path) -> None:
    with pytest.raises(runner.RunOptionError, match="outside the scenario's span"):
        runner.run(_bill(50), out=tmp_path, workers=1, at=[dt.date(2030, 1, 1)], charts=False)
    assert not any(tmp_path.rglob("*.parquet"))


def test_wilson_matches_scipy() -> None:
    from scipy import stats

    for k, n in [(0, 10), (3, 10), (10, 10), (391, 20000), (1, 1)]:
        ci = stats.binomtest(k, n).proportion_ci(method="wilson")
        np.testing.assert_allclose(wilson_list(k, n), [ci.low, ci.high], atol=1e-12)


def test_the_readme_recipe_runs_and_agrees_with_the_summary(tmp_path: Path, capsys) -> None:
    import contextlib
    import io
    import re

    from sim.language import load

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Asking your own questions") :]
    begin = section.index("```python") + len("```python")
    code = section[begin : section.index("```\n", begin)]
    base = load(Path(__file__).parent.parent / "scenarios" / "baseline.yaml")
    res = runner.run(base, out=tmp_path, trials=3000, workers=1, charts=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {"run_folder": str(res.folder)})
    printed = out.getvalue()
    t = pd.read_parquet(res.folder / "trials.parquet")
    house = int((t["gate.hr6508_119th.house_floor.result"] == "passed").sum())
    assert f"the House passed the bill in {house} of 3000 trials" in printed
    by_june = next(r for r in res.summary["monthly"] if r["date"] == "2028-06-30")
    shown = float(re.search(r"P\(exit by 2028-06-30\) = ([0-9.]+)", printed).group(1))
    assert shown == pytest.approx(by_june["p_exit"], abs=5e-5)
