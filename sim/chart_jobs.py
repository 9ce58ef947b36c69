"""Draw a run's charts on two processes, with matplotlib imported while the trials run.

Drawing the charts costs a few CPU-seconds (matplotlib's import, layout, and rendering
every chart twice, as PNG and SVG). So that a run waits for as little of it as possible,
`ChartJobs` starts when the run starts: a thread of this process imports matplotlib, and
(with more than one worker) one of the run's worker processes imports it too, both while
the trials run. When the summary is written, that worker (or a helper process, if one was
asked for) draws some charts and this process draws the others, side by side.

This module imports nothing heavy itself: `sim.charts` (and matplotlib) are imported only
inside the thread and the helper.
"""

from __future__ import annotations

import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from sim import interrupts
from sim.language.model import Scenario
from sim.run_folder import CHARTS, Run

# Charts drawn by the helper; this process draws the rest. Chosen so both halves take
# about as long (stopped and how_long against when, states and routes).
HELPER_CHARTS = ("stopped", "how_long")


def warm() -> None:
    import sim.charts  # noqa: F401  # matplotlib and the chart modules, before they are needed


def _draw(summary: dict[str, Any], scenario_text: str, folder: Path, stems: list[str]) -> None:
    from sim.charts.write import write_run_charts

    write_run_charts(Run(summary=summary, scenario_text=scenario_text, folder=folder),
                     folder / CHARTS, stems)  # fmt: skip


class ChartJobs:
    """Started with the run; `draw` writes the charts into the run's `charts/`; `close`
    always (it stops the helper)."""

    def __init__(self, context: BaseContext | None) -> None:
        self._import = threading.Thread(target=warm, name="import-charts", daemon=True)
        self._import.start()
        self._pool = (
            ProcessPoolExecutor(
                max_workers=1, mp_context=context, initializer=interrupts.worker_started
            )
            if context is not None
            else None
        )
        self._warmed: Future[None] | None = self._pool.submit(warm) if self._pool else None

    def draw(self, run: Run, scenario: Scenario, helper: Executor | None = None) -> None:
        """The charts, some of them drawn by the helper process, or by `helper` (the run's
        pool of workers, idle once the trials are done) if there is none."""
        from_helper: Future[None] | None = None
        assert run.folder is not None
        helper = self._pool if self._pool is not None else helper
        if helper is not None:
            from_helper = helper.submit(
                _draw, run.summary, run.scenario_text, run.folder, list(HELPER_CHARTS)
            )
        self._import.join()
        from sim.charts.write import RUN_CHARTS, write_run_charts

        run.__dict__["scenario"] = scenario  # the scenario as run, already parsed
        here = [s for s in RUN_CHARTS if from_helper is None or s not in HELPER_CHARTS]
        write_run_charts(run, run.folder / CHARTS, here)
        if from_helper is not None:
            from_helper.result()

    def close(self, stopping: bool = False) -> None:
        if self._pool is not None:
            interrupts.close_pool(self._pool, stopping)
