"""Worker processes never run the main script again.

A child of multiprocessing's forkserver runs the parent's main script as `__mp_main__`
unless the forkserver has it already, and on CPython before 3.13.8 the forkserver never
has it (gh-126631), whatever its preload list says: every worker of `sim run`, of a
user's script or of the benchmark re-imported all that script imports before its first
slice. `sim.forkserver_ready` tells the forkserver the script's path instead. The script
here writes a line to a file each time it is imported as `__mp_main__`, then runs a real
two-worker run whose slices all go to the pool, and a sensitivity-style task pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import json, operator, os, sys, time
    from pathlib import Path

    if __name__ == "__mp_main__":
        with open(os.environ["RERUN_LOG"], "a") as log:
            log.write(f"{os.getpid()}\\n")

    from sim import bundled, forkserver, runner
    from sim.analysis.sensitivity.execute import run_tasks
    from sim.language import load

    if __name__ == "__main__":
        forkserver.start(2)
        deadline = time.monotonic() + 60
        while forkserver.starting() and time.monotonic() < deadline:
            time.sleep(0.05)
        pool_used = []
        results = runner._Local.results

        def watched(self):
            for result in results(self):
                pool_used.append(self.pool is not None)
                yield result

        runner._Local.results = watched
        base = load(bundled.find("baseline"))
        runner.run(base, out=Path(sys.argv[1]), trials=3 * 2048, workers=2,
                   engine="des", charts=False, keep_trials=False)
        sums = list(run_tasks(operator.add, 10, [1, 2, 3, 4], workers=2))
        from concurrent.futures import ProcessPoolExecutor
        import gc
        with ProcessPoolExecutor(1, mp_context=forkserver.context()) as pool:
            gc_state = pool.submit(gc.isenabled).result(), pool.submit(gc.get_freeze_count).result()
        print(json.dumps({"pool_used": pool_used, "sums": sums, "gc": gc_state}))
    """
)


def test_workers_do_not_rerun_the_main_script(tmp_path: Path) -> None:
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    log = tmp_path / "reruns.log"
    env = {**os.environ, "RERUN_LOG": str(log)}
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["pool_used"] == [True, True, True]  # every slice came from a worker
    assert out["sums"] == [11, 12, 13, 14]
    assert not log.exists(), f"workers re-ran the script: pids {log.read_text().split()}"
    # a worker collects garbage (the forkserver did not while it imported), and what the
    # forkserver imported is frozen: its collections never walk those objects
    enabled, frozen = out["gc"]
    assert enabled is True
    assert frozen > 50_000  # (importing `sim.worker` makes about 70,000)


def test_the_run_itself_freezes_nothing() -> None:
    """`sim.forkserver_ready` acts only in the forkserver: the run imports it for its
    names, and a frozen run could never collect the garbage it had made by then."""
    code = "import gc, sim.runner, sim.forkserver_ready; print(gc.get_freeze_count())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
