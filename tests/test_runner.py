"""The run folder: reproducible, independent of workers, written whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from support import date_after, gate, route, scenario

from sim import runner, worker
from sim.draws import BLOCK_SIZE, SLICE_SIZE, draw_block, slices


def _scenario(trials: int = 2500, seed: int = 11, p: float = 0.5):
    return scenario(
        {
            "bill": route(
                {
                    "name": "floor",
                    "delay": "10d to 90d",
                    "votes": {"needed": 50, "ayes": "20 to 70"},
                },
                gate("sign", "5d", p),
                dies_on=[{"event": "end", "p": 0.8}],
            ),
            "defy": route(
                {"name": "decide", "delay": "30d to 180d", "p": "0.2 to 0.5"},
                starts="after move",
                challenges=[
                    {
                        "name": "suit",
                        "delay": {"dist": "pert", "min": "30d", "mode": "200d", "max": "400d"},
                        "outcomes": {"voids_notice": 0.3, "dismissed": 0.5, "upheld": 0.2},
                    }
                ],
            ),
        },
        events={
            "end": {"date": date_after(60)},
            "move": {"hazard_per_year": {"dist": "beta", "mean": 0.3, "sd": 0.1}},
            "inauguration": {"date": date_after(700)},
        },
        revoked_by=[{"event": "inauguration", "p": 0.6}],
        notice_period="1y",
        horizon=date_after(800),
        trials=trials,
        seed=seed,
    )


def test_same_seed_twice_gives_identical_files(tmp_path: Path) -> None:
    s = _scenario()
    a = runner.run(s, out=tmp_path / "a", workers=1, charts=False)
    b = runner.run(s, out=tmp_path / "b", workers=1, charts=False)
    for name in ("summary.json", "trials.parquet", "scenario.yaml"):
        assert (a.folder / name).read_bytes() == (b.folder / name).read_bytes(), name


def test_results_do_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    s = _scenario()
    one = runner.run(s, out=tmp_path / "one", workers=1, charts=False)
    two = runner.run(s, out=tmp_path / "two", workers=2, charts=False)
    assert one.summary == two.summary
    pd.testing.assert_frame_equal(
        pd.read_parquet(one.folder / "trials.parquet"),
        pd.read_parquet(two.folder / "trials.parquet"),
    )


def test_a_pool_is_started_only_where_it_saves_time() -> None:
    """At 0.1 ms a trial, two slices of 2,048 trials left take 0.41 s alone; two workers
    would save half of that, 0.20 s, more than the 0.15 s a pool costs to start: worth it.
    One slice left (0.10 s alone, 0.05 s saved) is not; with four workers the two slices
    save three quarters (0.31 s); one worker never saves anything."""
    two, one = slices(4096, 2048), slices(2048, 2048)
    assert runner.POOL_START_SECONDS == 0.15
    assert runner.worth_a_pool(two, 1e-4, 2)
    assert not runner.worth_a_pool(one, 1e-4, 2)
    assert runner.worth_a_pool(two, 1e-4, 4)
    assert not runner.worth_a_pool(slices(10**6, 2048), 1e-4, 1)
    assert runner.worth_a_pool(one, None, 2)  # nothing measured yet: the pool


def test_a_run_goes_on_alone_where_a_pool_would_not_pay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once its first slice is done (the forkserver still starting while it works), a
    2-worker run whose pool could not save its cost finishes alone: no pool, and the same
    trials as on one worker."""
    from sim import forkserver

    s = _scenario(trials=3 * 2048)
    calls = iter([True])
    monkeypatch.setattr(forkserver, "starting", lambda: next(calls, False))
    monkeypatch.setattr(runner, "POOL_START_SECONDS", 1e9)
    monkeypatch.setattr(runner, "slice_size", lambda engine: 2048)
    pools: list[object] = []
    monkeypatch.setattr(runner, "ProcessPoolExecutor", lambda *a, **k: pools.append(a))
    alone = runner.run(s, out=tmp_path / "alone", workers=2, charts=False)
    assert pools == []
    one = runner.run(s, out=tmp_path / "one", workers=1, charts=False)
    assert alone.summary == one.summary
    pd.testing.assert_frame_equal(
        pd.read_parquet(alone.folder / "trials.parquet"),
        pd.read_parquet(one.folder / "trials.parquet"),
    )


