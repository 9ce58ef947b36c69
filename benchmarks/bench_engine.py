"""Engine speed, run on demand (never in the test suite): `python benchmarks/bench_engine.py`.

Prints trials per second of the DES engine on a bundled scenario, for one block in this
process (engine cost alone) and for a whole run with 1 and with all workers.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim import bundled, runner
from sim.draws import BLOCK_SIZE, draw_block
from sim.engines import des
from sim.language import load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", default=bundled.DEFAULT)
    parser.add_argument("--trials", type=int, default=20000)
    args = parser.parse_args()
    path = bundled.find(args.scenario) or Path(args.scenario)
    s = load(path)

    t0 = time.perf_counter()
    draws = draw_block(s, 0, BLOCK_SIZE)
    t1 = time.perf_counter()
    des.run_block(s, draws)
    t2 = time.perf_counter()
    per_trial = 1e6 * (t2 - t1) / BLOCK_SIZE
    print(
        f"{s.name}: draws {BLOCK_SIZE / (t1 - t0):,.0f} trials/s, "
        f"DES engine {BLOCK_SIZE / (t2 - t1):,.0f} trials/s ({per_trial:.0f} µs/trial)"
    )

    for workers in sorted({1, runner.default_workers()}):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            runner.run(s, out=Path(out), trials=args.trials, workers=workers)
            dt = time.perf_counter() - t0
        print(
            f"sim run, {args.trials:,} trials, {workers} worker(s): {dt:.2f} s "
            f"({args.trials / dt:,.0f} trials/s)"
        )


if __name__ == "__main__":
    main()
