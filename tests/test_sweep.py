"""`sim sweep`: a sweep of a constant gate against the analytic line P(exit) = p, its points
paired trial by trial (a monotone coupling), a grid of two parameters, and bad input."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats
from support import assert_proportion

from sim.analysis.sweep import MAX_POINTS, SweepError, parse_axes, run_sweep, split_values
from sim.charts.sweep import write_sweep_charts
from sim.cli import main

# One route, one gate after 10 days, no notice period: a trial exits exactly when its gate
# passes, so P(exit) = p; a gate passes when its uniform is below p, so raising p can only
# add exits (each trial keeps its uniform: common random numbers).
GATE = """\
# one route, one gate: P(exit) = p
name: gate
start: 2027-01-01
horizon: 2028-01-01
trials: 3000
seed: 3
treaty: {name: gate treaty, notice_period: 0d}
routes:
  r:
    gates:
      - {name: g, delay: 10d, p: 0.5}   # the swept gate
"""
PS = (0.1, 0.3, 0.5, 0.7, 0.9)


def _exited(folder: str) -> np.ndarray:
    return (pd.read_parquet(Path(folder) / "trials.parquet")["outcome"] == "exited").to_numpy()


def test_a_swept_gate_draws_the_line_p_and_neighbouring_points_are_paired(tmp_path: Path) -> None:
    sets = [f"routes.r.gates.g.p={','.join(str(p) for p in PS)}"]
    done = run_sweep(GATE, sets, out=tmp_path, workers=1, charts=write_sweep_charts)
    rows = done.rows()
    assert [float(r["routes.r.gates.g.p"]) for r in rows] == list(PS)
    for p, row in zip(PS, rows, strict=True):
        assert row["trials"] == 3000 and row["seed"] == 3
        assert_proportion(row["p_exit"], p, 3000)
        k = round(row["p_exit"] * 3000)
        ci = stats.binomtest(k, 3000).proportion_ci(method="wilson")
        assert row["p_exit_low"] == pytest.approx(ci.low) and row["p_exit_high"] == pytest.approx(
            ci.high
        )
    exited = [_exited(r["run_folder"]) for r in rows]
    for (a, b), row in zip(itertools.pairwise(exited), rows[1:], strict=True):
        assert not (a & ~b).any()  # every trial that exits at the lower p exits at the higher
        gained = int((b & ~a).sum())
        assert row["exits_gained"] == gained and row["exits_lost"] == 0
        assert row["p_exit_change"] == pytest.approx(gained / 3000)
        d = b.astype(float) - a.astype(float)
        half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        assert row["p_exit_change_low"] == pytest.approx(d.mean() - half)
        assert row["p_exit_change_low"] > 0  # paired: far inside the points' own intervals
    assert done.folder is not None and done.folder.name.startswith("sweep-gate-")
    table = pd.read_csv(done.folder / "sweep.csv")
    assert len(table) == 5 and list(table["run_folder"]) == [r["run_folder"] for r in rows]
    data = json.loads((done.folder / "sweep.json").read_text())
    assert data["kind"] == "sweep" and data["axes"][0]["values"] == [str(p) for p in PS]
    png = (done.folder / "charts" / "sweep.png").read_bytes()
    assert png.startswith(b"\x89PNG") and (done.folder / "charts" / "sweep.svg").is_file()


def test_two_parameters_give_the_grid(tmp_path: Path) -> None:
    (tmp_path / "gate.yaml").write_text(GATE)
    args = [
        "sweep", str(tmp_path / "gate.yaml"), "--set", "routes.r.gates.g.p=0.2,0.6",
        "--set", "routes.r.gates.g.delay=10d,400d", "--trials", "2000",
        "--out", str(tmp_path / "out"), "--workers", "1", "--no-charts", "--json",
    ]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    points = json.loads(result.stdout)["points"]
    grid = [
        (pt["values"]["routes.r.gates.g.p"], pt["values"]["routes.r.gates.g.delay"])
        for pt in points
    ]
    assert grid == [("0.2", "10d"), ("0.6", "10d"), ("0.2", "400d"), ("0.6", "400d")]
    for pt, (p, delay) in zip(points, grid, strict=True):
        expected = float(p) if delay == "10d" else 0.0  # 400 days is past the horizon
        assert_proportion(pt["p_exit"], expected, 2000)
        assert pt["trials"] == 2000
    text = (Path(points[1]["run_folder"]) / "scenario.yaml").read_text()
    assert "# sim sweep --set routes.r.gates.g.p=0.6 (was 0.5)" in text
    assert "# sim sweep --set routes.r.gates.g.delay=10d (was 10d)" in text
    assert "# the swept gate" in text  # the file's own comments are kept
    assert points[2]["change_from_previous"] is None  # a new line starts at each delay


def _fails(tmp_path: Path, *sets: str) -> str:
    (tmp_path / "gate.yaml").write_text(GATE)
    out = tmp_path / "out"
    args = ["sweep", str(tmp_path / "gate.yaml"), "--out", str(out), "--workers", "1"]
    for s in sets:
        args += ["--set", s]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert not out.exists()  # nothing run, nothing written
    return lines[0]


def test_a_path_that_does_not_exist_names_the_nearest(tmp_path: Path) -> None:
    line = _fails(tmp_path, "routes.r.gates.h.p=0.1,0.2")
    assert "no such path 'routes.r.gates.h.p'" in line and "nearest: routes.r.gates.g.p" in line


def test_a_value_of_the_wrong_type_is_one_line(tmp_path: Path) -> None:
    line = _fails(tmp_path, "routes.r.gates.g.p=0.2,abc")
    assert "--set routes.r.gates.g.p=abc" in line and "expected a probability" in line


def test_too_many_points_is_one_line(tmp_path: Path) -> None:
    values = ",".join(f"{i / 100:g}" for i in range(MAX_POINTS + 1))
    line = _fails(tmp_path, f"routes.r.gates.g.p={values}")
    assert f"{MAX_POINTS + 1} grid points; at most {MAX_POINTS}" in line


def test_values_split_on_commas_outside_brackets_braces_and_quotes() -> None:
    assert split_values("{dist: beta, mean: 0.1, sd: 0.05},0.2") == [
        "{dist: beta, mean: 0.1, sd: 0.05}",
        "0.2",
    ]
    assert split_values("'a, b', \"c, d\",[1, 2]") == ["'a, b'", '"c, d"', "[1, 2]"]
    assert split_values("30d to 90d, 60d to 120d") == ["30d to 90d", "60d to 120d"]
    with pytest.raises(SweepError, match="an empty value"):
        parse_axes(["routes.r.gates.g.p=0.1,,0.2"])
    with pytest.raises(SweepError, match="use --seed"):
        parse_axes(["seed=1,2"])
