"""What the charts plot, computed from a run's trials with numpy (no matplotlib here).

Every quantity is computed over all trials at once: curves over calendar time come from
sorted arrays and `searchsorted`, never from a loop over trials or a trials x days grid.

Time. Days are floats counted from `start`; the date of day t is `start + floor(t)`. A
quantity "by date D" counts what happened on D or earlier, i.e. `t < (D - start).days + 1`.
A chart's calendar runs over every date from `start` to `horizon`, and the value plotted at
date D is the value at the end of D.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.outcomes import Outcome, RouteStatus
from sim.run_folder import TRIALS, Run

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile


def route_names(run: Run) -> list[str]:
    return list(run.scenario.routes)


def needed_columns(run: Run) -> list[str]:
    """The trial columns the run charts read (never the draws)."""
    cols = ["trial", "outcome", "route", "notice_day", "exit_day", "ended_day"]
    for r in route_names(run):
        base = f"route.{r}"
        cols += [f"{base}.{k}" for k in ("status", "stopped_by", "start_day", "end_day")]
        cols.append(f"{base}.gates_passed")
    return cols


def trials(run: Run, columns: list[str] | None = None) -> pd.DataFrame:
    """The trial columns the charts need: from the run's table if it is already in memory,
    else only those columns from `trials.parquet` (the draws are most of the file), read
    once for all the charts of the run (a million trials take about a second to read), with
    the text columns as categoricals."""
    needed = needed_columns(run)
    columns = needed if columns is None else columns
    loaded = getattr(run, "_trials", None)
    if loaded is not None:
        return loaded[columns]
    if run.folder is not None and (run.folder / TRIALS).is_file():
        if not set(columns) <= set(needed):
            return pd.read_parquet(run.folder / TRIALS, columns=columns)
        read = run.__dict__.get(_READ)
        if read is None:
            text = [c for c in needed if c in ("outcome", "route") or c.endswith(("status", "_by"))]
            read = pd.read_parquet(run.folder / TRIALS, columns=needed, read_dictionary=text)
            run.__dict__[_READ] = read
        return read[columns]
    return run.trials[columns]  # raises the run's own one-line error


_READ = "_chart_trials"  # where a run keeps the columns `trials` read


def day_index(days: np.ndarray) -> np.ndarray:
    """Whole days after start (the date's offset) of each time; NaN stays NaN."""
    return np.floor(np.asarray(days, dtype=float))


@dataclass(frozen=True)
class Calendar:
    """Every date of a run's window, start to horizon inclusive."""

    start: dt.date
    horizon: dt.date

    @property
    def days(self) -> int:
        return (self.horizon - self.start).days + 1

    @property
    def offsets(self) -> np.ndarray:
        """0, 1, ..., days-1: the offset of each date from start."""
        return np.arange(self.days, dtype=float)

    @property
    def dates(self) -> np.ndarray:
        return np.datetime64(self.start, "D") + np.arange(self.days)

    @property
    def edges(self) -> np.ndarray:
        """Each date's start, plus the day after the horizon: x values for step plots."""
        return np.datetime64(self.start, "D") + np.arange(self.days + 1)

    def date(self, offset: float) -> np.datetime64:
        return np.datetime64(self.start, "D") + int(np.floor(offset))


def calendar(run: Run) -> Calendar:
    s = run.scenario
    return Calendar(s.start, s.horizon)


def count_by(days: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """For each date offset d: how many of `days` fall on date d or earlier (t < d + 1).
    NaN (never) counts nowhere."""
    finite = np.sort(np.asarray(days, dtype=float)[np.isfinite(days)])
    return np.searchsorted(finite, offsets + 1.0, side="left")


def wilson(k: np.ndarray, n: int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for k successes in n, elementwise.

    p~ = (k + z^2/2) / (n + z^2), half = z sqrt(n) / (n + z^2) * sqrt(p(1-p) + z^2/(4n))
    with p = k/n: the same interval as scipy's `binomtest(k, n).proportion_ci(method=
    "wilson")`, which `summary.json` uses, but for a whole curve at once (binomtest is a
    Python call per point)."""
    k = np.asarray(k, dtype=float)
    p = k / n
    denom = n + z * z
    centre = (k + z * z / 2) / denom
    half = z * np.sqrt(n) / denom * np.sqrt(p * (1 - p) + z * z / (4 * n))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


@dataclass(frozen=True)
class Curve:
    """A share of trials by each date, with its 95% band."""

    p: np.ndarray
    low: np.ndarray
    high: np.ndarray
    count: np.ndarray
    n: int

    @property
    def final(self) -> float:
        return float(self.p[-1]) if self.p.size else 0.0


def curve(days: np.ndarray, cal: Calendar, n: int) -> Curve:
    k = count_by(days, cal.offsets)
    low, high = wilson(k, n)
    return Curve(k / n, low, high, k, n)


def exit_days(table: pd.DataFrame) -> np.ndarray:
    """Day each trial's exit took effect; NaN where it did not (within the horizon)."""
    exited = (table["outcome"] == Outcome.EXITED.value).to_numpy(dtype=bool)
    return np.where(exited, table["exit_day"].to_numpy(dtype=float), np.nan)


def exit_curve(run: Run, table: pd.DataFrame | None = None) -> Curve:
    table = trials(run, ["outcome", "exit_day"]) if table is None else table
    return curve(exit_days(table), calendar(run), len(table))


def notice_curve(run: Run, table: pd.DataFrame | None = None) -> Curve:
    table = trials(run, ["notice_day"]) if table is None else table
    return curve(table["notice_day"].to_numpy(dtype=float), calendar(run), len(table))


# -- where each trial stands on each date ---------------------------------------------------

UNDER_WAY = "under_way"
# Plot order of the states, bottom of the stack first.
STATES = (
    Outcome.EXITED.value,
    Outcome.NOTICE_PENDING.value,
    Outcome.REVOKED.value,
    Outcome.VOIDED.value,
    Outcome.BLOCKED.value,
    UNDER_WAY,
    Outcome.NO_MOVE.value,
)


def _union_spans(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per trial (row), the union of its routes' active spans [start, end), as flat arrays
    of the union's starts and ends. A sweep over each row's sorted endpoints: a union span
    starts where the count of active routes goes 0 -> 1 and ends where it goes 1 -> 0."""
    n = starts.shape[0]
    valid = np.isfinite(starts) & (ends > starts)
    times = np.concatenate([np.where(valid, starts, np.inf), np.where(valid, ends, np.inf)], 1)
    steps = np.concatenate([valid.astype(int), -valid.astype(int)], axis=1)
    # ends before starts at one instant: back-to-back routes leave no gap either way
    order = np.lexsort((steps, times), axis=1)
    times = np.take_along_axis(times, order, 1)
    steps = np.take_along_axis(steps, order, 1)
    active = np.cumsum(steps, axis=1)
    before = np.concatenate([np.zeros((n, 1), int), active[:, :-1]], axis=1)
    opens = (before == 0) & (active > 0)
    closes = (before > 0) & (active == 0)
    return times[opens], times[closes]


def state_counts(run: Run, table: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """Trials in each state at the end of each date (keys in `STATES` order).

    Each trial is in exactly one state at any time, decided in this order:
    exited (its exit took effect), revoked / voided (its notice was ended), notice pending
    (deposited, not yet in effect or ended), blocked (no notice and every route has failed
    or died: from the last route's end), route under way (some route started and not yet
    stopped), no move (the rest: no route started yet, or none active and one still to
    start). The first five are single spans per trial (counted with sorted arrays); under
    way is a union of route spans, cut at the notice; no move is what is left."""
    table = trials(run) if table is None else table
    cal = calendar(run)
    t = cal.offsets
    n = len(table)
    outcome = table["outcome"]
    notice = table["notice_day"].to_numpy(dtype=float)
    exit_ = table["exit_day"].to_numpy(dtype=float)
    ended = table["ended_day"].to_numpy(dtype=float)

    def where(mask: np.ndarray, days: np.ndarray) -> np.ndarray:
        return np.where(mask, days, np.nan)

    def ended_so(value: str) -> np.ndarray:
        return (outcome == value).to_numpy(dtype=bool)

    exited = count_by(where(ended_so(Outcome.EXITED.value), exit_), t)
    revoked = count_by(where(ended_so(Outcome.REVOKED.value), ended), t)
    voided = count_by(where(ended_so(Outcome.VOIDED.value), ended), t)
    noticed = count_by(notice, t)
    pending = noticed - exited - revoked - voided
    routes = route_names(run)
    if routes:
        ends = np.column_stack([table[f"route.{r}.end_day"].to_numpy(dtype=float) for r in routes])
        starts = np.column_stack(
            [table[f"route.{r}.start_day"].to_numpy(dtype=float) for r in routes]
        )
        last_end = np.where(np.isnan(ends), -np.inf, ends).max(axis=1)
        blocked_from = np.where(ended_so(Outcome.BLOCKED.value), last_end, np.nan)
        stop = np.where(np.isnan(ends), np.inf, ends)
        stop = np.minimum(stop, np.where(np.isnan(notice), np.inf, notice)[:, None])
        opens, closes = _union_spans(starts, stop)
        under_way = count_by(opens, t) - count_by(closes, t)
    else:
        blocked_from = np.where(ended_so(Outcome.BLOCKED.value), 0.0, np.nan)
        under_way = np.zeros(t.shape, dtype=int)
    blocked = count_by(blocked_from, t)
    counts = {
        Outcome.EXITED.value: exited,
        Outcome.NOTICE_PENDING.value: pending,
        Outcome.REVOKED.value: revoked,
        Outcome.VOIDED.value: voided,
        Outcome.BLOCKED.value: blocked,
        UNDER_WAY: under_way,
    }
    counts[Outcome.NO_MOVE.value] = n - sum(counts.values())
    return {s: np.asarray(counts[s]) for s in STATES}


# -- where trials stopped ------------------------------------------------------------------

# How a trial can leave a route's funnel at a stage, in plot order after "passed".
LOSSES = (
    RouteStatus.FAILED.value,
    RouteStatus.DIED.value,
    RouteStatus.SUPERSEDED.value,
    RouteStatus.ACTIVE.value,
)


@dataclass(frozen=True)
class Stage:
    """One step of a route's funnel: trials that reached it and what became of them."""

    name: str  # "start", a gate's name, or "notice"
    reached: int
    passed: int  # went on to the next stage
    lost: dict[str, int]  # by LOSSES kind
    lost_by: dict[str, dict[str, int]]  # kind -> the event (died) or route (superseded)


@dataclass(frozen=True)
class Funnel:
    route: str
    trials: int
    never_started: int
    superseded_before_start: int
    stages: list[Stage]  # one per gate, then "notice" (between the last gate and deposit)

    @property
    def started(self) -> int:
        return self.stages[0].reached if self.stages else 0

    @property
    def deposited(self) -> int:
        return self.stages[-1].passed if self.stages else 0


def funnel(run: Run, route: str, table: pd.DataFrame | None = None) -> Funnel:
    """Route `route` as a funnel: started -> each gate passed -> notice deposited.

    A trial that reached gate k (passed k-1 gates) either passed it or stopped there:
    failed it, died or was superseded while waiting for it, or was still waiting at the
    horizon. After the last gate it waits `notice_within` for the deposit."""
    base = f"route.{route}"
    table = trials(run) if table is None else table
    # text as small codes: a million string comparisons per mask would take most of the time
    status, statuses = pd.factorize(table[f"{base}.status"])
    status = np.where(status >= 0, status, len(statuses))  # missing: matches nothing
    by = table[f"{base}.stopped_by"].to_numpy()

    def is_(kind: str) -> np.ndarray:
        return status == (statuses.get_loc(kind) if kind in statuses else -1)

    started = np.isfinite(table[f"{base}.start_day"].to_numpy(dtype=float))
    passed = table[f"{base}.gates_passed"].to_numpy()
    gates = [g.name for g in run.scenario.routes[route].gates]
    n = len(table)
    stages = []
    for k, name in enumerate([*gates, "notice"]):
        here = started & (passed == k)
        reached = int(np.count_nonzero(started & (passed >= k)))
        lost: dict[str, int] = {}
        lost_by: dict[str, dict[str, int]] = {}
        for kind in LOSSES:
            mask = here & is_(kind)
            lost[kind] = int(np.count_nonzero(mask))
            if kind in (RouteStatus.DIED.value, RouteStatus.SUPERSEDED.value) and lost[kind]:
                names, counts = np.unique(by[mask].astype(str), return_counts=True)
                lost_by[kind] = {str(a): int(b) for a, b in zip(names, counts, strict=True)}
        go_on = (
            int(np.count_nonzero(started & is_(RouteStatus.DEPOSITED.value)))
            if name == "notice"
            else int(np.count_nonzero(started & (passed > k)))
        )
        stages.append(Stage(name, reached, go_on, lost, lost_by))
    return Funnel(
        route=route,
        trials=n,
        never_started=int(np.count_nonzero(is_(RouteStatus.NOT_STARTED.value))),
        superseded_before_start=int(np.count_nonzero(~started & is_(RouteStatus.SUPERSEDED.value))),
        stages=stages,
    )


def funnels(run: Run, table: pd.DataFrame | None = None) -> list[Funnel]:
    table = trials(run) if table is None else table
    return [funnel(run, r, table) for r in route_names(run)]


def outcome_counts(run: Run) -> dict[str, int]:
    """Trials by outcome, in `Outcome` order (from the summary: no trials needed)."""
    counts = run.summary.get("outcomes", {})
    return {o.value: int(counts.get(o.value, 0)) for o in Outcome}


# -- how long --------------------------------------------------------------------------------


def months(cal: Calendar) -> np.ndarray:
    """First day of each calendar month from start's month to horizon's month."""
    first = np.datetime64(cal.start, "M")
    last = np.datetime64(cal.horizon, "M")
    return np.arange(first, last + 1).astype("datetime64[D]")


def by_month(days: np.ndarray, cal: Calendar) -> np.ndarray:
    """How many of `days` have their date in each month of `months(cal)`."""
    finite = np.asarray(days, dtype=float)[np.isfinite(days)]
    dates = np.datetime64(cal.start, "D") + np.floor(finite).astype(np.int64)
    index = (dates.astype("datetime64[M]") - np.datetime64(cal.start, "M")).astype(int)
    return np.bincount(index, minlength=len(months(cal)))[: len(months(cal))]


def exit_percentiles(days: np.ndarray) -> dict[str, float] | None:
    """p10/p50/p90 of exit days, as `summary.json` computes them (numpy's default)."""
    finite = np.asarray(days, dtype=float)[np.isfinite(days)]
    if finite.size == 0:
        return None
    p10, p50, p90 = np.percentile(finite, [10, 50, 90])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90)}
