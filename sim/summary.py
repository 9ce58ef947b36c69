"""Accumulate trial tables block by block into the fields of `summary.json`.

Counts are summed as blocks arrive; the exit and notice days are kept in a `DaySample`:
exact up to a million of each, then counted by the hour, so that memory stays bounded
whatever the number of trials.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.day_sample import DaySample
from sim.intervals import wilson, wilson_list
from sim.language.model import Scenario
from sim.outcomes import NOTICE_OUTCOMES, Outcome, RouteStatus, Ruling
from sim.reference_figures import figures, gate_keys, passed_days


def month_ends(start: dt.date, horizon: dt.date) -> list[dt.date]:
    """The last day of each month from start's month to the horizon, and the horizon."""
    out: list[dt.date] = []
    first = dt.date(start.year, start.month, 1)
    while True:
        first = (first + dt.timedelta(days=32)).replace(day=1)
        end = first - dt.timedelta(days=1)
        if end >= horizon:
            break
        if end >= start:
            out.append(end)
    return [*out, horizon]


def by_dates(
    start: dt.date, dates: list[dt.date], exit_days: DaySample, notice_days: DaySample, n: int
) -> list[dict[str, Any]]:
    """P(exit by D) and P(notice by D), with Wilson intervals, for each date D: an outcome
    counts by D when its day is below (D - start) + 1 (its date is D or earlier)."""
    ends = np.array([(d - start).days + 1 for d in dates], dtype=float)
    exits = exit_days.count_before(ends)
    notices = notice_days.count_before(ends)
    e_low, e_high = wilson(exits, n)
    n_low, n_high = wilson(notices, n)
    return [
        {
            "date": d.isoformat(),
            "p_exit": float(exits[i] / n),
            "p_exit_ci95": [float(e_low[i]), float(e_high[i])],
            "p_notice": float(notices[i] / n),
            "p_notice_ci95": [float(n_low[i]), float(n_high[i])],
        }
        for i, d in enumerate(dates)
    ]


