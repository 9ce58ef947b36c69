"""Run a scenario: slices of trials over workers (local processes or a Dask cluster), into
an atomically written run folder.

Every slice draws its own part of its block's random streams (`sim.draws`), so the results
are the same however many workers run the slices, and wherever they run. Each worker turns
its slice into a summary part and (unless the trials are not kept) an Arrow table, so what
travels back is compact; the parent merges the summaries and writes the tables in trial
order. The run folder is written atomically (`sim.run_folder`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import io
import os
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from ruamel.yaml import YAML

from sim import __version__, chart_jobs, forkserver, interrupts, worker
from sim import precision as precise
from sim.chart_jobs import ChartJobs
from sim.draws import Slice, slice_size, slices
from sim.engines import vector
from sim.language.model import Scenario, check_trials
from sim.language.yaml_reading import without_directives
from sim.run_folder import (
    CHARTS,
    FORMAT,
    RUN_INFO,
    SCENARIO,
    SUMMARY,
    TRIALS,
    Run,
    atomic_folder,
    write_json,
)
from sim.summary import SummaryBuilder
from sim.trial_table import schema
from sim.worker import Job, SliceResult, simulate_slice, work  # noqa: F401 (simulate_slice: API)

Progress = Callable[[int], None]
ENGINES = ("vector", "des")
ROW_GROUP = 2**16  # rows per parquet row group


def parquet_options(arrow_schema: pa.Schema) -> dict[str, Any]:
    """zstd; dictionary encoding for the text columns only (floats gain nothing from it)."""
    text = [f.name for f in arrow_schema if f.type == pa.string()]
    return {"compression": "zstd", "use_dictionary": text}


SCHEDULER_TIMEOUT = "5s"  # how long to try reaching a Dask scheduler
# what starting a pool costs before its first result, over one slice's own time: forking
# the workers from the forkserver, sending them the job, their first calls (about 0.1 s
# measured on the development machine, with a margin; `worth_a_pool`)
POOL_START_SECONDS = 0.15


class RunOptionError(ValueError):
    """An option of a run that does not fit its scenario (one line for the user)."""


class WorkerLost(RuntimeError):
    """A worker process died mid-run (not the user's fault): one line, nothing written."""


class _Local:
    """Slices worked on by this process and, past the first ones, by a pool of worker
    processes. With `keep_pool`, the pool stays up until `close` (the owner's `with`):
    once the trials are done, one of its workers draws some charts.

    The forkserver that starts the workers takes half a second or more to import their
    modules (`sim.forkserver.start` starts it early). Until it is ready, this process works
    on the first slices itself, so that a run on two workers never waits for them; and once
    it is, this process goes on alone if what is left would take it less than starting the
    pool would save (`worth_a_pool`), so that a short run is not slower than on one."""

    def __init__(
        self,
        job: Job,
        pieces: list[Slice],
        workers: int,
        keep_pool: bool = False,
        warm_charts: bool = False,
    ) -> None:
        self.job, self.pieces, self.workers = job, pieces, workers
        self.keep_pool, self.warm_charts = keep_pool, warm_charts
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Local:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pool; what it has not started yet is dropped (`interrupts.close_pool`:
        a run stopped by a signal does not wait for it)."""
        if self.pool is not None:
            interrupts.close_pool(self.pool)
            self.pool = None

    def results(self) -> Iterator[SliceResult]:
        """Results in slice order; at most a few slices ahead are held in memory."""
        job, workers = self.job, self.workers
        todo = deque(self.pieces)
        seconds: float | None = None  # a trial's time in this process's last slice
        while todo and (
            workers <= 1
            or len(self.pieces) <= 1
            or forkserver.starting()
            or not worth_a_pool(todo, seconds, workers)
        ):
            started = time.perf_counter()
            result = work(job, todo.popleft())
            seconds = (time.perf_counter() - started) / max(1, result.n)
            yield result
        if not todo:
            return
        try:
            self.pool = pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=forkserver.context(),
                initializer=worker.start,
                initargs=(job,),
            )
            if self.warm_charts:
                pool.submit(chart_jobs.warm)  # a worker will draw charts
            pending: deque[Future[SliceResult]] = deque()
            for piece in todo:
                pending.append(pool.submit(worker.work_on, piece))
                if len(pending) >= 3 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        # a caller that stops early (--precision) or a signal: drop the queue
        except (GeneratorExit, KeyboardInterrupt):
            self.close()
            raise
        except BrokenProcessPool:
            raise WorkerLost("a worker process died mid-run (out of memory, or killed)") from None
        if not self.keep_pool:
            self.close()


def worth_a_pool(todo: Collection[Slice], seconds: float | None, workers: int) -> bool:
    """Whether `workers` processes would finish the slices left sooner than this process
    alone, which takes `seconds` a trial (None: not measured yet, so the pool): the time
    they save, a share (1 - 1/workers) of the whole, against what the pool costs to start."""
    if seconds is None:
        return True
    left = seconds * sum(piece.n for piece in todo)
    return left * (1 - 1 / workers) > POOL_START_SECONDS


def _context() -> BaseContext:
    """The start method of worker pools (`sim.forkserver.context`; other modules' pools use
    it under this name)."""
    return forkserver.context()


def _dask(job: Job, pieces: list[Slice], address: str) -> Iterator[SliceResult]:
    """Results in slice order from a Dask distributed cluster."""
    try:
        from distributed import Client
    except ImportError:
        raise RunOptionError("--scheduler needs Dask: pip install 'withdrawal-sim[dask]'") from None
    try:
        client = Client(address, timeout=SCHEDULER_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RunOptionError(
            f"--scheduler {address}: cannot reach the Dask scheduler ({reason})"
        ) from None
    from distributed import KilledWorker

    with client:
        window = 3 * max(1, sum(client.nthreads().values()))
        remote = client.scatter(job, broadcast=True)
        pending: deque[Any] = deque()
        try:
            for piece in pieces:
                pending.append(client.submit(work, remote, piece, pure=False))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except KilledWorker as exc:
            raise WorkerLost(f"a Dask worker died mid-run ({exc})") from None


def scenario_as_run(scenario: Scenario) -> str:
    """The scenario text with its trials and seed written in, comments kept."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    text = without_directives(scenario.source_text)
    data = yaml.load(text) if text.strip() else None
    if data is None:
        raise ValueError("a scenario built without its source text cannot be written back")
    for key in ("trials", "seed"):
        value = getattr(scenario, key)
        if key in data:
            data[key] = value
        else:
            data.insert(
                list(data).index("horizon") + 1 if "horizon" in data else len(data), key, value
            )
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def overridden(scenario: Scenario, trials: int | None, seed: int | None) -> Scenario:
    """The scenario with `--trials` and `--seed` where they are given."""
    return dataclasses.replace(
        scenario,
        trials=scenario.trials if trials is None else trials,
        seed=scenario.seed if seed is None else seed,
    )


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def max_workers() -> int:
    """Four processes a core: more only multiplies memory (each worker holds the whole
    scientific stack, about 100 MB) without running any faster."""
    return 4 * default_workers()


def check_workers(workers: int) -> int:
    if not 1 <= workers <= max_workers():
        raise RunOptionError(
            f"--workers {workers}: between 1 and {max_workers()} (4 per core, "
            f"{default_workers()} cores here); more would only use more memory"
        )
    return workers


def _run_id(now: dt.datetime, seed: int, sha256: str) -> str:
    """UTC time, seed and the scenario's short hash: runs of different contents never mix."""
    return f"{now:%Y%m%dT%H%M%SZ}-seed{seed}-{sha256[:8]}"


def check_at(scenario: Scenario, at: list[dt.date]) -> list[dt.date]:
    """`--at` dates must lie within the simulated span."""
    for d in at:
        if not scenario.start <= d <= scenario.horizon:
            raise RunOptionError(
                f"--at {d}: outside the scenario's span {scenario.start} to {scenario.horizon}"
            )
    return sorted(set(at))


def choose_engine(scenario: Scenario, engine: str) -> tuple[str, str | None]:
    """The engine to use and, if it is not the one asked for, why."""
    if engine not in ENGINES:
        raise RunOptionError(f"--engine {engine!r}: allowed: {', '.join(ENGINES)}")
    if engine == "vector":
        reason = vector.unsupported(scenario)
        if reason is not None:
            return "des", f"the vector engine cannot run this scenario ({reason}); ran on DES"
    return engine, None


def run(
    scenario: Scenario,
    *,
    out: Path = Path("outputs"),
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    at: list[dt.date] | None = None,
    charts: bool = True,
    engine: str = "vector",
    keep_trials: bool = True,
    keep_draws: bool = False,
    scheduler: str | None = None,
    precision: float | None = None,
) -> Run:
    """Run every trial and write `out/<name>/<run id>/`; returns the run, read from memory.

    With `charts` (and `keep_trials`, which they read), the charts are drawn into its
    `charts/` before the folder is put in place, so they are part of the atomic folder.
    `keep_trials=False` skips `trials.parquet`; `keep_draws` adds the `draw.*` columns to it
    (they can always be recomputed: `sim.draws_file`). `scheduler` sends the slices to a Dask
    cluster instead of local processes. `precision` runs whole blocks until P(exit)'s 95%
    interval has at most that half-width (`sim.precision`; `trials` is then the most it
    may run), and writes the folder `trials=` that many would."""
    if precision is not None:
        try:
            precise.check_precision(precision)
        except ValueError as exc:
            raise RunOptionError(str(exc)) from None
        if trials is None:
            trials = precise.DEFAULT_MAX_TRIALS
    scenario = overridden(scenario, trials, seed)
    try:
        check_trials(scenario.trials)
    except ValueError as exc:
        raise RunOptionError(f"--trials: {exc}") from None
    at = check_at(scenario, at or [])
    if workers is not None and workers < 1:
        raise RunOptionError(f"--workers {workers}: must be at least 1")
    used, note = choose_engine(scenario, engine)
    workers = default_workers() if workers is None else check_workers(workers)
    # charts read the trials, so a run that keeps none draws none
    drawing = charts and keep_trials
    on_cores = scheduler is None and workers > 1  # processes of this machine
    if on_cores and (drawing or len(slices(scenario.trials, slice_size(used))) > 1):
        forkserver.start(workers, charts=drawing)
    started = dt.datetime.now(dt.UTC)
    options = _Options(used, note, keep_trials, keep_draws, scheduler)
    # drawn by two processes from the forkserver (`sim.chart_jobs`), or here
    jobs = ChartJobs(forkserver.context() if on_cores else None) if drawing else None
    try:
        if precision is None:
            return _run(scenario, at, out, workers, started, progress, jobs, options)
        with precise.Spill() as spill:
            spill_schema = schema(scenario, draws=keep_draws) if keep_trials else None
            probe = Job(scenario, used, tuple(at), spill_schema)
            results = _slice_results(probe, workers, scheduler)
            reached = precise.until_precise(results, precision, scenario.trials, spill, progress)
            scenario = dataclasses.replace(scenario, trials=reached.trials)
            options = dataclasses.replace(options, info={"precision": reached.to_json()})
            done = _run(scenario, at, out, workers, started, None, jobs, options, spill.replay())
            done.precision = reached.to_json()
            return done
    finally:
        if jobs is not None:
            jobs.close()


def _slice_results(job: Job, workers: int, scheduler: str | None) -> Iterator[SliceResult]:
    """Every slice of the job's scenario, run, in trial order."""
    pieces = slices(job.scenario.trials, slice_size(job.engine))
    return _dask(job, pieces, scheduler) if scheduler else _Local(job, pieces, workers).results()


@dataclass(frozen=True)
class _Options:
    engine: str  # the engine used
    note: str | None  # why it is not the one asked for
    keep_trials: bool
    keep_draws: bool
    scheduler: str | None
    info: dict[str, Any] | None = None  # more for run.json (e.g. where --precision stopped)


def _run(
    scenario: Scenario,
    at: list[dt.date],
    out: Path,
    workers: int,
    started: dt.datetime,
    progress: Progress | None,
    jobs: ChartJobs | None,
    options: _Options,
    results: Iterator[SliceResult] | None = None,
) -> Run:
    """Write the run folder from `results` (by default: run every slice now)."""
    used, note, scheduler = options.engine, options.note, options.scheduler
    keep_trials, keep_draws = options.keep_trials, options.keep_draws
    as_run = scenario_as_run(scenario)
    sha256 = hashlib.sha256(as_run.encode("utf-8")).hexdigest()
    run_id = _run_id(started, scenario.seed, sha256)
    trials_schema = schema(
        scenario,
        {
            "name": scenario.name,
            "seed": scenario.seed,
            "trials": scenario.trials,
            "scenario_sha256": sha256,
            "version": __version__,
        },
        draws=keep_draws,
    )
    local = None  # the run's own pool, kept for the charts
    if results is None:
        job = Job(scenario, used, tuple(at), trials_schema if keep_trials else None)
        pieces = slices(scenario.trials, slice_size(used))
        local = _Local(job, pieces, workers, keep_pool=True, warm_charts=jobs is not None)
        results = _dask(job, pieces, scheduler) if scheduler else local.results()
    with (
        atomic_folder(Path(out) / scenario.name, run_id) as folder,
        local if local is not None else contextlib.nullcontext(),
    ):
        tmp = folder.tmp
        (tmp / CHARTS).mkdir()
        (tmp / SCENARIO).write_text(as_run, encoding="utf-8")
        builder = SummaryBuilder(scenario, at, used)
        writer = (
            pq.ParquetWriter(tmp / TRIALS, trials_schema, **parquet_options(trials_schema))
            if keep_trials
            else None
        )
        try:
            buffered: list[pa.Table] = []
            rows = 0
            for result in results:
                builder.merge(result.summary)
                if writer is not None and result.table is not None:
                    buffered.append(result.table)
                    rows += result.n
                    if rows >= ROW_GROUP:
                        writer.write_table(pa.concat_tables(buffered), row_group_size=ROW_GROUP)
                        buffered, rows = [], 0
                if progress is not None:
                    progress(result.n)
            if writer is not None and buffered:
                writer.write_table(pa.concat_tables(buffered), row_group_size=ROW_GROUP)
        finally:
            if writer is not None:
                writer.close()
        summary = builder.result()
        summary["scenario_sha256"] = sha256
        write_json(tmp / SUMMARY, summary)
        if jobs is not None:
            run = Run(summary=summary, scenario_text=as_run, folder=tmp)
            try:
                jobs.draw(run, scenario, pool=local.pool if local is not None else None)
            except BrokenProcessPool:
                raise WorkerLost("a chart process died (out of memory, or killed)") from None
        finished = dt.datetime.now(dt.UTC)
        info: dict[str, Any] = {
            "format": FORMAT,
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "seconds": round((finished - started).total_seconds(), 3),
            "workers": workers if scheduler is None else None,
            "scheduler": scheduler,
            "engine": used,
            "trials_file": keep_trials,
            "draws_in_trials": keep_trials and keep_draws,
            "version": __version__,
        }
        if note is not None:
            info["engine_note"] = note
        info.update(options.info or {})
        write_json(tmp / RUN_INFO, info)
    assert folder.final is not None
    return Run(summary=summary, scenario_text=as_run, folder=folder.final, engine_note=note)