def test_a_different_seed_gives_different_draws() -> None:
    a = draw_block(_scenario(seed=1), 0)
    b = draw_block(_scenario(seed=2), 0)
    assert not (
        a.columns["routes.bill.gates.floor.delay"] == b.columns["routes.bill.gates.floor.delay"]
    ).any()


def test_more_trials_extend_the_same_trials(tmp_path: Path) -> None:
    # a longer run extends a shorter one, across slices and across a block boundary
    short = runner.run(
        _scenario(trials=BLOCK_SIZE + 20), out=tmp_path / "a", workers=1, charts=False
    )
    longer = BLOCK_SIZE + SLICE_SIZE + 5
    long = runner.run(_scenario(trials=longer), out=tmp_path / "b", workers=1, charts=False)
    a, b = short.trials, long.trials
    assert len(slices(longer)) > len(slices(BLOCK_SIZE + 20)) > 2
    pd.testing.assert_frame_equal(a, b.iloc[: len(a)])


def test_a_slice_draws_exactly_its_part_of_the_block() -> None:
    s = _scenario()
    whole = draw_block(s, 0, 2500).columns
    for offset, n in ((0, 1000), (1000, 1), (1001, 1499)):
        part = draw_block(s, 0, n, offset=offset)
        assert part.first_trial == offset
        for name, values in whole.items():
            assert (part.columns[name] == values[offset : offset + n]).all(), name
    assert draw_block(s, 1, 10).first_trial == BLOCK_SIZE


def test_editing_one_value_leaves_the_other_draws_alone() -> None:
    # each quantity has its own stream (common random numbers across scenario variants)
    a = draw_block(_scenario(p=0.5), 0).columns
    b = draw_block(_scenario(p=0.9), 0).columns
    assert set(a) == set(b)
    for name in a:
        assert (a[name] == b[name]).all(), name


def test_summary_fields_agree_with_the_trials_table(tmp_path: Path) -> None:
    res = runner.run(_scenario(), out=tmp_path, workers=1, charts=False)
    summary = json.loads((res.folder / "summary.json").read_text())
    t = pd.read_parquet(res.folder / "trials.parquet")
    n = len(t)
    assert summary["trials"] == n == 2500
    counts = t["outcome"].value_counts().to_dict()
    assert {k: v for k, v in summary["outcomes"].items() if v} == counts
    assert sum(summary["outcomes"].values()) == n
    assert summary["p_exit"] == pytest.approx(counts.get("exited", 0) / n)
    low, high = summary["p_exit_ci95"]
    assert low < summary["p_exit"] < high
    exits = t.loc[t["outcome"] == "exited", "exit_day"]
    assert summary["days_to_exit"]["p50"] == pytest.approx(exits.median())
    assert summary["days_to_exit"]["mean"] == pytest.approx(exits.mean())
    assert summary["routes"] == {
        "bill": int((t["route"] == "bill").sum()),
        "defy": int((t["route"] == "defy").sum()),
    }
    # exit by the 'end' event date (day 60): exit day < 61
    assert summary["p_exit_by"]["end"] == pytest.approx(float((t["exit_day"] < 61).mean()))
    notices = t["route"].notna().mean()
    assert summary["p_notice"] == pytest.approx(notices)
    failed_at_floor = int(
        ((t["route.bill.status"] == "failed") & (t["route.bill.stopped_by"] == "floor")).sum()
    )
    assert failed_at_floor > 0
    assert summary["stopped_by"]["bill"]["failed"]["floor"] == failed_at_floor
    assert summary["stopped_by"]["bill"]["died"]["end"] == int(
        (t["route.bill.status"] == "died").sum()
    )
    superseded = summary["stopped_by"]["defy"]["superseded"].get("bill", 0)
    assert superseded == int((t["route.defy.status"] == "superseded").sum())


def test_a_failed_run_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = worker.simulate_slice

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full, say")
        return real(*args, **kwargs)

    monkeypatch.setattr(worker, "simulate_slice", failing)
    with pytest.raises(RuntimeError):
        runner.run(_scenario(trials=2 * SLICE_SIZE + 10), out=tmp_path, workers=1, charts=False)
    assert list(tmp_path.iterdir()) == []  # not even the scenario's folder, made for it


def test_run_ids_are_never_reused(tmp_path: Path) -> None:
    s = _scenario(trials=50)
    folders = {runner.run(s, out=tmp_path, workers=1, charts=False).folder for _ in range(3)}
    assert len(folders) == 3
