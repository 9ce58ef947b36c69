"""The forkserver that starts a run's worker processes, started as early as it can be.

Workers are never forked from the run's own process (it runs threads, such as the progress
bar's refresher), but from a forkserver: a fresh interpreter that imports what a worker
needs (`sim.worker`) once, then forks a worker per request. That import takes a second or
more, so the run starts the forkserver first (`start`, before it even imports the runner),
and until it is ready (`starting`) the run works on slices itself rather than wait.

The forkserver says it is ready by importing `sim.forkserver_ready` last, which creates
the file named in its environment. This module imports nothing heavy.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import shutil
import tempfile
from multiprocessing.context import BaseContext
from pathlib import Path

from sim import interrupts
from sim.forkserver_ready import MAIN, READY

_marker: Path | None = None  # the file the forkserver creates once it is ready
_charts = False  # whether the forkserver imports the charts too (`start`)


def context() -> BaseContext:
    """forkserver, or spawn where there is none."""
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if ctx.get_start_method() == "forkserver":
        # for a run that draws charts, matplotlib and the charts too: the processes that
        # draw them start with it imported, and the run itself never imports it
        # (no "__main__": workers never need the main script, `sim.forkserver_ready`)
        charts = ["sim.charts.write"] if _charts else []
        first, last = "sim.forkserver_first", "sim.forkserver_ready"
        ctx.set_forkserver_preload([first, "sim.worker", *charts, last])
    return ctx


def start(workers: int | None, charts: bool = False) -> None:
    """Start the forkserver now if `workers` (None: all cores) is more than one; with
    `charts`, it imports the charts too (about a second more before it is ready)."""
    global _marker, _charts
    if (workers if workers is not None else os.cpu_count() or 1) <= 1:
        return
    if context().get_start_method() != "forkserver":
        return
    from multiprocessing import forkserver, spawn

    if getattr(forkserver._forkserver, "_forkserver_pid", None) is not None:
        return  # started already, by `sim run` or an earlier run: `starting` tells if ready
    _charts = charts
    context()  # sets the preload, with the charts or without
    folder = Path(tempfile.mkdtemp(prefix="sim-forkserver-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _marker = folder / "ready"
    main = spawn.get_preparation_data("worker").get("init_main_from_path")
    os.environ.update({READY: str(_marker), MAIN: main or ""})
    try:
        forkserver.ensure_running()
    finally:
        del os.environ[READY], os.environ[MAIN]
    # at exit (a run done, or a scenario that would not load), stop it now rather than let
    # it finish importing for nothing while holding the caller's stdout and stderr
    atexit.register(interrupts.stop_forkserver)


def starting() -> bool:
    """Whether the forkserver `start` started is still importing."""
    global _marker
    if _marker is None:
        return False
    if not _marker.exists():
        return True
    shutil.rmtree(_marker.parent, ignore_errors=True)
    _marker = None
    return False
