"""Accumulate trial tables block by block into the fields of `summary.json`.

Counts are summed as blocks arrive; only the exit days are kept (8 bytes a trial that
exits), because exact percentiles need them all.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.language.model import Scenario
from sim.outcomes import NOTICE_OUTCOMES, Outcome, RouteStatus, Ruling


def wilson(k: int, n: int) -> list[float]:
    """Wilson score 95% interval for k successes in n trials."""
    from scipy import stats  # slow to import; only runs need it

    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return [float(ci.low), float(ci.high)]


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

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
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
        self._exit_days: list[np.ndarray] = []

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
        exited = table["outcome"].to_numpy() == Outcome.EXITED.value
        self._exit_days.append(table["exit_day"].to_numpy()[exited])

    def exit_days(self) -> np.ndarray:
        return np.concatenate(self._exit_days) if self._exit_days else np.array([])

    def result(self) -> dict[str, Any]:
        s, n = self.scenario, self.trials
        days = self.exit_days()
        exits = int(days.size)
        notices = sum(self.outcomes[o.value] for o in NOTICE_OUTCOMES)
        spread = _percentiles(days)
        exit_date = (
            {k: s.date_of(v).isoformat() for k, v in spread.items()} if spread is not None else None
        )
        by_event = {}
        by_event_ci = {}
        for event in s.dated_events():
            k = int(np.count_nonzero(days < event.day + 1))  # exit date on or before its date
            by_event[event.name] = k / n
            by_event_ci[event.name] = wilson(k, n)
        return {
            "name": s.name,
            "title": s.title,
            "trials": n,
            "seed": s.seed,
            "start": s.start.isoformat(),
            "horizon": s.horizon.isoformat(),
            "engine": "des",
            "p_exit": exits / n,
            "p_exit_ci95": wilson(exits, n),
            "p_notice": notices / n,
            "p_notice_ci95": wilson(notices, n),
            "outcomes": {o.value: self.outcomes[o.value] for o in Outcome},
            "routes": {r: self.notices[r] for r in s.routes},
            "days_to_exit": spread,
            "exit_date": exit_date,
            "p_exit_by": by_event,
            "p_exit_by_ci95": by_event_ci,
            "event_dates": {e.name: e.date.isoformat() for e in s.dated_events() if e.date},
            "route_status": {
                r: {st.value: c[st.value] for st in RouteStatus} for r, c in self.status.items()
            },
            "stopped_by": {r: _by_status(c) for r, c in self.stopped_by.items()},
            "rulings": {
                key: {ru.value: c[ru.value] for ru in Ruling} for key, c in self.rulings.items()
            },
            "version": __version__,
        }
