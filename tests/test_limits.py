"""Limits: the most trials a run takes, and memory bounded by the block size whatever the
number of trials."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from support import gate, scenario
from test_cli import GOOD

from sim import day_sample
from sim.cli import main
from sim.day_sample import BINS_PER_DAY, DaySample
from sim.draws import BLOCK_SIZE, Slice
from sim.language import ScenarioError, loads
from sim.language.model import MAX_TRIALS
from sim.runner import simulate_slice
from sim.summary import SummaryBuilder


def test_trials_above_the_maximum_are_refused_with_the_reason() -> None:
    assert loads(GOOD.replace("trials: 5000", f"trials: {MAX_TRIALS}")).trials == MAX_TRIALS
    with pytest.raises(ScenarioError) as caught:
        loads(GOOD.replace("trials: 5000", f"trials: {MAX_TRIALS + 1}"), "s.yaml")
    assert str(caught.value) == (
        "s.yaml:6: trials: at most 1,000,000,000 trials: a 95% interval is then within "
        "+-0.003 percentage points, and more would take days and hundreds of GB; "
        "got 1,000,000,001"
    )


@pytest.mark.parametrize("command", ["run", "compare"])
def test_the_trials_option_above_the_maximum(tmp_path: Path, command: str) -> None:
    (tmp_path / "s.yaml").write_text(GOOD)
    args = [command, str(tmp_path / "s.yaml"), "--trials", str(MAX_TRIALS + 1)]
    args += ["--out", str(tmp_path / "out")]
    if command == "compare":
        args += ["--set", "seed=2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    lines = [x for x in result.stderr.splitlines() if not x.startswith("sim: scenario")]
    assert len(lines) == 1 and "at most 1,000,000,000 trials" in lines[0], result.stderr
    assert not (tmp_path / "out").exists()


def test_a_day_sample_is_exact_then_counts_by_the_hour() -> None:
    rng = np.random.default_rng(5)
    days = rng.uniform(0, 700, 20_000)
    exact, binned = DaySample(800), DaySample(800, exact_limit=5_000)
    for part in np.array_split(days, 20):
        exact.add(part)
        binned.add(part)
    assert exact.is_exact and not binned.is_exact
    ends = np.arange(0, 802, dtype=float)
    truth = np.searchsorted(np.sort(days), ends, side="left")
    assert (exact.count_before(ends) == truth).all()
    assert (binned.count_before(ends) == truth).all()  # whole days are bin edges
    want = np.percentile(days, [10, 50, 90])
    assert exact.percentiles() == pytest.approx(
        {"p10": want[0], "p50": want[1], "p90": want[2], "mean": days.mean()}, abs=0
    )
    got = binned.percentiles()
    assert got is not None
    for key, value in zip(("p10", "p50", "p90"), want, strict=True):
        assert abs(got[key] - value) <= 1 / BINS_PER_DAY
    assert got["mean"] == pytest.approx(days.mean(), rel=1e-12)


N = 1000  # trials a table here


def test_the_summary_builder_memory_does_not_grow_with_trials(monkeypatch) -> None:
    """Past the exact limit, a thousand more blocks cost the builder no memory."""
    monkeypatch.setattr(day_sample, "EXACT_DAYS", 10 * N)
    s = scenario({"r": {"gates": [gate("g", "1d to 30d", 0.9)]}}, trials=N)
    table = simulate_slice(s, Slice(0, 0, N))  # nine exits in ten
    builder = SummaryBuilder(s)
    for _ in range(20):
        builder.add(table)
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(100):
            builder.add(table)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 256 * 1024  # the days kept would be 1.4 MB
    summary = builder.result()
    assert summary["trials"] == 120 * N
    assert summary["outcomes"]["exited"] == 120 * int((table.outcome == "exited").sum())


MEASURE = """
import resource, runpy, sys
sys.argv = ["sim", *sys.argv[1:]]
try:
    runpy.run_module("sim", run_name="__main__")
finally:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def _peak_rss_kib(tmp_path: Path, trials: int, limit: int) -> int:
    """Peak RSS of a one-process `sim run`, under an address-space limit of `limit` bytes."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            MEASURE,
            "run",
            "s.yaml",
            "--trials",
            str(trials),
            "--workers",
            "1",
            "--no-trials",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        preexec_fn=cap,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return int(proc.stderr.splitlines()[-1])


def test_a_large_run_fits_in_the_memory_of_a_small_one(tmp_path: Path) -> None:
    """Eight times the trials (half a million), the same memory give or take a block's
    worth: with `--no-trials` only counts and exit and notice days are kept."""
    text = GOOD.replace("trials: 5000", "trials: 1000")
    (tmp_path / "s.yaml").write_text(text)
    limit = 3 * 1024**3  # a cap, so that a leak fails fast rather than swapping
    small = _peak_rss_kib(tmp_path, BLOCK_SIZE, limit)
    large = _peak_rss_kib(tmp_path, 8 * BLOCK_SIZE, limit)
    assert large - small < 16 * 1024, (small, large)


def test_workers_above_four_a_core_are_refused(tmp_path: Path) -> None:
    from sim.runner import max_workers

    (tmp_path / "s.yaml").write_text(GOOD)
    args = ["run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, [*args, "--workers", str(max_workers() + 1)])
    assert result.exit_code == 2
    lines = [x for x in result.stderr.splitlines() if not x.startswith("sim: scenario")]
    assert lines == [
        f"sim: --workers {max_workers() + 1}: between 1 and {max_workers()} (4 per core, "
        f"{max_workers() // 4} cores here); more would only use more memory"
    ]
    assert not (tmp_path / "out").exists()
