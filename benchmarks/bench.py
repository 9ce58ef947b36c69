"""Speed, run on demand (never in the test suite): `python benchmarks/bench.py`.

Prints one table, side by side:

- the three-gate bill model of `bill3.yaml` four ways, in this process on one core: written
  by hand in numpy (the speed limit), the vector engine, the DES engine, and a naive simpy
  version (one Environment a trial, stdlib random: what a user would write by hand);
- `sim run` of the baseline scenario through the Python API on 1 and on all workers, with
  each engine (trials/s of the whole run: draws, engine, summary, trials.parquet; DES at
  100,000 and 200,000 trials);
- `sim run` as a command, end to end: the default 20,000 trials with and without charts
  (what the charts cost), 1,000,000 trials with and without charts, and 10,000,000 with
  `--no-trials`: wall time and peak memory of the whole process tree (psutil, sampled).

`--quick` runs everything but the 20,000-trial rows at a tenth of the size.
"""

from __future__ import annotations

import argparse
import functools
import math
import multiprocessing
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import TypeVar

import numpy as np
import simpy

from sim import bundled, runner
from sim.draws import BLOCK_SIZE, Slice, slice_size, slices
from sim.language import Scenario, load
from sim.language.values import Z95
from sim.worker import simulate_slice

HERE = Path(__file__).resolve().parent
BILL = HERE / "bill3.yaml"
GATES = [(30.0, 240.0, 0.3), (7.0, 60.0, 0.5), (10.0, 10.0, 0.9)]  # as in bill3.yaml
NOTICE = 365.0
END = 731.0 + 1  # days from 2027-01-01 through the whole of 2028-12-31


def _lognormal(lo: float, hi: float) -> tuple[float, float]:
    mu = (math.log(lo) + math.log(hi)) / 2
    return mu, (math.log(hi) - math.log(lo)) / (2 * Z95)


def hand_numpy(n: int, seed: int = 1) -> np.ndarray:
    """The bill model in plain numpy: exit day per trial (nan: no exit)."""
    rng = np.random.default_rng(seed)
    t = np.zeros(n)
    ok = np.ones(n, dtype=bool)
    for lo, hi, p in GATES:
        if lo == hi:
            t += lo
        else:
            mu, sigma = _lognormal(lo, hi)
            t += rng.lognormal(mu, sigma, n)
        ok &= rng.random(n) < p
    effective = t + NOTICE
    return np.where(ok & (effective < END), effective, np.nan)


def naive_simpy(n: int, seed: int = 1) -> list[float]:
    """The bill model as a user would write it in simpy: exit day per trial (nan: none)."""
    rnd = random.Random(seed)
    params = [(*_lognormal(lo, hi), p) if lo != hi else (lo, None, p) for lo, hi, p in GATES]
    out: list[float] = []

    def bill(env: simpy.Environment, result: list[float]) -> simpy.events.ProcessGenerator:
        for a, b, p in params:
            yield env.timeout(a if b is None else rnd.lognormvariate(a, b))
            if rnd.random() >= p:
                return
        yield env.timeout(NOTICE)
        result.append(env.now)

    for _ in range(n):
        env = simpy.Environment()
        result: list[float] = []
        env.process(bill(env, result))
        env.run(until=END)
        out.append(result[0] if result else math.nan)
    return out


def rate(fn: Callable[[int], object], n: int, calls: int = 1) -> float:
    """Trials/s of `calls` calls `fn(n)` (several, for a call of a few milliseconds)."""
    t0 = time.perf_counter()
    for _ in range(calls):
        fn(n)
    return calls * n / (time.perf_counter() - t0)


T = TypeVar("T")


def in_turn(
    measures: dict[str, Callable[[], T]], rounds: int, warm: bool = True
) -> dict[str, list[T]]:
    """Each measure once a round, in turn, for `rounds` rounds (with `warm`, after one
    round not counted, which pays for first calls: imports, caches, fresh memory; a whole
    run starts afresh each time anyway). This machine is a shared
    virtual machine whose speed drifts by a quarter from one second to the next: the best of
    a few runs of each measure made at different moments compares a fast moment of one with
    a slow moment of the other, where measures made one after the other share the moment."""
    out: dict[str, list[T]] = {k: [] for k in measures}
    for measure in measures.values() if warm else ():  # first calls fill caches
        measure()
    for _ in range(rounds):
        for key, measure in measures.items():
            out[key].append(measure())
    return out


