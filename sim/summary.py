"""Accumulate trial tables block by block into the fields of `summary.json`.

Counts are summed as blocks arrive; only the exit days are kept (8 bytes a trial that
exits), because exact percentiles need them all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
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
    start: dt.date, dates: list[dt.date], exit_days: np.ndarray, notice_days: np.ndarray, n: int
) -> list[dict[str, Any]]:
    """P(exit by D) and P(notice by D), with Wilson intervals, for each date D: an outcome
    counts by D when its day is below (D - start) + 1 (its date is D or earlier)."""
    ends = np.array([(d - start).days + 1 for d in dates], dtype=float)
    exits = np.searchsorted(np.sort(exit_days), ends, side="left")
    notices = np.searchsorted(np.sort(notice_days), ends, side="left")
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


def _percentiles(days: np.ndarray) -> dict[str, float] | None:
    if days.size == 0:
        return None
    p10, p50, p90 = np.percentile(days, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90), "mean": float(days.mean())}


_STOPS = (RouteStatus.FAILED, RouteStatus.DIED, RouteStatus.SUPERSEDED)


def _by_status(counts: Counter[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """{failed: {gate: n}, died: {event: n}, superseded: {winning route: n}}."""
    return {
        st.value: dict(sorted((by, n) for (status, by), n in counts.items() if status == st.value))
        for st in _STOPS
    }


class SummaryBuilder:
    """Feed it every block's trial table, in any order; `result()` gives the summary."""

    def __init__(self, scenario: Scenario, at: list[dt.date] | None = None) -> None:
        self.scenario = scenario
        self.at = sorted(set(at or []))
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
        self._exit_days: list[np.ndarray] = []
        self._notice_days: list[np.ndarray] = []
        self._gate_days: dict[tuple[str, str], list[np.ndarray]] = {
            key: [] for key in gate_keys(scenario)
        }

    def add(self, table: pd.DataFrame) -> None:
        self.trials += len(table)
        self.outcomes.update(table["outcome"].tolist())
        self.notices.update(table["route"].dropna().tolist())
        for route in self.scenario.routes:
            self.status[route].update(table[f"route.{route}.status"].tolist())
            pairs = table[[f"route.{route}.status", f"route.{route}.stopped_by"]].dropna()
            self.stopped_by[route].update(map(tuple, pairs.to_numpy().tolist()))
        for key, counter in self.rulings.items():
            counter.update(table[f"challenge.{key}.ruling"].dropna().tolist())
        outcome = table["outcome"].to_numpy()
        active = np.zeros(len(table), dtype=bool)
        for route in self.scenario.routes:
            active |= table[f"route.{route}.status"].to_numpy() == RouteStatus.ACTIVE.value
        self.no_move_under_way += int(np.count_nonzero(active & (outcome == Outcome.NO_MOVE)))
        exited = outcome == Outcome.EXITED.value
        self._exit_days.append(table["exit_day"].to_numpy()[exited])
        notice = table["notice_day"].to_numpy()
        self._notice_days.append(notice[np.isfinite(notice)])
        for (route, gate), kept in self._gate_days.items():
            kept.append(passed_days(table, route, gate))

    def exit_days(self) -> np.ndarray:
        return np.concatenate(self._exit_days) if self._exit_days else np.array([])

    def notice_days(self) -> np.ndarray:
        return np.concatenate(self._notice_days) if self._notice_days else np.array([])

    def result(self) -> dict[str, Any]:
        s, n = self.scenario, self.trials
        days = self.exit_days()
        exits = int(days.size)
        notices = sum(self.outcomes[o.value] for o in NOTICE_OUTCOMES)
        spread = _percentiles(days)
        exit_date = (
            {k: s.date_of(v).isoformat() for k, v in spread.items()} if spread is not None else None
        )
        notice_days = self.notice_days()
        events = s.dated_events()
        at_events = by_dates(s.start, [e.date for e in events if e.date], days, notice_days, n)
        return {
            "name": s.name,
            "title": s.title,
            "trials": n,
            "seed": s.seed,
            "start": s.start.isoformat(),
            "horizon": s.horizon.isoformat(),
            "engine": "des",
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

    def gate_days(self) -> dict[tuple[str, str], np.ndarray]:
        return {
            key: np.concatenate(kept) if kept else np.array([])
            for key, kept in self._gate_days.items()
        }
