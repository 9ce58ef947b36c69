"""Evaluation tasks over worker processes: the runs behind the given-data analysis and the
tornado (every slice of trials, unpinned and pinned), and the Sobol design points.

A task is small and self-contained (the scenario, a slice or a few design points), so
results do not depend on how many workers run them, and they come back in task order. With
one worker everything runs in this process. A worker that dies is `WorkerLost`, as in
`sim run`.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from sim import forkserver, interrupts
from sim.analysis.sensitivity.design import Pins
from sim.analysis.sensitivity.evaluate import Outcomes, play, substitute, tile, waits
from sim.draws import BLOCK_SIZE, DES_SLICE_SIZE, SLICE_SIZE, Slice, draw_block, slices
from sim.language.model import Scenario
from sim.runner import WorkerLost, _context

Progress = Callable[[int], None]
J = TypeVar("J")
T = TypeVar("T")
R = TypeVar("R")

# Trials one task plays (variants x slice, or points x trials per point): about a second of
# work on either engine, so the progress bar moves and every worker stays busy.
TASK_TRIALS = {"vector": 4 * SLICE_SIZE, "des": 4 * DES_SLICE_SIZE}
SLICE = {"vector": SLICE_SIZE, "des": DES_SLICE_SIZE}


def run_tasks(
    work: Callable[[J, T], R],
    job: J,
    tasks: Sequence[T],
    workers: int,
    progress: Progress | None = None,
    weight: Callable[[T], int] = lambda _: 1,
) -> Iterator[R]:
    """`work(job, task)` for each task, results in task order; `progress(weight(task))` as
    each comes back."""

    def done(task: T, result: R) -> R:
        if progress is not None:
            progress(weight(task))
        return result

    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield done(task, work(job, task))
        return
    forkserver.start(workers)  # (it tells the forkserver the main script: none to re-run)
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=interrupts.worker_started
    )
    try:
        pending: deque[tuple[T, Future[R]]] = deque()
        for task in tasks:
            pending.append((task, pool.submit(work, job, task)))
            if len(pending) >= 3 * workers:
                t, f = pending.popleft()
                yield done(t, f.result())
        while pending:
            t, f = pending.popleft()
            yield done(t, f.result())
    except BrokenProcessPool:
        raise WorkerLost("a worker process died mid-run (out of memory, or killed)") from None
    finally:
        interrupts.close_pool(pool)


# -- the unpinned run and the tornado's pinned runs ---------------------------------------


@dataclass(frozen=True)
class PinJob:
    scenario: Scenario
    engine: str
    variants: tuple[Pins, ...]  # variants[0] is the unpinned run
    inputs: tuple[str, ...]  # whose draws the unpinned run returns (the given-data X)


@dataclass(frozen=True)
class PinTask:
    piece: Slice
    variants: tuple[int, ...]  # indexes into PinJob.variants

    @property
    def trials(self) -> int:
        return self.piece.n * len(self.variants)


@dataclass
class PinResult:
    outcomes: dict[int, Outcomes]  # by variant index
    x: np.ndarray | None  # (trials, inputs) draws, when the task ran the unpinned variant


def pin_work(job: PinJob, task: PinTask) -> PinResult:
    """One slice of trials, drawn once, played for each variant of the task."""
    s, piece = job.scenario, task.piece
    draws = draw_block(s, piece.block, piece.n, piece.offset)
    hazard_waits: dict[str, np.ndarray] | None = None
    found: dict[int, Outcomes] = {}
    x = None
    for v in task.variants:
        pins = job.variants[v]
        if not pins:
            found[v] = play(s, draws, job.engine)
            x = np.column_stack([draws.columns[name] for name in job.inputs])
            continue
        if hazard_waits is None:
            hazard_waits = waits(s, draws)
        pinned = substitute(s, draws, dict(pins), hazard_waits)
        found[v] = play(s, pinned, job.engine)
    return PinResult(found, x)


def pin_tasks(trials: int, variants: int, engine: str) -> list[PinTask]:
    """Every (slice, variants) task: the variants of a slice are grouped so that a task
    plays about TASK_TRIALS trials."""
    out = []
    for piece in slices(trials, SLICE[engine]):
        per = max(1, TASK_TRIALS[engine] // piece.n)
        for first in range(0, variants, per):
            out.append(PinTask(piece, tuple(range(first, min(variants, first + per)))))
    return out


@dataclass
class PinRuns:
    """Every variant's outcomes over all trials, and the unpinned run's input draws."""

    outcomes: list[Outcomes]
    x: np.ndarray


def run_pins(job: PinJob, trials: int, workers: int, progress: Progress | None) -> PinRuns:
    tasks = pin_tasks(trials, len(job.variants), job.engine)
    parts: list[list[Outcomes]] = [[] for _ in job.variants]
    xs: list[np.ndarray] = []
    for result in run_tasks(pin_work, job, tasks, workers, progress, lambda t: t.trials):
        for v, outcomes in result.outcomes.items():
            parts[v].append(outcomes)  # tasks come in slice order
        if result.x is not None:
            xs.append(result.x)
    return PinRuns([Outcomes.concat(p) for p in parts], np.concatenate(xs))


# -- Sobol design points --------------------------------------------------------------------


@dataclass(frozen=True)
class PointJob:
    scenario: Scenario
    engine: str
    inputs: tuple[str, ...]
    per_point: int  # trials per design point, the same trials (chance) for every point


@dataclass(frozen=True)
class PointTask:
    values: np.ndarray  # (points, inputs)

    @property
    def points(self) -> int:
        return int(self.values.shape[0])


@dataclass
class PointResult:
    """Per design point: the shares and the mean exit day over its trials, and the same
    over each half of them (for the split-half estimate of chance, `sobol._noise`)."""

    p_exit: np.ndarray
    p_notice: np.ndarray
    exits: np.ndarray  # count of exits
    mean_exit_day: np.ndarray  # among them; NaN where none
    half_p_exit: np.ndarray  # over the first half of the trials
    half_p_notice: np.ndarray
    half_mean_exit_day: np.ndarray
    other_p_exit: np.ndarray  # over the second half
    other_p_notice: np.ndarray
    other_mean_exit_day: np.ndarray


def _mean_days(exited: np.ndarray, days: np.ndarray) -> np.ndarray:
    exits = exited.sum(axis=1)
    total = np.where(exited, days, 0.0).sum(axis=1)
    return np.where(exits > 0, total / np.maximum(exits, 1), np.nan)


def point_work(job: PointJob, task: PointTask) -> PointResult:
    """Each design point over the same `per_point` trials (the first trials of block 0 of
    the seed): only the inputs differ between points, so the design sees common chance."""
    s, m = job.scenario, job.per_point
    base = draw_block(s, 0, m, 0)
    hazard_waits = waits(s, base)
    p = task.points
    values = {name: np.repeat(task.values[:, i], m) for i, name in enumerate(job.inputs)}
    tiled_waits = {k: np.tile(v, p) for k, v in hazard_waits.items()}
    played = play(s, substitute(s, tile(base, p), values, tiled_waits), job.engine)
    exited = played.exited.reshape(p, m)
    notice = played.notice.reshape(p, m)
    days = played.exit_day.reshape(p, m)
    h = m // 2
    return PointResult(
        exited.mean(axis=1),
        notice.mean(axis=1),
        exited.sum(axis=1),
        _mean_days(exited, days),
        exited[:, :h].mean(axis=1),
        notice[:, :h].mean(axis=1),
        _mean_days(exited[:, :h], days[:, :h]),
        exited[:, h:].mean(axis=1),
        notice[:, h:].mean(axis=1),
        _mean_days(exited[:, h:], days[:, h:]),
    )


MAX_PER_POINT = BLOCK_SIZE


def run_points(
    job: PointJob, values: np.ndarray, workers: int, progress: Progress | None
) -> PointResult:
    per_task = max(1, TASK_TRIALS[job.engine] // job.per_point)
    tasks = [PointTask(values[i : i + per_task]) for i in range(0, values.shape[0], per_task)]
    results = list(
        run_tasks(point_work, job, tasks, workers, progress, lambda t: t.points * job.per_point)
    )
    return PointResult(*(np.concatenate([getattr(r, f) for r in results]) for f in _POINT_FIELDS))


_POINT_FIELDS = tuple(f.name for f in dataclasses.fields(PointResult))
