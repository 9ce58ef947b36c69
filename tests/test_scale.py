"""Runs at scale: either engine, any number of workers or a Dask cluster, with or without the
trials file: the same results; a lost worker or an unreachable scheduler leaves nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from support import date_after, gate, route, scenario
from test_cli import assert_one_clean_error_line, sim

from sim import runner
from sim.draws import SLICE_SIZE
from sim.draws_file import draws_table, write_draws
from sim.engines import vector
from sim.language.model import uses_extensions


def _scenario(trials: int = 3 * SLICE_SIZE + 100) -> Any:
    """Two routes racing, with the extended constructs (an `until:` gate, a rate change, a
    hazard that runs while the notice is pending, an appeal, `earliest_notice`)."""
    return scenario(
        {
            "bill": route(
                {
                    "name": "floor",
                    "delay": "10d to 90d",
                    "votes": {"needed": 50, "ayes": "20 to 70"},
                },
                gate("sign", "5d", 0.8),
                dies_on=[{"event": "end", "p": 0.8, "until": "sign"}],
            ),
            "defy": route(
                {"name": "decide", "delay": "30d to 180d", "p": "0.2 to 0.5"},
                starts="after move",
                challenges=[
                    {
                        "name": "suit",
                        "delay": "60d to 400d",
                        "outcomes": {"voids_notice": 0.3, "dismissed": 0.5, "upheld": 0.2},
                        "appeal": {"delay": "20d to 90d", "reverses": 0.5},
                    }
                ],
            ),
        },
        events={
            "end": {"date": date_after(60)},
            "move": {
                "hazard_per_year": {"dist": "beta", "mean": 0.3, "sd": 0.1},
                "rate_changes": [{"at": "inauguration", "hazard_per_year": 0}],
            },
            "inauguration": {"date": date_after(700)},
            "deal": {"hazard_per_year": 0.4, "after": "notice_deposited"},
        },
        revoked_by=[{"event": "inauguration", "p": 0.6}, "deal"],
        treaty={"earliest_notice": date_after(20)},
        notice_period="1y",
        horizon=date_after(800),
        trials=trials,
        seed=5,
    )


def _without_engine(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "engine"}


def test_both_engines_give_the_same_run(tmp_path: Path) -> None:
    s = _scenario(trials=SLICE_SIZE + 100)  # two slices of the vector engine, 17 of DES
    assert uses_extensions(s) and vector.unsupported(s) is None
    fast = runner.run(s, out=tmp_path / "v", workers=1, charts=False)
    slow = runner.run(s, out=tmp_path / "d", workers=1, engine="des", charts=False)
    assert fast.summary["engine"] == "vector" and slow.summary["engine"] == "des"
    assert json.loads((slow.folder / "run.json").read_text())["engine"] == "des"
    assert _without_engine(fast.summary) == _without_engine(slow.summary)
    pd.testing.assert_frame_equal(fast.trials, slow.trials, check_exact=True)


def test_no_trials_keeps_the_whole_summary(tmp_path: Path) -> None:
    s = _scenario()
    full = runner.run(s, out=tmp_path / "a", workers=2, charts=False)
    lean = runner.run(s, out=tmp_path / "b", workers=2, keep_trials=False, charts=False)
    assert not (lean.folder / "trials.parquet").exists()
    assert (full.folder / "trials.parquet").exists()
    assert lean.summary == full.summary


def test_draws_are_opt_in_and_recomputable(tmp_path: Path) -> None:
    s = _scenario(trials=SLICE_SIZE + 50)
    lean = runner.run(s, out=tmp_path / "a", workers=1, charts=False)
    assert not any(c.startswith("draw.") for c in lean.trials.columns)
    with_draws = runner.run(s, out=tmp_path / "b", workers=1, keep_draws=True, charts=False)
    kept = with_draws.trials[["trial", *(c for c in with_draws.trials if c.startswith("draw."))]]
    assert len(kept.columns) > 5
    pd.testing.assert_frame_equal(draws_table(s), kept, check_exact=True)
    pd.testing.assert_frame_equal(pd.read_parquet(write_draws(lean.folder)), kept, check_exact=True)
    # the rest of the table is the same with or without the draws
    pd.testing.assert_frame_equal(lean.trials, with_draws.trials[lean.trials.columns])


def test_an_engine_that_cannot_run_a_scenario_falls_back_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vector, "unsupported", lambda s: "a construct it lacks")
    res = runner.run(_scenario(trials=200), out=tmp_path, workers=1, charts=False)
    assert res.summary["engine"] == "des"
    assert res.engine_note is not None and "a construct it lacks" in res.engine_note
    assert (
        "a construct it lacks" in json.loads((res.folder / "run.json").read_text())["engine_note"]
    )


def test_a_worker_that_dies_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    args = ["run", "baseline", "--trials", "400000", "--engine", "des", "--workers", "2"]
    args.append("--no-charts")  # the chart helper is a forkserver child too: kill a worker
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args, "--out", "out"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: list[Any] = []
    deadline = time.monotonic() + 60
    while not workers and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        tree = psutil.Process(proc.pid).children(recursive=True)
        servers = [p for p in tree if "forkserver" in " ".join(p.cmdline())]
        workers = [w for server in servers for w in server.children()]
    assert workers, "no worker process appeared"
    time.sleep(0.5)
    workers[0].send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    lines = [x for x in err.strip().splitlines() if not x.startswith("sim: scenario ")]
    assert len(lines) == 1, err  # besides the line saying which file ran
    assert "worker process died" in err and "nothing was written" in err
    assert not any((tmp_path / "out").rglob("*.json"))


def test_a_dask_cluster_gives_the_local_results(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    s = _scenario()
    local = runner.run(s, out=tmp_path / "local", workers=1, charts=False)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = runner.run(
            s, out=tmp_path / "dask", scheduler=cluster.scheduler_address, charts=False
        )
    assert remote.summary == local.summary
    for name in ("summary.json", "trials.parquet"):
        assert (remote.folder / name).read_bytes() == (local.folder / name).read_bytes(), name


def test_an_unreachable_scheduler_is_one_line_within_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("distributed")
    monkeypatch.setattr(runner, "SCHEDULER_TIMEOUT", "1s")
    started = time.monotonic()
    with pytest.raises(runner.RunOptionError, match="cannot reach the Dask scheduler") as err:
        runner.run(_scenario(trials=100), out=tmp_path, scheduler="tcp://127.0.0.1:9", charts=False)
    assert time.monotonic() - started < 8
    assert "\n" not in str(err.value)
    assert not (tmp_path / "test").exists() or list((tmp_path / "test").iterdir()) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--engine", "fast"], "sim run: Invalid value for '--engine'"),
        (["--workers", "0"], "sim run: Invalid value for '--workers'"),
        (["--trials", "many"], "sim run: Invalid value for '--trials'"),
    ],
)
def test_bad_run_options_are_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    line = assert_one_clean_error_line(sim("run", *args, "--out", "out", cwd=tmp_path))
    assert line.startswith(expected), line
    assert not (tmp_path / "out").exists()