def _coded(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """A text column as codes into its values (-1: missing): a categorical's own codes (what
    the engines give), else factorized."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.array.codes), [str(c) for c in column.cat.categories]  # type: ignore[attr-defined]
    codes, values = pd.factorize(column, use_na_sentinel=True)
    return np.asarray(codes), [str(v) for v in values]


def _counts(column: pd.Series) -> dict[str, int]:
    """Non-missing values of a column and how often each occurs."""
    codes, values = _coded(column)
    counts = np.bincount(codes[codes >= 0], minlength=len(values))
    return {values[i]: int(c) for i, c in enumerate(counts) if c}


def _pair_counts(first: pd.Series, second: pd.Series) -> dict[tuple[str, str], int]:
    """How often each pair of non-missing values of two columns occurs together."""
    a, a_values = _coded(first)
    b, b_values = _coded(second)
    both = (a >= 0) & (b >= 0)
    width = max(1, len(b_values))
    counts = np.bincount(a[both] * width + b[both], minlength=len(a_values) * width)
    return {(a_values[k // width], b_values[k % width]): int(c) for k, c in enumerate(counts) if c}


def _is(column: pd.Series, value: str) -> np.ndarray:
    """Where a text column holds `value`."""
    codes, values = _coded(column)
    if value not in values:
        return np.zeros(len(codes), dtype=bool)
    return codes == values.index(value)


_STOPS = (RouteStatus.FAILED, RouteStatus.DIED, RouteStatus.SUPERSEDED)


def _by_status(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """{failed: {gate: n}, died: {event: n}, superseded: {winning route: n}}."""
    return {
        st.value: dict(sorted((by, n) for (status, by), n in counts.items() if status == st.value))
        for st in _STOPS
    }


class SummaryBuilder:
    """Feed it every block's trial table, in any order; `result()` gives the summary."""

    def __init__(
        self, scenario: Scenario, at: list[dt.date] | None = None, engine: str = "vector"
    ) -> None:
        self.scenario = scenario
        self.at = sorted(set(at or []))
        self.engine = engine
        self.trials = 0
        self.outcomes: Counter[str] = Counter()
        self.notices: Counter[str] = Counter()
        self.status: dict[str, Counter[str]] = {r: Counter() for r in scenario.routes}
        self.stopped_by: dict[str, Counter[tuple[str, str]]] = {
            r: Counter() for r in scenario.routes
        }
        self.rulings: dict[str, Counter[str]] = {
            f"{r.name}.{c.name}": Counter() for r in scenario.routes.values() for c in r.challenges
        }
        self.no_move_under_way = 0  # no_move trials in which some route is still active
        span = (scenario.horizon - scenario.start).days
        self._exit_days = DaySample(span)  # memory bounded whatever the number of trials
        self._notice_days = DaySample(span)
        self._gate_days: dict[tuple[str, str], DaySample] = {
            key: DaySample(span) for key in gate_keys(scenario)
        }

    def add(self, table: pd.DataFrame) -> None:
        self.trials += len(table)
        self.outcomes.update(_counts(table["outcome"]))
        self.notices.update(_counts(table["route"]))
        active = np.zeros(len(table), dtype=bool)
        for route in self.scenario.routes:
            status = table[f"route.{route}.status"]
            self.status[route].update(_counts(status))
            self.stopped_by[route].update(_pair_counts(status, table[f"route.{route}.stopped_by"]))
            active |= _is(status, RouteStatus.ACTIVE.value)
        for key, counter in self.rulings.items():
            counter.update(_counts(table[f"challenge.{key}.ruling"]))
        outcome = table["outcome"]
        no_move = _is(outcome, Outcome.NO_MOVE.value)
        self.no_move_under_way += int(np.count_nonzero(active & no_move))
        exited = _is(outcome, Outcome.EXITED.value)
        self._exit_days.add(table["exit_day"].to_numpy()[exited])
        notice = table["notice_day"].to_numpy()
        self._notice_days.add(notice[np.isfinite(notice)])
        for (route, gate), kept in self._gate_days.items():
            kept.add(passed_days(table, route, gate))

    def merge(self, other: SummaryBuilder) -> None:
        """Add what another builder (e.g. a worker's, for later trials) has seen."""
        self.trials += other.trials
        self.outcomes.update(other.outcomes)
        self.notices.update(other.notices)
        for route in self.scenario.routes:
            self.status[route].update(other.status[route])
            self.stopped_by[route].update(other.stopped_by[route])
        for key, counter in self.rulings.items():
            counter.update(other.rulings[key])
        self.no_move_under_way += other.no_move_under_way
        self._exit_days.merge(other._exit_days)
        self._notice_days.merge(other._notice_days)
        for key, kept in self._gate_days.items():
            kept.merge(other._gate_days[key])

    def result(self) -> dict[str, Any]:
        s, n = self.scenario, self.trials
        days = self._exit_days
        exits = days.count
        notices = sum(self.outcomes[o.value] for o in NOTICE_OUTCOMES)
        spread = days.percentiles()
        exit_date = (
            {k: s.date_of(v).isoformat() for k, v in spread.items()} if spread is not None else None
        )
        notice_days = self._notice_days
        events = s.dated_events()
        at_events = by_dates(s.start, [e.date for e in events if e.date], days, notice_days, n)
        return {
            "name": s.name,
            "title": s.title,
            "trials": n,
            "seed": s.seed,
            "start": s.start.isoformat(),
            "horizon": s.horizon.isoformat(),
            "engine": self.engine,
            "p_exit": exits / n,
            "p_exit_ci95": wilson_list(exits, n),
            "p_notice": notices / n,
            "p_notice_ci95": wilson_list(notices, n),
            "outcomes": {o.value: self.outcomes[o.value] for o in Outcome},
            "no_move": {
                "route_under_way": self.no_move_under_way,
                "no_route_started": self.outcomes[Outcome.NO_MOVE.value] - self.no_move_under_way,
            },
            "routes": {r: self.notices[r] for r in s.routes},
            "days_to_exit": spread,
            "exit_date": exit_date,
            "p_exit_by": {e.name: r["p_exit"] for e, r in zip(events, at_events, strict=True)},
            "p_exit_by_ci95": {
                e.name: r["p_exit_ci95"] for e, r in zip(events, at_events, strict=True)
            },
            "p_notice_by": {e.name: r["p_notice"] for e, r in zip(events, at_events, strict=True)},
            "p_notice_by_ci95": {
                e.name: r["p_notice_ci95"] for e, r in zip(events, at_events, strict=True)
            },
            "event_dates": {e.name: e.date.isoformat() for e in events if e.date},
            "at": by_dates(s.start, self.at, days, notice_days, n),
            "monthly": by_dates(s.start, month_ends(s.start, s.horizon), days, notice_days, n),
            "route_status": {
                r: {st.value: c[st.value] for st in RouteStatus} for r, c in self.status.items()
            },
            "stopped_by": {r: _by_status(c) for r, c in self.stopped_by.items()},
            "rulings": {
                key: {ru.value: c[ru.value] for ru in Ruling} for key, c in self.rulings.items()
            },
            "references": figures(s, days, notice_days, self.gate_days(), n),
            "version": __version__,
        }

    def gate_days(self) -> dict[tuple[str, str], DaySample]:
        return self._gate_days
