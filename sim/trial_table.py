"""Trial records -> one table row per trial, with a fixed Arrow schema per scenario.

The schema is fixed up front (not inferred per block) so that every block writes the same
columns and types to `trials.parquet`, even a block in which a column is all empty. Dates are
stored as timestamps at midnight, so pandas reads them as datetime64, not Python objects; the
file's metadata names the scenario, seed, hash and version, so a table found on its own still
says what produced it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.draws import Draws, drawn_names
from sim.language.model import Scenario
from sim.outcomes import GateResult, Outcome, RouteStatus, Ruling, TrialRecord

DATE = pa.timestamp("s")
METADATA_KEY = b"withdrawal-sim"


def schema(
    scenario: Scenario, metadata: dict[str, object] | None = None, draws: bool = True
) -> pa.Schema:
    """The columns of a trial table; `metadata` is stored under the key withdrawal-sim.
    `draws=False` leaves out the `draw.*` columns (`trials.parquet` keeps them only on
    request: they can be recomputed from the scenario and seed)."""
    fields = [
        pa.field("trial", pa.int64()),
        pa.field("outcome", pa.string()),
        pa.field("route", pa.string()),
        pa.field("notice_day", pa.float64()),
        pa.field("effective_day", pa.float64()),
        pa.field("exit_day", pa.float64()),
        pa.field("notice_date", DATE),
        pa.field("effective_date", DATE),
        pa.field("exit_date", DATE),
        pa.field("ended_by", pa.string()),
        pa.field("ended_day", pa.float64()),
    ]
    for route in scenario.routes.values():
        base = f"route.{route.name}"
        fields += [
            pa.field(f"{base}.status", pa.string()),
            pa.field(f"{base}.stopped_by", pa.string()),
            pa.field(f"{base}.start_day", pa.float64()),
            pa.field(f"{base}.end_day", pa.float64()),
            pa.field(f"{base}.gates_passed", pa.int64()),
        ]
        for gate in route.gates:
            fields += [
                pa.field(f"gate.{route.name}.{gate.name}.result", pa.string()),
                pa.field(f"gate.{route.name}.{gate.name}.day", pa.float64()),
            ]
        for ch in route.challenges:
            fields += [
                pa.field(f"challenge.{route.name}.{ch.name}.ruling", pa.string()),
                pa.field(f"challenge.{route.name}.{ch.name}.day", pa.float64()),
            ]
            if ch.appeal is not None:
                fields += [
                    pa.field(f"challenge.{route.name}.{ch.name}.appeal", pa.string()),
                    pa.field(f"challenge.{route.name}.{ch.name}.appeal_day", pa.float64()),
                ]
    fields += [pa.field(event_day_column(e), pa.float64()) for e in _clocked(scenario)]
    if draws:
        fields += [pa.field(f"draw.{name}", pa.float64()) for name in drawn_names(scenario)]
    meta = {METADATA_KEY: json.dumps(metadata, sort_keys=True).encode()} if metadata else None
    return pa.schema(fields, metadata=meta)


def _clocked(scenario: Scenario) -> list[str]:
    """Hazard events whose time the engine works out (an `after:` clock or rate changes),
    so it is a column of the table rather than a draw."""
    return [
        e.name
        for e in scenario.events.values()
        if e.hazard_per_year is not None and not e.is_plain_hazard
    ]


def event_day_column(event: str) -> str:
    return f"event.{event}.day"


def categories(scenario: Scenario) -> dict[str, list[str]]:
    """The values each text column can take, in a fixed order. In memory a trial table holds
    these columns as pandas categoricals (one small integer a trial, whatever the engine);
    `trials.parquet` stores them as dictionary-encoded strings."""
    events = list(scenario.events)
    routes = list(scenario.routes)
    challenges = [f"{r.name}.{c.name}" for r in scenario.routes.values() for c in r.challenges]
    cats: dict[str, list[str]] = {
        "outcome": [o.value for o in Outcome],
        "route": routes,
        "ended_by": list(dict.fromkeys([*events, *challenges])),
    }
    for route in scenario.routes.values():
        base = f"route.{route.name}"
        cats[f"{base}.status"] = [st.value for st in RouteStatus]
        gates = [g.name for g in route.gates]
        cats[f"{base}.stopped_by"] = list(dict.fromkeys([*gates, *events, *routes]))
        for gate in route.gates:
            cats[f"gate.{route.name}.{gate.name}.result"] = [r.value for r in GateResult]
        for ch in route.challenges:
            cats[f"challenge.{route.name}.{ch.name}.ruling"] = [r.value for r in Ruling]
            if ch.appeal is not None:
                cats[f"challenge.{route.name}.{ch.name}.appeal"] = ["reverses", "affirms"]
    return cats


def _dates(scenario: Scenario, days: np.ndarray) -> pd.Series:
    """Calendar date of each time: start + floor(days); missing where there is none."""
    start = np.datetime64(scenario.start, "D")
    finite = np.isfinite(days)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    out[finite] = start + np.floor(days[finite]).astype(np.int64)
    return pd.Series(out.astype("datetime64[s]"))


def frame(scenario: Scenario, draws: Draws, records: list[TrialRecord]) -> pd.DataFrame:
    n = len(records)
    cols: dict[str, object] = {
        "trial": np.arange(draws.first_trial, draws.first_trial + n, dtype=np.int64),
        "outcome": [r.outcome.value for r in records],
        "route": [r.route for r in records],
    }
    for key in ("notice_day", "effective_day", "exit_day"):
        cols[key] = np.array([getattr(r, key) for r in records], dtype=float)
    for key in ("notice", "effective", "exit"):
        cols[f"{key}_date"] = _dates(scenario, cols[f"{key}_day"])  # type: ignore[arg-type]
    cols["ended_by"] = [r.ended_by for r in records]
    cols["ended_day"] = np.array([r.ended_day for r in records], dtype=float)
    for route in scenario.routes.values():
        base = f"route.{route.name}"
        rr = [r.routes[route.name] for r in records]
        cols[f"{base}.status"] = [x.status.value for x in rr]
        cols[f"{base}.stopped_by"] = [x.stopped_by for x in rr]
        cols[f"{base}.start_day"] = np.array([x.start_day for x in rr], dtype=float)
        cols[f"{base}.end_day"] = np.array([x.end_day for x in rr], dtype=float)
        cols[f"{base}.gates_passed"] = np.array([x.gates_passed for x in rr], dtype=np.int64)
        for gate in route.gates:
            gg = [x.gates.get(gate.name) for x in rr]
            key = f"gate.{route.name}.{gate.name}"
            cols[f"{key}.result"] = [g.result.value if g else None for g in gg]
            cols[f"{key}.day"] = np.array([g.day if g else np.nan for g in gg], dtype=float)
        for ch in route.challenges:
            key = f"{route.name}.{ch.name}"
            cc = [r.challenges[key] for r in records]
            cols[f"challenge.{key}.ruling"] = [c.ruling.value if c.ruling else None for c in cc]
            cols[f"challenge.{key}.day"] = np.array([c.day for c in cc], dtype=float)
            if ch.appeal is not None:
                cols[f"challenge.{key}.appeal"] = [c.appeal.value if c.appeal else None for c in cc]
                cols[f"challenge.{key}.appeal_day"] = np.array(
                    [c.appeal_day for c in cc], dtype=float
                )
    for event in _clocked(scenario):
        cols[event_day_column(event)] = np.array(
            [r.event_days.get(event, np.nan) for r in records], dtype=float
        )
    for name, values in draws.columns.items():
        cols[f"draw.{name}"] = values
    for name, cats in categories(scenario).items():
        cols[name] = pd.Categorical(cols[name], categories=cats)  # type: ignore[arg-type]
    return pd.DataFrame(cols, copy=False)


def to_arrow(df: pd.DataFrame, arrow_schema: pa.Schema) -> pa.Table:
    """The table in the file's schema (categoricals become strings, dictionary-encoded by
    the parquet writer)."""
    columns = []
    for f in arrow_schema:
        values = df[f.name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = values.array.codes  # type: ignore[attr-defined]
            dictionary = pa.array(list(values.dtype.categories), type=pa.string())
            indices = pa.array(codes, mask=codes < 0)
            array = pa.DictionaryArray.from_arrays(indices, dictionary).cast(f.type)
        elif f.type in (pa.float64(), pa.int64()):
            array = pa.array(values.to_numpy(), type=f.type)
        else:
            array = pa.Array.from_pandas(values, type=f.type)
        columns.append(array)
    return pa.Table.from_arrays(columns, schema=arrow_schema)
