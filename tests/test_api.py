"""The Python API: the same runs, folders and comparisons as the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.language import ScenarioError

TOY = """\
name: toy
start: 2027-01-01
horizon: 2029-01-01
trials: 800
seed: 4
treaty: {notice_period: 100d}
routes:
  bill:
    gates:
      - {name: vote, delay: 30d, p: 0.4}
"""


def test_run_from_yaml_text_a_path_and_a_bundled_name(tmp_path: Path) -> None:
    r = sim.run(TOY, out=tmp_path, workers=1, charts=False)
    assert r.folder is not None and r.folder.parent == tmp_path / "toy"
    written = json.loads((r.folder / "summary.json").read_text())
    assert r.summary == written
    assert isinstance(r.trials, pd.DataFrame) and len(r.trials) == 800
    # one gate passing with p 0.4 at day 30, exit on day 130: P(exit) = share passed
    assert r.summary["p_exit"] == pytest.approx((r.trials["outcome"] == "exited").mean())
    assert 0.33 < r.summary["p_exit"] < 0.47  # 0.4 +- 4 standard errors at n = 800
    path = tmp_path / "toy.yaml"
    path.write_text(TOY)
    again = sim.run(path, out=tmp_path, workers=1, trials=800, seed=4, charts=False)
    assert again.summary == r.summary  # same scenario, same seed: same numbers
    base = sim.run("baseline", out=tmp_path, trials=300, workers=1, charts=False)
    assert base.summary["name"] == "baseline" and base.summary["trials"] == 300


def test_load_run_and_the_chart_functions(tmp_path: Path) -> None:
    r = sim.run(TOY, out=tmp_path, workers=1, charts=False, at=["2027-06-30"])
    back = sim.load_run(r.folder)
    assert back.summary == r.summary
    assert back.summary["at"][0]["date"] == "2027-06-30"
    pd.testing.assert_frame_equal(back.trials, pd.read_parquet(r.folder / "trials.parquet"))
    for plot in (back.plot_when, back.plot_stopped, back.plot_states, back.plot_how_long):
        fig = plot()
        assert isinstance(fig, Figure)
        texts = " ".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")))
        assert "toy" in texts  # every chart names the scenario


def test_compare_a_scenario_with_a_variant(tmp_path: Path) -> None:
    c = sim.compare([TOY], set=["routes.bill.gates.vote.p=0.8"], out=tmp_path, charts=False)
    table = c.table
    row = table[table["metric"].str.startswith("P(exit")].iloc[0]
    assert len(c.runs) == 2
    first, second = (r.summary["p_exit"] for r in c.runs)
    assert row.iloc[1] == pytest.approx(first) and row.iloc[2] == pytest.approx(second)
    # paired: trials that pass at p 0.4 also pass at 0.8 (common random numbers)
    a, b = ((r.trials["outcome"] == "exited").to_numpy() for r in c.runs)
    assert not (a & ~b).any()
    diff = next(m for m in c.data["metrics"] if m["metric"] == "p_exit")["differences"][1]
    assert diff["paired"] and diff["value"] == pytest.approx(second - first)
    assert c.folder is not None and (c.folder / "compare.json").is_file()


def test_a_bad_source_raises_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file, nor a bundled scenario"):
        sim.run("no_such_scenario", out=tmp_path)
    with pytest.raises(ScenarioError):
        sim.run(TOY.replace("p: 0.4", "p: 1.4"), out=tmp_path)
    assert not any(tmp_path.iterdir())
