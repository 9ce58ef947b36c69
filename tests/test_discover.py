"""`sim discover`: PRIM finds a known region of an uncertain input in a scenario built so
that the outcome depends on nothing else; a scenario with no uncertain input, and a bad
outcome, are one line each."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.analysis.discover import discover, uncertain_inputs
from sim.cli import main
from sim.language import loads
from sim.run_folder import load_run

# Route r's only gate passes (p = 1) after D ~ uniform(0, 400) days. The route dies at
# `closes` (day 300), so a notice is deposited iff D < 300; a pending notice is revoked at
# `opens` (day 100) if deposited before it, and with a one-year notice period every notice
# deposited before day 100 is still pending then. So a trial exits iff 100 <= D < 300
# (P = 1/2), and a notice is deposited iff D < 300. Route `other` never passes: its
# uniform delay is an uncertain input that decides nothing. The coins are not inputs.
WINDOW = """\
name: window
start: 2027-01-01
horizon: 2029-01-01
trials: 4000
seed: 5
treaty: {name: window treaty, notice_period: 1y}
events:
  opens: {date: 2027-04-11}     # day 100
  closes: {date: 2027-10-28}    # day 300
routes:
  r:
    gates:
      - {name: g, delay: {dist: uniform, min: 0d, max: 400d}, p: 1}
    dies_on: [closes]
  other:
    gates:
      - {name: never, delay: {dist: uniform, min: 0d, max: 100d}, p: 0}
notice:
  revoked_by: [opens]
"""
DELAY = "routes.r.gates.g.delay"
# PRIM's resolution: a peel takes 5% of the box's trials off one side, about 0.05 x 200 = 10
# days of D at the window, plus the sampling error of an edge (4.5 sd of a quantile of 4,000
# uniform draws over 400 days: 4.5 x 400 x sqrt(0.5 x 0.5 / 4000), about 14 days in all).
TOLERANCE = 0.05 * 200 + 4.5 * 400 * (0.25 / 4000) ** 0.5


def test_prim_finds_the_window_that_decides_the_exit(tmp_path: Path) -> None:
    assert [i.name for i in uncertain_inputs(loads(WINDOW))] == [
        DELAY,
        "routes.other.gates.never.delay",
    ]
    (tmp_path / "window.yaml").write_text(WINDOW)
    out = tmp_path / "out"
    args = ["discover", str(tmp_path / "window.yaml"), "--out", str(out), "--workers", "1"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["outcome"] == "exited" and data["trials"] == 4000
    assert abs(data["base_rate"] - 0.5) < 4.5 * (0.25 / 4000) ** 0.5
    first = data["boxes"][0]
    assert [lim["input"] for lim in first["limits"]] == [DELAY]  # the noise input is dropped
    lim = first["limits"][0]
    assert abs(lim["min"] - 100) < TOLERANCE and abs(lim["max"] - 300) < TOLERANCE
    assert lim["restricts"] == "both"
    assert first["density"] >= 0.97 and first["coverage"] >= 0.95
    folder = Path(result.stderr.strip().splitlines()[-1])
    assert folder.name.startswith("discover-window-")
    boxes = pd.read_csv(folder / "boxes.csv")
    assert list(boxes[boxes["box"] == 1]["input"]) == [DELAY]
    trajectory = pd.read_csv(folder / "trajectory.csv")
    assert trajectory["coverage"].iloc[0] == 1.0  # box 1 starts from every trial
    assert trajectory.groupby("box")["chosen"].sum().eq(1).all()  # one step chosen a box
    assert (folder / "charts" / "discover.png").read_bytes().startswith(b"\x89PNG")
    # a notice is deposited iff D < 300: one upper bound, from the same run folder
    notice = discover(load_run(data["run_folder"]), "notice")
    lim2 = notice.boxes[0].limits
    assert [x.input.name for x in lim2] == [DELAY] and lim2[0].side == "upper"
    assert abs(lim2[0].high - 300) < TOLERANCE and notice.boxes[0].density >= 0.97


def _fails(tmp_path: Path, text: str, *extra: str) -> str:
    (tmp_path / "s.yaml").write_text(text)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["discover", str(tmp_path / "s.yaml"), "--out", str(out), *extra]
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert not out.exists()
    return lines[0]


def test_a_scenario_with_no_uncertain_input_is_one_line(tmp_path: Path) -> None:
    constant = WINDOW.replace("{dist: uniform, min: 0d, max: 400d}", "150d").replace(
        "{dist: uniform, min: 0d, max: 100d}", "10d"
    )
    line = _fails(tmp_path, constant)
    assert "window has no uncertain input" in line


def test_an_unknown_outcome_is_one_line(tmp_path: Path) -> None:
    line = _fails(tmp_path, WINDOW, "--outcome", "exit")
    assert "--outcome 'exit'" in line and "notice" in line and "exited" in line


def test_without_the_optional_prim_package_it_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "prim", None)  # `import prim` now raises ImportError
    line = _fails(tmp_path, WINDOW)
    assert "pip install 'withdrawal-sim[discover]'" in line
