"""`sim run --precision H`: run whole blocks of trials until the 95% Wilson interval of
P(exit) is at most H wide on each side.

Why whole blocks. The decision is taken after each block of `BLOCK_SIZE` trials, from the
counts of all blocks so far, in block order: the runner yields slice results in trial order
whatever the number of workers, so the same scenario and seed stop at the same trial count
on one worker, on every core or on a Dask cluster. Slices computed ahead of the decision
are thrown away.

Why a spill. The run folder must be the very folder `sim run --trials N` writes, and N is
written in `scenario.yaml`, hence in its sha256, the run id, `summary.json` and the
metadata of `trials.parquet`; it is known only when the run stops. So each slice's result
(its summary part, and its trials as zstd-compressed Arrow) waits in a temporary folder, and
is then replayed, in the same order, into the ordinary writer with the scenario's trials set
to N. Memory stays bounded (one slice at a time); the disk holds under 100 bytes a trial
(about 80 for the baseline) until the folder is written.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from sim.draws import BLOCK_SIZE
from sim.intervals import wilson
from sim.outcomes import Outcome

if TYPE_CHECKING:
    from sim.runner import SliceResult

# The most trials a run to a precision may take unless `--trials` says otherwise: 153
# blocks, about 90 s of the vector engine on one core, and enough for a half-width of
# 0.0003 whatever P(exit) is.
DEFAULT_MAX_TRIALS = 10_000_000


def half_width(exits: int, trials: int) -> float:
    """Half the width of the Wilson 95% interval of `exits` in `trials` (the interval
    is not symmetric about the share; its half-width is what a reader reads as +-)."""
    low, high = wilson(exits, trials)
    return float(high - low) / 2


def check_precision(value: float) -> float:
    if not 0 < value < 0.5:
        raise ValueError(
            f"--precision {value:g}: the half-width of P(exit)'s 95% interval, "
            "between 0 and 0.5 (exclusive), e.g. 0.001 for +-0.1 points"
        )
    return value


@dataclass(frozen=True)
class Reached:
    """Where a run to a precision stopped, for `run.json` and the terminal."""

    target: float
    trials: int
    exits: int
    half_width: float
    reached: bool
    max_trials: int

    def to_json(self) -> dict[str, Any]:
        return {
            "target_half_width": self.target,
            "trials": self.trials,
            "exits": self.exits,
            "half_width": self.half_width,
            "reached": self.reached,
            "max_trials": self.max_trials,
            "rule": (
                f"after each whole block of {BLOCK_SIZE:,} trials (or at max_trials): stop "
                "when the Wilson 95% interval of P(exit) has half-width <= target"
            ),
        }


def sentence(reached: dict[str, Any]) -> str:
    """One line for the terminal, from `run.json`'s `precision`."""
    target, trials, width = reached["target_half_width"], reached["trials"], reached["half_width"]
    if reached["reached"]:
        blocks = -(-trials // BLOCK_SIZE)
        return (
            f"--precision {target:g} reached after {trials:,} trials "
            f"({blocks:,} block{'s' if blocks != 1 else ''} of {BLOCK_SIZE:,}): "
            f"P(exit) +-{width:.5f}"
        )
    return (
        f"--precision {target:g} not reached: stopped at the maximum of {trials:,} trials, "
        f"P(exit) +-{width:.5f} (raise the maximum with --trials)"
    )


class Spill:
    """Slice results kept on disk, in order, until the run's trial count is known."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sim-precision-"))
        self._count = 0

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *_: object) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _path(self, i: int) -> Path:
        return self.folder / f"slice-{i:08d}.pickle"

    def add(self, result: SliceResult) -> None:
        table = None
        if result.table is not None:
            sink = pa.BufferOutputStream()
            options = pa.ipc.IpcWriteOptions(compression="zstd")
            with pa.ipc.new_stream(sink, result.table.schema, options=options) as writer:
                writer.write_table(result.table)
            table = sink.getvalue().to_pybytes()
        data = pickle.dumps((result.n, result.summary, table), protocol=pickle.HIGHEST_PROTOCOL)
        self._path(self._count).write_bytes(data)
        self._count += 1

    def replay(self) -> Iterator[SliceResult]:
        """The results in the order they were added; each file is removed once read."""
        from sim.runner import SliceResult

        for i in range(self._count):
            path = self._path(i)
            n, summary, table = pickle.loads(path.read_bytes())
            path.unlink()
            arrow = pa.ipc.open_stream(table).read_all() if table is not None else None
            yield SliceResult(n, summary, arrow)


def until_precise(
    results: Iterator[SliceResult],
    target: float,
    max_trials: int,
    spill: Spill,
    progress: Callable[[int], None] | None = None,
) -> Reached:
    """Consume slice results (in trial order) into `spill` until the stopping rule holds
    after a whole block, or `max_trials` have run; the rest of `results` is abandoned."""
    trials = exits = 0
    try:
        for result in results:
            spill.add(result)
            trials += result.n
            exits += result.summary.outcomes[Outcome.EXITED.value]
            if progress is not None:
                progress(result.n)
            if trials % BLOCK_SIZE and trials < max_trials:
                continue  # decide only at whole blocks
            width = half_width(exits, trials)
            if width <= target or trials >= max_trials:
                return Reached(target, trials, exits, width, width <= target, max_trials)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stop the workers' slices that are no longer needed
    raise RuntimeError("the slices ended before max_trials")  # slices cover max_trials
