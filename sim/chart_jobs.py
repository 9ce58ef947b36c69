"""Draw a run's charts on two processes, with matplotlib imported while the trials run.

Drawing the charts costs a few CPU-seconds (matplotlib's import, layout, and rendering
every chart twice, as PNG and SVG), more than the trials of a small run. So that a run
waits for as little of it as possible, with two workers or more the charts are drawn by
two processes forked from the run's forkserver, which imported matplotlib and the charts
on the other core while this process read the scenario and ran the first slices: the
run's own pool of workers, idle once the trials are done, or (a run too small to start
one) a pool of two started for the charts. Each takes one of `GROUPS`, chosen so both
take about as long. With one worker (or a Dask scheduler) this process draws them all,
matplotlib imported in a thread while the trials run.

This module imports nothing heavy itself: `sim.charts` (and matplotlib) are imported only
inside the thread and the chart processes.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing.context import BaseContext

from sim import interrupts
from sim.language.model import Scenario
from sim.run_folder import CHARTS, Run

# The run's charts (`sim.charts.write.RUN_CHARTS`) in two groups of about equal drawing
# time (at 20,000 baseline trials: stopped 2.0 s + when 0.7 s against states 1.2 s +
# how_long 1.0 s + routes 0.3 s), one for each chart process.
GROUPS = (("stopped", "when"), ("states", "how_long", "routes"))


def warm() -> None:
    import sim.charts  # noqa: F401  # matplotlib and the chart modules, before they are needed


def _draw(run: Run, scenario: Scenario, stems: list[str]) -> None:
    from sim.charts.write import write_run_charts

    assert run.folder is not None
    write_run_charts(run.knowing(scenario), run.folder / CHARTS, stems)


class ChartJobs:
    """Started with the run; `draw` writes the charts into the run's `charts/`; `close`
    always (it stops the chart processes it started)."""

    def __init__(self, context: BaseContext | None) -> None:
        """`context`: where the chart processes come from (the run's forkserver), or None
        to draw here."""
        self._context = context
        self._pool: ProcessPoolExecutor | None = None
        self._import: threading.Thread | None = None
        if context is None:
            self._import = threading.Thread(target=warm, name="import-charts", daemon=True)
            self._import.start()

    def draw(self, run: Run, scenario: Scenario, pool: Executor | None = None) -> None:
        """The charts, drawn by `pool` (the run's workers, idle once the trials are done)
        or by chart processes of their own, or here if there are to be none."""
        assert run.folder is not None
        if self._import is not None:
            self._import.join()
            from sim.charts.write import write_run_charts

            write_run_charts(run.knowing(scenario), run.folder / CHARTS)
            return
        if pool is None:
            self._pool = pool = ProcessPoolExecutor(
                max_workers=len(GROUPS),
                mp_context=self._context,
                initializer=interrupts.worker_started,
            )
        drawing = [pool.submit(_draw, run, scenario, list(group)) for group in GROUPS]
        for done in drawing:
            done.result()

    def close(self) -> None:
        if self._pool is not None:
            interrupts.close_pool(self._pool)
            self._pool = None
