"""What a worker does with one slice of a run: draws, engine, summary part, Arrow table.

Kept apart from `sim.runner` so that a worker process imports only what it runs (numpy,
pandas, pyarrow, simpy and the model), not the scenario loader, the YAML writer or the
charts: the forkserver that starts the workers imports this module once, and every worker
starts from that.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from sim import interrupts
from sim.draws import Slice, draw_block
from sim.engines import des, vector
from sim.language.model import Scenario
from sim.summary import SummaryBuilder
from sim.trial_table import to_arrow


@dataclass(frozen=True)
class Job:
    """What every slice of a run needs to know besides the slice."""

    scenario: Scenario
    engine: str
    at: tuple[dt.date, ...]
    trials_schema: pa.Schema | None  # None: keep no trials


@dataclass
class SliceResult:
    n: int
    summary: SummaryBuilder
    table: pa.Table | None

    def __reduce__(self) -> tuple[Any, ...]:
        """From a worker, the table travels as an Arrow IPC stream: one buffer that the
        parent reads without copying (a pickled table is rebuilt column by column, which
        cost the parent about as much as writing it to the file)."""
        return (_slice_result, (self.n, self.summary, _to_ipc(self.table)))


def _to_ipc(table: pa.Table | None) -> pa.Buffer | None:
    if table is None:
        return None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as stream:
        stream.write_table(table)
    return sink.getvalue()


def _slice_result(n: int, summary: SummaryBuilder, ipc: pa.Buffer | None) -> SliceResult:
    table = None if ipc is None else pa.ipc.open_stream(ipc).read_all()
    return SliceResult(n, summary, table)


def simulate_slice(
    scenario: Scenario, piece: Slice, engine: str = "vector", draws: bool = True
) -> pd.DataFrame:
    """The trial table of one slice: draws, then the engine (with the draws' columns, or,
    on the vector engine, without them if not `draws`: a costly draw is then transformed
    only where the trials need it)."""
    drawn = draw_block(scenario, piece.block, piece.n, piece.offset)
    if engine == "vector":
        return vector.run_block(scenario, drawn, draw_columns=draws)
    return des.table(scenario, drawn)


def work(job: Job, piece: Slice) -> SliceResult:
    """A worker's whole job for one slice (in a worker process, on a Dask worker, or in the
    run's own process)."""
    keeps_draws = job.trials_schema is not None and any(
        name.startswith("draw.") for name in job.trials_schema.names
    )
    table = simulate_slice(job.scenario, piece, job.engine, draws=keeps_draws)
    builder = SummaryBuilder(job.scenario, list(job.at), job.engine)
    builder.add(table)
    arrow = None if job.trials_schema is None else to_arrow(table, job.trials_schema)
    return SliceResult(len(table), builder, arrow)


# -- in a pool's worker process ------------------------------------------------------------

_job: Job | None = None  # the run this worker process works for


def start(job: Job) -> None:
    """A pool's initializer: signals as `interrupts.worker_started` sets them, and the run's
    job, sent once rather than with every slice."""
    global _job
    interrupts.worker_started()
    _job = job


def work_on(piece: Slice) -> SliceResult:
    """`work` for the run this worker process was started for."""
    assert _job is not None, "a worker process started without its job"
    return work(_job, piece)


def ready() -> None:
    """Nothing: once a worker process has done it, the pool has started."""
