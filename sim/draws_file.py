"""Per-trial draws, recomputed from a scenario and its seed.

`trials.parquet` leaves out the `draw.*` columns unless a run asks for them (`--draws`):
they are most of its size and are fixed by the scenario as run and its seed. This module
gives them back, in the same columns as a run with `--draws` would have written, for the
whole run or as a table to join on `trial` (e.g. for a sensitivity analysis).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.draws import draw_block, drawn_names, slices
from sim.language.model import Scenario
from sim.run_folder import load_run

DRAWS = "draws.parquet"


def draws_schema(scenario: Scenario) -> pa.Schema:
    fields = [pa.field("trial", pa.int64())]
    fields += [pa.field(f"draw.{name}", pa.float64()) for name in drawn_names(scenario)]
    return pa.schema(fields)


def draw_tables(scenario: Scenario) -> Iterator[pd.DataFrame]:
    """The draws of every trial of the scenario, a slice at a time, in trial order."""
    for piece in slices(scenario.trials):
        d = draw_block(scenario, piece.block, piece.n, piece.offset)
        cols: dict[str, np.ndarray] = {
            "trial": np.arange(d.first_trial, d.first_trial + d.n, dtype=np.int64)
        }
        cols.update({f"draw.{name}": values for name, values in d.columns.items()})
        yield pd.DataFrame(cols)


def draws_table(scenario: Scenario) -> pd.DataFrame:
    """Every trial's draws as one table (trial, draw.*)."""
    return pd.concat(draw_tables(scenario), ignore_index=True)


def write_draws(folder: str | Path) -> Path:
    """Write `draws.parquet` into a run folder, atomically (a temporary file renamed)."""
    run = load_run(folder)
    scenario = run.scenario
    path = Path(folder) / DRAWS
    tmp = path.with_name(f".{DRAWS}.{os.getpid()}.partial")
    arrow_schema = draws_schema(scenario)
    try:
        with pq.ParquetWriter(tmp, arrow_schema, compression="zstd") as writer:
            for table in draw_tables(scenario):
                writer.write_table(pa.Table.from_pandas(table, arrow_schema, preserve_index=False))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
