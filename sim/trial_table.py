"""Trial records -> one table row per trial, with a fixed Arrow schema per scenario.

The schema is fixed up front (not inferred per block) so that every block writes the same
columns and types to `trials.parquet`, even a block in which a column is all empty. Dates are
stored as timestamps at midnight, so pandas reads them as datetime64, not Python objects; the
file's metadata names the scenario, seed, hash and version, so a table found on its own still
says what produced it.
"""

from __future__ import annotations

import functools
import json
from typing import Any

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


class _Sparse:
    """Columns that only some trials fill (a route that started, a gate reached, a ruling
    made): the numbers of those trials, and each column's values for them. Every other
    trial gets the column's default (NaN, or -1 for a category code: missing)."""

    def __init__(self, columns: list[str]) -> None:
        self.names = columns
        # the trials' numbers, then each column's values: a tuple, to unpack at once
        self.lists: tuple[list[Any], ...] = tuple([] for _ in range(1 + len(columns)))

    def __getitem__(self, name: str) -> list[Any]:
        return self.lists[1 + self.names.index(name)]

    @property
    def rows(self) -> list[int]:
        return self.lists[0]


class TableBuilder:
    """The trial table of a block, filled one trial record at a time (so that no record
    need be kept), touching only what a trial has: text columns as category codes, and
    most columns only for the trials in which they are not missing (`_Sparse`)."""

    def __init__(self, scenario: Scenario, draws: Draws) -> None:
        self.scenario, self.draws = scenario, draws
        self.i = 0
        self.cats = cats = categories(scenario)
        # each category's code, and -1 for none
        code = {name: {None: -1, **{c: i for i, c in enumerate(v)}} for name, v in cats.items()}
        self.dense: dict[str, list[int]] = {}  # a value in every trial
        self.sparse: dict[str, _Sparse] = {}  # a value in some: each column's group
        self.outcome, self.outcome_code = self._dense("outcome"), code["outcome"]
        self.notice = self._sparse(["route", "notice_day", "effective_day", "exit_day"])
        self.route_code = code["route"]
        self.ended = self._sparse(["ended_by", "ended_day"])
        self.ended_code = code["ended_by"]
        self.routes = []
        for r in scenario.routes.values():
            b = f"route.{r.name}"
            started = self._sparse(
                [f"{b}.stopped_by", f"{b}.start_day", f"{b}.end_day", f"{b}.gates_passed"]
            )
            gates = {}
            for g in r.gates:
                c = f"gate.{r.name}.{g.name}"
                gates[g.name] = (
                    self._sparse([f"{c}.result", f"{c}.day"]).lists,
                    code[f"{c}.result"],
                )
            status = self._dense(f"{b}.status")
            self.routes.append(
                (r.name, status, code[f"{b}.status"], started, code[f"{b}.stopped_by"], gates)
            )
        self.challenges = []
        for r in scenario.routes.values():
            for ch in r.challenges:
                c = f"challenge.{r.name}.{ch.name}"
                names = [f"{c}.ruling", f"{c}.day"]
                if ch.appeal is not None:
                    names += [f"{c}.appeal", f"{c}.appeal_day"]
                ruled = self._sparse(names)
                appeal = code[f"{c}.appeal"] if ch.appeal is not None else None
                self.challenges.append((f"{r.name}.{ch.name}", ruled, code[f"{c}.ruling"], appeal))
        self.clocked = [(e, self._sparse([event_day_column(e)])) for e in _clocked(scenario)]

    def _dense(self, name: str) -> list[int]:
        self.dense[name] = column = []
        return column

    def _sparse(self, names: list[str]) -> _Sparse:
        group = _Sparse(names)
        self.sparse.update(dict.fromkeys(names, group))
        return group

    def add(self, rec: TrialRecord) -> None:
        """The next trial's record."""
        i = self.i
        self.i += 1
        self.outcome.append(self.outcome_code[rec.outcome])
        if rec.route is not None:
            rows, route, notice_day, effective_day, exit_day = self.notice.lists
            rows.append(i)
            route.append(self.route_code[rec.route])
            notice_day.append(rec.notice_day)
            effective_day.append(rec.effective_day)
            exit_day.append(rec.exit_day)
        if rec.ended_by is not None:
            rows, ended_by, ended_day = self.ended.lists
            rows.append(i)
            ended_by.append(self.ended_code[rec.ended_by])
            ended_day.append(rec.ended_day)
        routes = rec.routes
        for name, status, status_code, started, stopped_by_code, gates in self.routes:
            x = routes[name]
            status.append(status_code[x.status])
            if x.status is RouteStatus.NOT_STARTED:
                continue  # nothing else to say of it
            rows, stopped_by, start_day, end_day, gates_passed = started.lists
            rows.append(i)
            stopped_by.append(stopped_by_code[x.stopped_by])
            start_day.append(x.start_day)
            end_day.append(x.end_day)
            gates_passed.append(x.gates_passed)
            for gate, g in x.gates.items():
                (rows, result, day), result_code = gates[gate]
                rows.append(i)
                result.append(result_code[g.result])
                day.append(g.day)
        for key, ruled, ruling_code, appeal_code in self.challenges:
            c = rec.challenges[key]
            if c.ruling is None:
                continue
            rows, ruling, day, *appeal = ruled.lists
            rows.append(i)
            ruling.append(ruling_code[c.ruling])
            day.append(c.day)
            if appeal_code is not None:
                appeal[0].append(appeal_code[c.appeal])
                appeal[1].append(c.appeal_day)
        for event, happened in self.clocked:
            day = rec.event_days.get(event)
            if day is not None:
                rows, days = happened.lists
                rows.append(i)
                days.append(day)

    def frame(self) -> pd.DataFrame:
        """The table, in the columns and order of `schema` (with the draws' columns)."""
        s, draws, n = self.scenario, self.draws, self.draws.n
        if self.i != n:
            raise ValueError(f"a table of {n} trials was given {self.i} records")
        rows = {id(g): np.array(g.rows, dtype=np.intp) for g in self.sparse.values()}
        cols: dict[str, object] = {
            "trial": np.arange(draws.first_trial, draws.first_trial + n, dtype=np.int64)
        }
        for f in schema(s, draws=False):
            name = f.name
            if name.endswith("_date"):  # notice_date from notice_day, ...
                cols[name] = _dates(s, cols[name.removesuffix("_date") + "_day"])  # type: ignore[arg-type]
                continue
            if name in self.dense:
                values = np.array(self.dense[name], dtype=np.int32)
            elif name in self.sparse:
                group = self.sparse[name]
                text, count = name in self.cats, f.type == pa.int64()
                dtype = np.int32 if text else np.int64 if count else float
                values = np.full(n, -1 if text else 0 if count else np.nan, dtype=dtype)
                values[rows[id(group)]] = np.array(group[name], dtype=dtype)
            else:
                continue  # trial
            if name in self.cats:
                cols[name] = pd.Categorical.from_codes(values, categories=self.cats[name])
            else:
                cols[name] = values
        for name, values in draws.columns.items():
            cols[f"draw.{name}"] = values
        return pd.DataFrame(cols, copy=False)


def frame(scenario: Scenario, draws: Draws, records: list[TrialRecord]) -> pd.DataFrame:
    """The trial table of a block's records (one a trial, in trial order)."""
    table = TableBuilder(scenario, draws)
    for rec in records:
        table.add(rec)
    return table.frame()


@functools.lru_cache(maxsize=256)
def _dictionary(values: tuple[str, ...]) -> pa.Array:
    return pa.array(values, type=pa.string())


def to_arrow(df: pd.DataFrame, arrow_schema: pa.Schema) -> pa.Table:
    """The table in the file's schema (categoricals become strings, dictionary-encoded by
    the parquet writer)."""
    columns = []
    for f in arrow_schema:
        values = df[f.name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes = np.asarray(values.array.codes)  # type: ignore[attr-defined]
            dictionary = _dictionary(tuple(values.dtype.categories))
            indices = pa.array(codes, mask=codes < 0)
            array = pa.DictionaryArray.from_arrays(indices, dictionary).cast(f.type)
        elif f.type in (pa.float64(), pa.int64()):
            array = pa.array(values.to_numpy(), type=f.type)
        else:
            array = pa.Array.from_pandas(values, type=f.type)
        columns.append(array)
    return pa.Table.from_arrays(columns, schema=arrow_schema)