def ratio(results: dict[str, list[float]], top: str, bottom: str) -> float:
    """The median over rounds of top / bottom, each round's two measures made together."""
    return statistics.median(ratios(results, top, bottom))


def ratios(results: dict[str, list[float]], top: str, bottom: str) -> list[float]:
    return [a / b for a, b in zip(results[top], results[bottom], strict=True)]


def spread(results: dict[str, list[float]], top: str, bottom: str, fmt: str) -> str:
    """The lowest and highest of the rounds' ratios: how far one run can be trusted."""
    r = ratios(results, top, bottom)
    return f" (rounds {min(r):{fmt}} to {max(r):{fmt}})"


def median(results: dict[str, list[float]], key: str) -> float:
    return statistics.median(results[key])


def engine_rate(
    s: Scenario, engine: str, n: int, draw_columns: bool = False, calls: int = 1
) -> float:
    """Draws and engine to the trial table, one block of n trials, in this process: the
    table `sim run` writes (without the `draw.*` columns, unless `--draws`, so that a
    draw no trial reaches is never transformed; DES always transforms every draw)."""

    def go(n: int) -> None:
        simulate_slice(s, Slice(block=0, offset=0, n=n), engine, draws=draw_columns)

    return rate(go, n, calls)


def run_rate(s: Scenario, engine: str, workers: int, trials: int) -> float:
    """trials/s of a whole run through the API (draws, engine, summary and trials.parquet;
    no charts, whose cost does not depend on the engine: see the 20,000-trial rows), its
    workers' forkserver started afresh (as by each `sim run`)."""
    _stop_forkserver()
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        runner.run(s, out=Path(out), trials=trials, workers=workers, engine=engine, charts=False)
        return trials / (time.perf_counter() - t0)


def _slices_alone(s: Scenario, engine: str, n: int, start: Barrier, out: Queue[float]) -> None:
    """In a process of its own: draws and engine for `n` slices of `s`, timed from the
    moment every such process is ready (`start`)."""
    engine_rate(s, engine, 64)  # first calls
    start.wait()
    t0 = time.perf_counter()
    for piece in slices(n * slice_size(engine), slice_size(engine)):
        simulate_slice(s, piece, engine, draws=False)
    out.put(time.perf_counter() - t0)


def machine_rate(s: Scenario, engine: str, processes: int, n: int = 20) -> float:
    """trials/s of `processes` independent processes each working through the same `n`
    slices at once: what this machine gives several cores when nothing is shared (no pool,
    no run, no start-up). On a shared virtual machine two busy cores are at times slower
    each than one busy core, and then no run can scale as far as 2x: a workers' ratio is
    to be read against this one, measured in the same rounds."""
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(processes), ctx.Queue()
    procs = [
        ctx.Process(target=_slices_alone, args=(s, engine, n, start, out)) for _ in range(processes)
    ]
    for p in procs:
        p.start()
    times = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return processes * n * slice_size(engine) / max(times)


def _stop_forkserver() -> None:
    """So that the next run pays for starting its workers, as a `sim run` does (`_stop` is
    what CPython's own tests use)."""
    from multiprocessing import forkserver as mp_forkserver

    mp_forkserver._forkserver._stop()


