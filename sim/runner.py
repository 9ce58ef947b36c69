"""Run a scenario: blocks of trials over workers, into an atomically written run folder.

Blocks are fixed (`sim.draws.BLOCK_SIZE`) and each has its own random streams, so the
results are the same however many workers run them. The run folder is written atomically
(`sim.run_folder`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.context import BaseContext
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from ruamel.yaml import YAML

from sim import __version__, interrupts
from sim.chart_jobs import ChartJobs
from sim.draws import blocks, draw_block
from sim.engines import des
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
from sim.trial_table import frame, schema, to_arrow

Progress = Callable[[int], None]


def simulate_block(scenario: Scenario, block: int, n: int) -> pd.DataFrame:
    """Trials block*BLOCK_SIZE ... +n: draws, then the engine, then the table."""
    draws = draw_block(scenario, block, n)
    return frame(scenario, draws, des.run_block(scenario, draws))


def _context() -> BaseContext:
    """forkserver (spawn where there is none): never fork a parent that runs threads, such
    as the progress bar's refresher."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["sim.runner"])  # workers start with it imported
    return context


def _tables(scenario: Scenario, workers: int) -> Iterator[pd.DataFrame]:
    """Block tables in block order; at most a few blocks ahead are held in memory."""
    todo = blocks(scenario.trials)
    if workers <= 1 or len(todo) <= 1:
        for block, n in todo:
            yield simulate_block(scenario, block, n)
        return
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(), initializer=interrupts.worker_started
    ) as pool:
        pending: deque[Future[pd.DataFrame]] = deque()
        for block, n in todo:
            pending.append(pool.submit(simulate_block, scenario, block, n))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


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


class RunOptionError(ValueError):
    """An option of a run that does not fit its scenario (one line for the user)."""


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
) -> Run:
    """Run every trial and write `out/<name>/<run id>/`; returns the run, read from memory.
    With `charts`, the charts are drawn into its `charts/` before the folder is put in
    place, so they are part of the atomic folder."""
    scenario = dataclasses.replace(
        scenario,
        trials=scenario.trials if trials is None else trials,
        seed=scenario.seed if seed is None else seed,
    )
    try:
        check_trials(scenario.trials)
    except ValueError as exc:
        raise RunOptionError(f"--trials: {exc}") from None
    at = check_at(scenario, at or [])
    as_run = scenario_as_run(scenario)
    sha256 = hashlib.sha256(as_run.encode("utf-8")).hexdigest()
    workers = default_workers() if workers is None else check_workers(workers)
    started = dt.datetime.now(dt.UTC)
    # matplotlib is imported (and a helper process started) while the trials run
    jobs = ChartJobs(_context() if workers > 1 else None) if charts else None
    try:
        return _run(scenario, as_run, sha256, at, out, workers, started, progress, jobs)
    finally:
        if jobs is not None:
            jobs.close()


def _run(
    scenario: Scenario,
    as_run: str,
    sha256: str,
    at: list[dt.date],
    out: Path,
    workers: int,
    started: dt.datetime,
    progress: Progress | None,
    jobs: ChartJobs | None,
) -> Run:
    run_id = _run_id(started, scenario.seed, sha256)
    with atomic_folder(Path(out) / scenario.name, run_id) as folder:
        tmp = folder.tmp
        (tmp / CHARTS).mkdir()
        (tmp / SCENARIO).write_text(as_run, encoding="utf-8")
        builder = SummaryBuilder(scenario, at)
        arrow_schema = schema(
            scenario,
            {
                "name": scenario.name,
                "seed": scenario.seed,
                "trials": scenario.trials,
                "scenario_sha256": sha256,
                "version": __version__,
            },
        )
        with pq.ParquetWriter(tmp / TRIALS, arrow_schema) as writer:
            for table in _tables(scenario, workers):
                writer.write_table(to_arrow(table, arrow_schema))
                builder.add(table)
                if progress is not None:
                    progress(len(table))
        summary = builder.result()
        summary["scenario_sha256"] = sha256
        write_json(tmp / SUMMARY, summary)
        if jobs is not None:
            jobs.draw(Run(summary=summary, scenario_text=as_run, folder=tmp), scenario)
        finished = dt.datetime.now(dt.UTC)
        write_json(
            tmp / RUN_INFO,
            {
                "format": FORMAT,
                "started": started.isoformat(timespec="seconds"),
                "finished": finished.isoformat(timespec="seconds"),
                "seconds": round((finished - started).total_seconds(), 3),
                "workers": workers,
                "engine": "des",
                "version": __version__,
            },
        )
    assert folder.final is not None
    return Run(summary=summary, scenario_text=as_run, folder=folder.final)