def end_to_end(trials: int, extra: list[str]) -> tuple[float, float]:
    """Wall seconds and peak memory (GB, whole process tree) of `sim run baseline`."""
    import psutil

    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-m", "sim", "run", "baseline", "--trials", str(trials)]
        t0 = time.perf_counter()
        proc = subprocess.Popen([*cmd, "--out", out, *extra], stdout=subprocess.DEVNULL)
        peak = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak
            parent = psutil.Process(proc.pid)
            while not stop.is_set():
                try:
                    tree = [parent, *parent.children(recursive=True)]
                    peak = max(peak, sum(p.memory_info().rss for p in tree))
                except psutil.Error:
                    pass
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - t0
        stop.set()
        sampler.join()
        if code != 0:
            raise SystemExit(f"sim run failed with exit status {code}")
    return wall, peak / 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    args = parser.parse_args()
    k = 10 if args.quick else 1
    workers = runner.default_workers()
    rows: list[tuple[str, str, str]] = []

    def show(what: str, value: str, note: str = "") -> None:
        rows.append((what, value, note))
        print(f"{what:58s} {value:>16s}  {note}", flush=True)

    bill = load(BILL)
    n = BLOCK_SIZE // k
    fast = in_turn(
        {
            "numpy": lambda: rate(hand_numpy, 1_000_000 // k),
            "vector": lambda: engine_rate(bill, "vector", n, calls=8),
            "vector+draws": lambda: engine_rate(bill, "vector", n, draw_columns=True, calls=8),
        },
        rounds=15,
    )
    show(
        "bill3: hand-written numpy (exit day only), 1 core",
        f"{median(fast, 'numpy'):,.0f}/s",
        "speed limit",
    )
    show(
        "bill3: vector engine (draws + the trial table a run writes), 1 core",
        f"{median(fast, 'vector'):,.0f}/s",
        f"{ratio(fast, 'vector', 'numpy'):.1%} of numpy" + spread(fast, "vector", "numpy", ".0%"),
    )
    show(
        "bill3: vector engine, table with the draws (--draws)",
        f"{median(fast, 'vector+draws'):,.0f}/s",
        f"{ratio(fast, 'vector+draws', 'numpy'):.1%} of numpy"
        + spread(fast, "vector+draws", "numpy", ".0%"),
    )
    slow = in_turn(
        {
            "des": lambda: engine_rate(bill, "des", 20_000 // k),
            "naive": lambda: rate(naive_simpy, 50_000 // k),
        },
        rounds=5,
    )
    show(
        "bill3: DES engine (draws + full trial table), 1 core",
        f"{median(slow, 'des'):,.0f}/s",
        f"{ratio(slow, 'des', 'naive'):.2f}x naive simpy" + spread(slow, "des", "naive", ".2f"),
    )
    show("bill3: naive simpy (exit day only), 1 core", f"{median(slow, 'naive'):,.0f}/s")

    base = load(bundled.find("baseline") or "baseline")
    # DES at two sizes: a 2-worker run's start-up (the forkserver importing the workers'
    # modules, about half a second, while the run works alone) weighs twice as much in the
    # smaller one's ratio
    sizes = (("vector", 1_000_000 // k), ("des", 100_000 // k), ("des", 200_000 // k))
    for engine, trials in sizes:
        if runner.choose_engine(base, engine)[0] != engine:
            show(f"baseline: sim run --engine {engine}", "skipped", "it would run on DES")
            continue
        counts = sorted({1, workers})
        measures = {str(w): functools.partial(run_rate, base, engine, w, trials) for w in counts}
        if workers > 1:  # what this machine gives at the same moments (`machine_rate`)
            for w in (1, workers):
                measures[f"machine {w}"] = functools.partial(machine_rate, base, engine, w)
        runs = in_turn(measures, rounds=3, warm=False)
        for w in counts:
            note = ""
            if w > 1:
                note = f"{ratio(runs, str(w), '1'):.2f}x 1 worker" + spread(
                    runs, str(w), "1", ".2f"
                )
            show(
                f"baseline: sim run --engine {engine}, {trials:,} trials, {w} worker(s)",
                f"{median(runs, str(w)):,.0f}/s",
                note,
            )
        if workers > 1:
            top, one = f"machine {workers}", "machine 1"
            show(
                f"  this machine: {workers} processes of {engine} slices at once",
                f"{median(runs, top):,.0f}/s",
                f"{ratio(runs, top, one):.2f}x 1 alone" + spread(runs, top, one, ".2f"),
            )

    # (trials, rounds): each size without and with charts in turn, so that "charts +"
    # compares runs made together; the medians of the rounds
    for trials, rounds in ((20_000, 5), (1_000_000 // k, 1)):
        pair = in_turn(
            {
                "--no-charts": functools.partial(end_to_end, trials, ["--no-charts"]),
                "": functools.partial(end_to_end, trials, []),
            },
            rounds,
            warm=False,
        )
        walls = {flags: [w for w, _ in got] for flags, got in pair.items()}
        extra = statistics.median(
            c - b for b, c in zip(walls["--no-charts"], walls[""], strict=True)
        )
        for flags, got in pair.items():
            note = f"peak {max(gb for _, gb in got):.2f} GB"
            if not flags:
                note += f"; charts +{extra:.1f} s"
            show(
                f"baseline: sim run --trials {trials:,} {flags}".rstrip(),
                f"{statistics.median(walls[flags]):.1f} s",
                note,
            )
    wall, gb = end_to_end(10_000_000 // k, ["--no-trials"])
    show(f"baseline: sim run --trials {10_000_000 // k:,} --no-trials", f"{wall:.1f} s",
         f"peak {gb:.2f} GB")  # fmt: skip

    print("\n| measure | result | note |\n|---|---:|---|")
    for what, value, note in rows:
        print(f"| {what} | {value} | {note} |")


if __name__ == "__main__":
    main()
