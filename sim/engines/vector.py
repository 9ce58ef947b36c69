"""The DES engine's semantics as array operations over a slice of trials.

It reads the same draws as `sim.engines.des` and must give the same trial table, trial by
trial and bit for bit (tests run both on every bundled scenario and on generated ones). The
DES engine stays the readable reference; this module restates its order of play as
comparisons between times:

- Times are computed with the same floating-point operations in the same order as the DES
  engine (a gate chain is `t = start; t = t + delay_1; t = t + delay_2 ...`, a calendar
  constant goes through the same month arithmetic as `Scenario.after`, a hazard clock
  integrates its piecewise rate change by change as DES's loop does), so a tie in one
  engine is a tie in the other.
- Event times come first. Dated events and plain hazards are fixed by the draws; a hazard
  with an `after:` clock or rate changes (a "clocked" event) depends on other events' times,
  so the clocked events are worked out in the order they happen (`_clocked_times`).
- Routes interact only through the first notice, so each route is first played alone: its
  start, the first gate that fails, the first `dies_on` event that kills it (an `until:`
  gate that has passed shields it), its deposit (not before `earliest_notice`). The notice
  is then the earliest deposit (ties: the route listed first), and every other route still
  in the race at that instant is superseded.
- The run's moment `notice_deposited` cannot change any route: every route has stopped when
  it comes. So the routes are played with the event times of a trial in which it never
  comes, and the events that depend on it are worked out again once the notice day is known,
  for the revocations and the `event.<name>.day` columns.
- After the deposit the notice is pending until a revocation or a voiding ruling stops it,
  or it takes effect. A voiding ruling under appeal may be reversed, and the notice is
  pending again from the appeal's decision on (`_after_the_notice`, one pass per appeal).
- The DES order at one instant becomes the direction of each comparison: an event at the
  same time as a gate or a deposit comes first (so `<=`), a gate before a deposit, a
  notice taking effect before a revocation, a ruling or an appeal (so these need `<` the
  effective time), a revocation before a ruling, a ruling before an appeal; among events at
  one instant dated events and plain hazards (in the order listed) come before clocked
  events (DES resumes a hazard clock one step later), among rulings the challenge listed
  first.

Nothing here creates a Python object per trial: statuses and names are small integer codes,
turned into categoricals with a fixed set of categories per column.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

try:  # pandas >= 3
    from pandas.api.internals import create_dataframe_from_blocks
except ImportError:  # pragma: no cover
    create_dataframe_from_blocks = None

from sim.draw_columns import Columns
from sim.draws import (
    NOTICE_PERIOD,
    Draws,
    appeal_name,
    challenge_name,
    dies_on_name,
    gate_name,
    hazard_day_name,
    hazard_exposure_name,
    hazard_rate_name,
    notice_within_name,
    rate_change_name,
    revocation_name,
)
from sim.heap import keep_freed_memory
from sim.language import durations
from sim.language.durations import DAYS_PER_YEAR
from sim.language.model import NOTICE_DEPOSITED, Challenge, Event, Route, Scenario
from sim.language.values import Constant, Value
from sim.outcomes import AppealResult, GateResult, Outcome, RouteStatus, Ruling
from sim.trial_table import categories, event_day_column

INF = np.inf
Times = Mapping[str, np.ndarray]

# route status codes, in the order of RouteStatus (the categories of a status column)
NOT_STARTED, ACTIVE, FAILED, DIED, SUPERSEDED, DEPOSITED = (
    list(RouteStatus).index(st)
    for st in (
        RouteStatus.NOT_STARTED,
        RouteStatus.ACTIVE,
        RouteStatus.FAILED,
        RouteStatus.DIED,
        RouteStatus.SUPERSEDED,
        RouteStatus.DEPOSITED,
    )
)
assert (NOT_STARTED, ACTIVE) == (0, 1)  # a status is computed from `started` as 0 or 1 first
_OUTCOME_CODE = {o: i for i, o in enumerate(Outcome)}
# gate results, rulings and appeals: -1 (missing), else their index in their enum; a gate's
# code is computed as 0 for passed and 1 for failed
assert list(GateResult) == [GateResult.PASSED, GateResult.FAILED]
_RULING_CODE = {r: i for i, r in enumerate(Ruling)}
_APPEAL_CODE = {a: i for i, a in enumerate(AppealResult)}


def add_months(start: dt.date, t: np.ndarray, months: int, end: float) -> np.ndarray:
    """`sim.language.durations.add_months` elementwise, for times before `end` (later ones
    never matter to a trial and become inf): the same day `months` later, month ends
    clipped, the fraction of the day kept, in the same float operations."""
    if np.ndim(t) == 0:  # one time for every trial (a dated event): the scalar version
        return np.float64(durations.add_months(start, float(t), months) if t < end else INF)
    out = np.full(t.shape, INF)
    ok = t < end
    tt = t[ok]
    whole = np.floor(tt)
    day0 = np.datetime64(start, "D")
    dates = day0 + whole.astype(np.int64)
    month = dates.astype("datetime64[M]")
    day_of_month = (dates - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.timedelta64(months, "M")
    first = target.astype("datetime64[D]")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - first).astype(np.int64)
    later = first + np.minimum(day_of_month, length - 1)
    out[ok] = (later - day0).astype(np.int64) + (tt - whole)
    return out


def unsupported(scenario: Scenario) -> str | None:
    """Why this engine cannot run `scenario`, or None. Every construct of the language,
    extended ones included, is vectorised; the runner keeps this hook so that a construct
    added to the language later can run on the DES engine until this module handles it."""
    return None


# -- the draws of a slice -------------------------------------------------------------------


class _Slice:
    """The draws of a slice, read by name as arrays (constants broadcast, without copies);
    or of some of its trials (`subset`), gathered as they are read."""

    def __init__(self, scenario: Scenario, draws: Draws, rows: np.ndarray | None = None) -> None:
        self.s = scenario
        self.d = draws
        self.columns = Columns.of(draws.columns)
        self.rows = rows
        self.n = draws.n if rows is None else len(rows)
        self.end = scenario.end
        self._gathered: dict[str, np.ndarray] = {}

    def subset(self, rows: np.ndarray) -> _Slice:
        """The same draws, for the trials `rows` only (indexes into this slice)."""
        out = _Slice(self.s, self.d, rows if self.rows is None else self.rows[rows])
        out.columns = self.columns  # (the same, with whatever is computed already)
        return out

    def _drawn(self, name: str) -> np.ndarray | None:
        """A column, for this slice's trials; a column not yet transformed is transformed
        for them only (`sim.draw_columns`)."""
        columns = self.columns
        if name not in columns:
            return None  # a constant
        if self.rows is None:
            return columns[name]
        if name not in self._gathered:
            self._gathered[name] = columns.some(name, self.rows)
        return self._gathered[name]

    def is_later(self, name: str) -> bool:
        return self.columns.is_later(name)

    def high(self, name: str) -> np.ndarray:
        """At least the value of quantity `name` in each trial (the value itself if known)."""
        if name not in self.columns:
            return np.float64(self.d.constants[name])
        high = self.columns.high(name)
        return high if self.rows is None else high[self.rows]

    def col(self, name: str) -> np.ndarray:
        found = self._drawn(name)
        if found is not None:
            return found
        return np.broadcast_to(np.float64(self.d.constants[name]), (self.n,))

    def value(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Like `col`, but a constant as a scalar (numpy's loops are fastest with one); with
        `rows`, only for those trials."""
        if rows is None:
            found = self._drawn(name)
            return np.float64(self.d.constants[name]) if found is None else found
        columns = self.columns
        if name not in columns:
            return np.float64(self.d.constants[name])
        if self.rows is None and not columns.is_later(name):
            return columns[name][rows]
        return columns.some(name, rows if self.rows is None else self.rows[rows])

    def coin(self, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        return self.value(f"{name}.u", rows) < self.value(f"{name}.p", rows)

    def after(
        self,
        t: np.ndarray,
        duration: Value,
        name: str,
        end: float | None = None,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """`Scenario.after` elementwise (for the trials `rows`, if given); with month
        arithmetic, times from `end` (default: the end of the horizon) on become inf."""
        if isinstance(duration, Constant) and duration.months is not None:
            return add_months(self.s.start, t, duration.months, self.end if end is None else end)
        return t + self.value(name, rows)


# -- events ---------------------------------------------------------------------------------


def _is_clocked(event: Event) -> bool:
    """A hazard whose time depends on other events: an `after:` clock or rate changes."""
    return event.hazard_per_year is not None and not event.is_plain_hazard


def _tie_rank(scenario: Scenario) -> dict[str, int]:
    """The order of events that happen at one instant in the DES engine: dated events and
    plain hazards first (their times are scheduled when the trial starts, in the order
    listed), then clocked events (a hazard clock resumes one step after its time comes)."""
    events = list(scenario.events.values())
    order = sorted(range(len(events)), key=lambda i: (_is_clocked(events[i]), i))
    return {events[i].name: rank for rank, i in enumerate(order)}


def _rate_at(
    rate: np.ndarray, changes: Sequence[tuple[np.ndarray, np.ndarray]], t: np.ndarray
) -> np.ndarray:
    """The rate in force at t: that of the latest change come by t (two at one instant:
    the one listed last), else the base rate (DES's `_rate`)."""
    latest: np.ndarray | None = None
    for when, r in changes:
        ok = when <= t
        if latest is not None:
            ok &= when >= latest
        rate = np.where(ok, r, rate)
        latest = np.where(ok, when, -INF if latest is None else latest)
    return rate


def _hit(since: np.ndarray, exposure: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """When the clock's exposure runs out at `rate` from `since` (never at rate 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rate > 0, since + DAYS_PER_YEAR * exposure / rate, INF)


def _clock(x: _Slice, event: Event, times: Times) -> np.ndarray:
    """The time of a clocked hazard event (inf: not before the end), given the times of the
    events it depends on (inf: it never happens).

    A rate not yet transformed (a beta rate costs two microseconds a trial) is transformed
    only in the trials where the event can happen before the end: no sooner than its clock's
    start plus its exposure at the highest rate it can ever have."""
    rates = [hazard_rate_name(event.name)]
    rates += [rate_change_name(event.name, c.key) for c in event.rate_changes]
    if any(x.is_later(r) for r in rates):
        start = np.float64(0.0) if event.after is None else times[event.after]
        highest = np.maximum.reduce([np.broadcast_to(x.high(r), (x.n,)) for r in rates])
        with np.errstate(divide="ignore", invalid="ignore"):
            soonest = start + DAYS_PER_YEAR * x.col(hazard_exposure_name(event.name)) / highest
        can = np.flatnonzero(soonest * (1 - 1e-9) < x.end)  # (never at a highest rate of 0)
        if len(can) < x.n:
            deps = [event.after] if event.after is not None else []
            deps += [c.event for c in event.rate_changes if c.event is not None]
            some = {d: times[d] if np.ndim(times[d]) == 0 else times[d][can] for d in deps}
            out = np.full(x.n, INF)
            out[can] = _exact_clock(x.subset(can), event, some)
            return out
    return _exact_clock(x, event, times)


def _exact_clock(x: _Slice, event: Event, times: Times) -> np.ndarray:
    """DES's `hazard_clock`: from the clock's start, the exposure runs out at the rate in
    force; at each rate change that comes first the exposure used so far is taken off and
    the rate changes."""
    end = x.end
    start = np.float64(0.0) if event.after is None else times[event.after]
    exposure = x.col(hazard_exposure_name(event.name))
    changes = [
        (
            np.float64(change.day) if change.day is not None else times[change.event or ""],
            x.col(rate_change_name(event.name, change.key)),
        )
        for change in event.rate_changes
    ]
    base = x.col(hazard_rate_name(event.name))
    rate = _rate_at(base, changes, start)
    since = start
    hit = _hit(since, exposure, rate)
    # the changes still to come when the clock starts, in the order they come
    pending = [np.where(when > start, when, INF) for when, _ in changes]
    if len(pending) > 1:
        waits = np.sort(np.stack([np.broadcast_to(w, (x.n,)) for w in pending], axis=1), axis=1)
        pending = [waits[:, j] for j in range(waits.shape[1])]
    for w in pending:
        wake = (w < hit) & (w < end)  # a change at the instant the exposure runs out: too late
        if not wake.any():
            break  # the later changes come later still
        with np.errstate(invalid="ignore"):
            used = np.maximum(0.0, exposure - rate * (w - since) / DAYS_PER_YEAR)
        exposure = np.where(wake, used, exposure)
        since = np.where(wake, w, since)
        rate = np.where(wake, _rate_at(base, changes, w), rate)
        hit = np.where(wake, _hit(since, exposure, rate), hit)
    return np.where(hit < end, hit, INF)


def _depends(event: Event) -> list[str]:
    """What a clocked event's time depends on: its clock's start and its rate changes."""
    out = [] if event.after is None else [event.after]
    return out + [c.event for c in event.rate_changes if c.event is not None]


@functools.cache
def _needs_notice(scenario_events: tuple[tuple[str, tuple[str, ...]], ...]) -> frozenset[str]:
    """The events whose time depends, directly or not, on the moment `notice_deposited`."""
    deps = dict(scenario_events)
    out: set[str] = set()
    grew = True
    while grew:
        grew = False
        for name, on in deps.items():
            if name not in out and any(d == NOTICE_DEPOSITED or d in out for d in on):
                out.add(name)
                grew = True
    return frozenset(out)


def _clocked_times(x: _Slice, known: dict[str, np.ndarray]) -> None:
    """Add the time of every clocked event to `known` (the times of the other events and
    moments). A clocked event's time depends only on what happens before it, so per trial
    the clocked events are settled in the order they happen: each round, every unsettled one
    is timed as if the unsettled others never happened, and the earliest of them is right
    (anything that happens before it is settled already). Without a cycle of dependencies
    one round per event in dependency order gives the same times directly."""
    clocked = [e for e in x.s.events.values() if _is_clocked(e)]
    if not clocked:
        return
    names = {e.name for e in clocked}
    order: list[Event] = []
    state: dict[str, int] = {}  # 1: being visited, 2: done

    def visit(e: Event) -> bool:
        if state.get(e.name) == 2:
            return True
        if state.get(e.name) == 1:
            return False
        state[e.name] = 1
        for d in _depends(e):
            if d in names and not visit(x.s.events[d]):
                return False
        state[e.name] = 2
        order.append(e)
        return True

    if all(visit(e) for e in clocked):
        for e in order:
            known[e.name] = _clock(x, e, known)
        return
    n = x.n
    settled = {e.name: np.zeros(n, dtype=bool) for e in clocked}
    value = {e.name: np.full(n, INF) for e in clocked}
    for _ in clocked:
        view = dict(known)
        view.update({k: np.where(settled[k], value[k], INF) for k in names})
        timed = {e.name: np.where(settled[e.name], INF, _clock(x, e, view)) for e in clocked}
        first = np.minimum.reduce(list(timed.values()))
        for k in names:
            now = ~settled[k] & (timed[k] == first)
            value[k] = np.where(now, timed[k], value[k])
            settled[k] |= now
    known.update(value)


def _event_times(x: _Slice, notice: np.ndarray | None) -> dict[str, np.ndarray]:
    """Every event's time (inf: it does not happen by the end), with the notice deposited at
    `notice` (None, or inf in a trial: never)."""
    end = x.end
    times: dict[str, np.ndarray] = {}
    for event in x.s.events.values():
        if event.day is not None:  # one time for every trial: a scalar
            day = float(event.day)
            times[event.name] = np.float64(day if day < end else INF)
        elif event.is_plain_hazard:
            t = x.col(hazard_day_name(event.name))
            times[event.name] = np.where(t < end, t, INF)
    times[NOTICE_DEPOSITED] = np.float64(INF) if notice is None else notice
    _clocked_times(x, times)
    return times


# -- routes ---------------------------------------------------------------------------------


def _i8(mask: np.ndarray | np.bool_) -> np.ndarray:
    """A mask as 0/1 int8, for arithmetic on codes (a view of an array: no copy)."""
    if isinstance(mask, np.ndarray):
        return mask.view(np.int8)
    return np.int8(bool(mask))  # type: ignore[return-value]


class _Alone:
    """One route played alone: what happens to it if no other route files first.

    Each gate is worked out only for the trials that reach it (`levels`: the trials, their
    times at the gate and whether they pass), so a route that most trials leave early, or
    that starts in few of them, costs little. A mask may be a numpy bool scalar (the same in
    every trial: a route that starts at `start` has started in all of them), and a time a
    scalar (a dated event)."""

    def __init__(self, x: _Slice, route: Route, times: Times, rank: dict[str, int]) -> None:
        n, end = x.n, x.end
        events = list(x.s.events)
        gate_index = {g.name: k for k, g in enumerate(route.gates)}
        self.n_gates = n_gates = len(route.gates)
        self.start = np.float64(0.0) if route.trigger is None else times[route.trigger]
        self.started = np.True_ if route.trigger is None else self.start < end
        # the trials still in the race (None: all), and their time so far
        rows: np.ndarray | None = None
        t: np.ndarray = self.start
        if route.trigger is not None and np.ndim(self.start):
            rows = np.flatnonzero(self.started)
            t = self.start[rows]
        elif not self.started:  # a dated trigger after the end: in no trial
            rows = np.zeros(0, dtype=np.intp)
        self.levels: list[tuple[np.ndarray | None, np.ndarray, np.ndarray]] = []
        # the index of the first gate that fails (n_gates: none), and when the route stops
        # by itself: at that gate, or at its deposit (inf: it never started)
        self.failing = np.zeros(n, dtype=np.int8 if n_gates < 127 else np.int16)
        natural = np.full(n, INF) if rows is not None else np.float64(INF)
        for gate in route.gates:
            g = gate_name(route.name, gate.name)
            t = x.after(t, gate.delay, f"{g}.delay", rows=rows)  # as the DES engine sums them
            if gate.votes is not None:
                p = x.value(f"{g}.ayes", rows) >= gate.votes.needed
            else:
                p = x.coin(g, rows)
            m = n if rows is None else len(rows)
            if np.shape(p) != (m,):
                p = np.broadcast_to(p, (m,))
            if np.shape(t) != (m,):
                t = np.broadcast_to(t, (m,))
            self.levels.append((rows, t, p))
            if rows is None:
                natural = np.array(t, dtype=float)  # every trial reaches this gate
                self.failing += p
            else:
                natural[rows] = t
                self.failing[rows] += p
            # who goes on
            on = np.flatnonzero(p)
            rows, t = (on, t[on]) if rows is None else (rows[on], t[on])
        deposit = x.after(t, route.notice_within, notice_within_name(route.name), rows=rows)
        earliest = x.s.treaty.earliest_notice_day
        if earliest is not None:  # DES: `if t < earliest: t = earliest`
            deposit = np.maximum(deposit, float(earliest))
        if rows is None:
            natural = np.array(np.broadcast_to(deposit, (n,)), dtype=float)
        else:
            natural[rows] = deposit
        self.natural = natural
        # dies at the instant it starts, by the first of its dies_on (in their order) that
        # acts; or later, by the earliest event after its start (ties: the DES order of
        # events) while it is active and, with `until`, that gate has not passed (events come
        # first: at the instant the gate resolves it has not)
        self.dead_at_start: np.ndarray = np.False_  # type: ignore[assignment]
        self.start_killer: np.ndarray | int = 0
        self.kill: np.ndarray | None = None
        self.killer: np.ndarray | int = 0
        if route.dies_on:
            coins = {e.event: x.coin(dies_on_name(route.name, e.event)) for e in route.dies_on}
            dead = np.zeros(n, dtype=bool)
            start_killer = np.zeros(n, dtype=np.int32)
            for effect in route.dies_on:
                at = times[effect.event]
                now = (at == self.start) & (at < end) & coins[effect.event] & ~dead
                dead |= now
                start_killer += now * np.int32(events.index(effect.event))
            kill = np.full(n, INF)
            killer = np.zeros(n, dtype=np.int32)
            for effect in sorted(route.dies_on, key=lambda e: rank[e.event]):
                at = times[effect.event]
                hit = (at > self.start) & (at < kill) & coins[effect.event]
                if effect.until is not None:
                    hit &= at <= self.gate_time(gate_index[effect.until], n)
                kill = np.where(hit, at, kill)
                killer += hit * (np.int32(events.index(effect.event)) - killer)
            self.dead_at_start, self.start_killer = dead, start_killer
            self.kill, self.killer = kill, killer
        # alone, it ends in one of these (an event at the same instant comes first: `<=`)
        self.alive = self.started & ~self.dead_at_start
        ends = natural < end
        if self.kill is None:
            self.dies: np.ndarray = np.False_  # type: ignore[assignment]
            on_its_own = self.alive & ends
        else:
            self.dies = self.alive & (self.kill < end) & (self.kill <= natural)
            on_its_own = self.alive & ~self.dies & ends
        self.fails = on_its_own & (self.failing < n_gates)
        self.deposits = on_its_own & (self.failing == n_gates)
        # its deposit day where it deposits, else missing
        if rows is None:
            self.deposit_day = np.where(self.deposits, natural, np.nan)
        else:
            self.deposit_day = np.full(n, np.nan)
            at = rows[self.deposits[rows]]
            self.deposit_day[at] = natural[at]
        self.died = self.dead_at_start | self.dies
        # when it stopped by itself, if it did
        stop = natural if self.kill is None else np.where(self.dies, self.kill, natural)
        if route.dies_on:
            stop = np.where(self.dead_at_start, self.start, stop)
        self.stop = stop

    def gate_time(self, k: int, n: int) -> np.ndarray:
        """When gate k resolves, in every trial (inf where it is not reached)."""
        rows, t, _ = self.levels[k]
        if rows is None:
            return t
        out = np.full(n, INF)
        out[rows] = t
        return out


# -- the notice after its deposit -----------------------------------------------------------


class _Challenges:
    """Every challenge of every route, as rulings on the notice (inf: none before the end)."""

    def __init__(self, x: _Slice, notice: np.ndarray, winner: np.ndarray) -> None:
        end = x.end
        self.keys: list[str] = []
        self.challenges: list[Challenge] = []
        self.day: list[np.ndarray] = []
        self.code: list[np.ndarray] = []
        self.appeal_day: list[np.ndarray | None] = []
        self.reverses: list[np.ndarray | None] = []
        for i, route in enumerate(x.s.routes.values()):
            if not route.challenges:
                continue
            filed = np.where(winner == i, notice, INF)
            for ch in route.challenges:
                name = challenge_name(route.name, ch.name)
                day = x.after(filed, ch.delay, f"{name}.delay")
                day = np.where(day < end, day, INF)
                u = x.col(f"{name}.u")
                voids, dismissed = ch.voids_notice, ch.voids_notice + ch.dismissed
                code = np.where(
                    u < voids,
                    _RULING_CODE[Ruling.VOIDS_NOTICE],
                    np.where(
                        u < dismissed, _RULING_CODE[Ruling.DISMISSED], _RULING_CODE[Ruling.UPHELD]
                    ),
                )
                self.keys.append(f"{route.name}.{ch.name}")
                self.challenges.append(ch)
                self.day.append(day)
                self.code.append(code)
                if ch.appeal is None:
                    self.appeal_day.append(None)
                    self.reverses.append(None)
                    continue
                a = appeal_name(route.name, ch.name)
                appeal = x.after(day, ch.appeal.delay, f"{a}.delay")
                self.appeal_day.append(np.where(appeal < end, appeal, INF))
                self.reverses.append(x.col(f"{a}.u") < x.col(f"{a}.reverses"))


class _Resolved:
    """What becomes of the notice: the outcome codes and the records of rulings and appeals."""

    def __init__(self, n: int, count: int) -> None:
        self.ruling = [np.full(n, -1, dtype=np.int8) for _ in range(count)]
        self.ruling_day = [np.full(n, np.nan) for _ in range(count)]
        self.appeal = [np.full(n, -1, dtype=np.int8) for _ in range(count)]
        self.appeal_day = [np.full(n, np.nan) for _ in range(count)]
        self.revoked = np.zeros(n, dtype=bool)
        self.voided = np.zeros(n, dtype=bool)
        self.pending = np.zeros(n, dtype=bool)  # pending at the end of its last window
        self.revoker = np.full(n, -1)  # event index
        self.voider = np.full(n, -1)  # challenge index
        self.ended_day = np.full(n, np.nan)

    def spread(self, rows: np.ndarray, n: int) -> _Resolved:
        """These results, for the trials `rows` of n, as results for all n (no notice in the
        others: nothing recorded, nothing revoked or voided)."""
        out = _Resolved(n, len(self.ruling))
        for mine, theirs in (
            (self.ruling, out.ruling),
            (self.ruling_day, out.ruling_day),
            (self.appeal, out.appeal),
            (self.appeal_day, out.appeal_day),
        ):
            for a, b in zip(mine, theirs, strict=True):
                b[rows] = a
        for name in ("revoked", "voided", "pending", "revoker", "voider", "ended_day"):
            getattr(out, name)[rows] = getattr(self, name)
        return out


def _after_the_notice(
    x: _Slice,
    has_notice: np.ndarray,
    notice: np.ndarray,
    effective: np.ndarray,
    chs: _Challenges,
    times: Times,
    rank: dict[str, int],
) -> _Resolved:
    """The notice from its deposit on. It is pending in windows: the first from the
    deposit, the next from an appeal that reverses a voiding. In a window, the first
    revocation or voiding ruling before the effective date ends it (a revocation first at
    one instant; events at the window's opening instant come before it opens); the rulings
    before that are recorded; a voiding under appeal opens the next window if the appeal
    reverses strictly before the effective date (and before the end)."""
    n = x.n
    events = list(x.s.events)
    out = _Resolved(n, len(chs.keys))
    revocations = [
        (events.index(e.event), times[e.event], x.coin(revocation_name(e.event)))
        for e in sorted(x.s.revoked_by, key=lambda e: rank[e.event])
    ]
    eff = effective  # inf without a notice
    opened = notice
    open_now = has_notice.copy()
    first_window = True
    for _ in range(1 + sum(ch.appeal is not None for ch in chs.challenges)):
        if not open_now.any():
            break
        revoked_at = np.full(n, INF)
        revoker = np.full(n, -1)
        for index, t, coin in revocations:
            hit = open_now & (t > opened) & (t < eff) & (t < revoked_at) & coin
            revoked_at = np.where(hit, t, revoked_at)
            revoker[hit] = index
        voided_at = np.full(n, INF)
        voider = np.full(n, -1)
        heard: list[np.ndarray] = []
        for c, (day, code) in enumerate(zip(chs.day, chs.code, strict=True)):
            # the first window opens at the deposit, before any ruling; a later one at an
            # appeal's decision, after the rulings of that instant
            inside = open_now & ((day >= opened) if first_window else (day > opened))
            inside &= day < eff
            heard.append(inside)
            voids = inside & (code == _RULING_CODE[Ruling.VOIDS_NOTICE]) & (day < voided_at)
            voided_at = np.where(voids, day, voided_at)
            voider[voids] = c
        revokes = open_now & np.isfinite(revoked_at) & (revoked_at <= voided_at)
        voids = open_now & ~revokes & np.isfinite(voided_at)
        for c, (day, code) in enumerate(zip(chs.day, chs.code, strict=True)):
            recorded = heard[c] & (
                np.where(revokes, day < revoked_at, day < voided_at)
                | (voids & (day == voided_at) & (c <= voider))
            )
            if recorded.any():
                out.ruling[c] = np.where(recorded, code, out.ruling[c]).astype(np.int8)
                out.ruling_day[c] = np.where(recorded, day, out.ruling_day[c])
        out.revoked |= revokes
        out.revoker = np.where(revokes, revoker, out.revoker)
        out.ended_day = np.where(revokes, revoked_at, out.ended_day)
        restored = np.zeros(n, dtype=bool)
        reopens = np.full(n, INF)
        for c, appeal_day in enumerate(chs.appeal_day):
            reverses = chs.reverses[c]
            if appeal_day is None or reverses is None:
                continue
            appealed = voids & (voider == c) & np.isfinite(appeal_day)
            if not appealed.any():
                continue
            result = np.where(
                reverses, _APPEAL_CODE[AppealResult.REVERSES], _APPEAL_CODE[AppealResult.AFFIRMS]
            )
            out.appeal[c] = np.where(appealed, result, out.appeal[c]).astype(np.int8)
            out.appeal_day[c] = np.where(appealed, appeal_day, out.appeal_day[c])
            back = appealed & reverses & (appeal_day < eff)
            restored |= back
            reopens = np.where(back, appeal_day, reopens)
        final_void = voids & ~restored
        out.voided |= final_void
        out.voider = np.where(final_void, voider, out.voider)
        out.ended_day = np.where(final_void, voided_at, out.ended_day)
        out.pending |= open_now & ~revokes & ~voids
        open_now = restored
        opened = np.where(restored, reopens, opened)
        first_window = False
    out.pending |= open_now
    return out


# -- the trial table ------------------------------------------------------------------------


def _int_codes(count: int) -> type[np.signedinteger]:
    """The integer type pandas gives the codes of a categorical with `count` categories."""
    for kind, top in ((np.int8, 127), (np.int16, 32_767), (np.int32, 2_147_483_647)):
        if count < top:
            return kind
    return np.int64


@functools.lru_cache(maxsize=1024)
def _dtype(cats: tuple[str, ...]) -> tuple[pd.CategoricalDtype, type[np.signedinteger]]:
    """A text column's categorical type, and the integer type of its codes."""
    return pd.CategoricalDtype(list(cats)), _int_codes(len(cats))


@functools.lru_cache(maxsize=1024)
def _lookup(names: tuple[str | None, ...], cats: tuple[str, ...]) -> np.ndarray | None:
    """The category code of each of `names` (None: missing, -1), or None when they are
    simply None and then the categories in order (codes are then `index - 1`)."""
    index = {c: i for i, c in enumerate(cats)}
    lookup = np.array([-1 if v is None else index[v] for v in names], dtype=_int_codes(len(cats)))
    return None if np.array_equal(lookup, np.arange(-1, len(names) - 1)) else lookup


def _categorical(codes: np.ndarray, names: Sequence[str | None], cats: list[str]) -> pd.Categorical:
    """Column values `names[codes]` (None: missing) as a categorical with fixed categories."""
    dtype, kind = _dtype(tuple(cats))
    lookup = _lookup(tuple(names), tuple(cats))
    values = (codes - 1).astype(kind, copy=False) if lookup is None else lookup[codes]
    return pd.Categorical.from_codes(values, dtype=dtype, validate=False)


def _coded(codes: np.ndarray, cats: list[str], n: int) -> pd.Categorical:
    """A categorical from codes that are already indexes into `cats` (-1: missing)."""
    dtype, kind = _dtype(tuple(cats))
    codes = np.asarray(codes).astype(kind, copy=False)
    if codes.shape != (n,):
        codes = np.full(n, codes, dtype=kind)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _dates(start: dt.date, days: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """`sim.trial_table._dates` for days that may be missing only outside `rows`: start +
    floor(days), as datetime64[s] (NaT outside `rows`). Whole days and seconds are exact as
    floats."""
    out = np.full(len(days), np.iinfo(np.int64).min)  # NaT
    seconds = np.floor(days[rows])
    seconds += float((start - dt.date(1970, 1, 1)).days)
    seconds *= 86_400.0
    out[rows] = seconds
    return out.view("datetime64[s]")


def _nan_unless(mask: np.ndarray | np.bool_, values: np.ndarray, n: int) -> np.ndarray:
    """`values` where `mask`, else missing: a float column of n trials."""
    out = np.where(mask, values, np.nan)
    return out if out.shape == (n,) else np.full(n, out, dtype=float)


_CATEGORIES: dict[int, tuple[weakref.ref[Scenario], dict[str, list[str]]]] = {}


def _categories(s: Scenario) -> dict[str, list[str]]:
    """`trial_table.categories(s)`, worked out once for each scenario object."""
    found = _CATEGORIES.get(id(s))
    if found is not None and found[0]() is s:
        return found[1]
    if len(_CATEGORIES) > 64:
        _CATEGORIES.clear()
    cats = categories(s)
    _CATEGORIES[id(s)] = (weakref.ref(s), cats)
    return cats


def run_block(scenario: Scenario, draws: Draws, draw_columns: bool = True) -> pd.DataFrame:
    """The trial table of a slice of trials (the columns of `sim.trial_table.frame`; without
    the `draw.*` ones if not `draw_columns`, so that a draw the trials did not need is never
    transformed whole)."""
    keep_freed_memory()
    x = _Slice(scenario, draws)
    s, n, end = scenario, draws.n, scenario.end
    event_names = list(s.events)
    route_names = list(s.routes)
    rank = _tie_rank(s)
    times = _event_times(x, None)  # as if no notice came: what the routes see

    alone = [_Alone(x, route, times, rank) for route in s.routes.values()]

    # the notice: the earliest deposit, the route listed first on a tie
    notice_day = np.full(n, np.nan) if not alone else None  # missing: no notice
    winner = np.full(n, -1, dtype=np.int8 if len(alone) < 127 else np.int16)
    for i, a in enumerate(alone):
        deposit = a.deposit_day
        if i == 0:
            notice_day = np.broadcast_to(deposit, (n,))
            winner += a.deposits
        else:
            first = deposit < np.fmin(notice_day, INF)  # (false where either is missing)
            notice_day = np.fmin(notice_day, deposit)
            winner += first * (winner.dtype.type(i) - winner)
    notice = np.fmin(notice_day, INF)  # inf: no notice
    has_notice = notice < end

    cats = _categories(s)
    before_end_or_notice = np.minimum(notice, np.nextafter(end, -INF))
    route_cols: list[dict[str, object]] = []
    blocked: np.ndarray = np.True_  # type: ignore[assignment]
    for i, (route, a) in enumerate(zip(s.routes.values(), alone, strict=True)):
        # another route's notice: a route still in the race at that instant is superseded
        won = winner == i
        stopped = a.died | a.fails
        lost = has_notice & ~won & ~(stopped & (a.stop <= notice))
        blocked = blocked & stopped
        lost8, won8 = _i8(lost), _i8(won)
        status = _i8(a.started) + _i8(a.died) * np.int8(DIED - ACTIVE)
        status = status + _i8(a.fails) * np.int8(FAILED - ACTIVE)
        status = status + lost8 * (np.int8(SUPERSEDED) - status)
        status = status + won8 * (np.int8(DEPOSITED) - status)
        # stopped_by: 0 (none), 1 + gate index, 1 + gates + event index, or ... + route index
        n_gates, first_event = a.n_gates, 1 + a.n_gates
        first_route = first_event + len(event_names)
        kind = np.int8 if first_route + len(route_names) < 127 else np.int32
        by = _i8(a.fails) * (a.failing.astype(kind, copy=False) + kind(1))
        if a.kill is not None:
            by = by + _i8(a.dies) * (a.killer.astype(kind) + kind(first_event))
            by = by + _i8(a.dead_at_start) * (a.start_killer.astype(kind) + kind(first_event))
        if len(alone) > 1:
            by = by * (kind(1) - lost8) + lost8 * (winner.astype(kind) + kind(first_route))
        by = by * (kind(1) - won8)
        # the winner stops at its deposit: there `stop` is the notice day
        end_day = np.where(stopped | won, a.stop, np.nan)
        if len(alone) > 1:
            end_day = np.where(lost, notice, end_day)
        if route.trigger is None:
            start_day = np.zeros(n)
        else:
            start_day = np.where(a.started & (a.start <= notice), a.start, np.nan)
        names = [None, *(g.name for g in route.gates), *event_names, *route_names]
        base = f"route.{route.name}"
        here: dict[str, object] = {
            f"{base}.status": _coded(status, cats[f"{base}.status"], n),
            f"{base}.stopped_by": _categorical(by, names, cats[f"{base}.stopped_by"]),
            f"{base}.start_day": start_day,
            f"{base}.end_day": end_day,
        }
        # a gate resolves if reached before the route died (events first: `<`), before the
        # end, and by the notice (gates before deposits: `<=`); not if it died as it started
        reach = before_end_or_notice
        if a.kill is not None:
            reach = np.minimum(reach, np.nextafter(a.kill, -INF))
            reach = np.where(a.dead_at_start, -INF, reach)
        passed = np.zeros(n, dtype=np.int8 if n_gates < 127 else np.int16)
        gate_cols: dict[str, object] = {}
        for k, gate in enumerate(route.gates):
            reached, g, passes = a.levels[k]  # the trials that reach the gate
            key = f"gate.{route.name}.{gate.name}"
            if reached is None:  # all of them
                resolved = g <= reach
                passed += resolved & passes
                result = _i8(resolved) * (np.int8(2) - _i8(passes)) - np.int8(1)  # 0: passed
                day = _nan_unless(resolved, g, n)
            else:
                resolved = g <= reach[reached]
                at = reached[resolved]
                passed[reached[resolved & passes]] += 1
                result = np.full(n, -1, dtype=np.int8)
                result[at] = ~passes[resolved]  # 0: passed, 1: failed
                day = np.full(n, np.nan)
                day[at] = g[resolved]
            gate_cols[f"{key}.result"] = _coded(result, cats[f"{key}.result"], n)
            gate_cols[f"{key}.day"] = day
        here[f"{base}.gates_passed"] = passed.astype(np.int64)
        here.update(gate_cols)
        route_cols.append(here)

    # the notice after its deposit: takes effect, or is revoked or voided first
    counts_from = notice
    for i, route in enumerate(s.routes.values()):
        if route.effective_as_of_day is not None:
            as_of = float(route.effective_as_of_day)
            counts_from = np.where(winner == i, np.maximum(counts_from, as_of), counts_from)
    period = s.treaty.notice_period
    plain_period = not any(r.effective_as_of_day is not None for r in s.routes.values()) and not (
        isinstance(period, Constant) and period.months is not None
    )
    if plain_period:  # a number of days after the deposit: missing stays missing
        effective = notice_day + x.value(NOTICE_PERIOD)
        effective_day = effective
    else:
        effective = x.after(counts_from, period, NOTICE_PERIOD, end=INF)
        effective_day = _nan_unless(has_notice, effective, n)
    # the rest happens after the deposit: it is worked out for the trials with a notice
    any_challenge = any(r.challenges for r in s.routes.values())
    needs_notice = _needs_notice(
        tuple((e.name, tuple(_depends(e))) for e in s.events.values() if _is_clocked(e))
    )
    res, chs = None, None
    after_s: dict[str, np.ndarray] = {}
    rows = np.flatnonzero(has_notice) if needs_notice or s.revoked_by or any_challenge else None
    if rows is not None:
        xs = x.subset(rows)
        notice_s, winner_s = notice[rows], winner[rows]
        if needs_notice:
            after_s = _event_times(xs, notice_s)
        else:
            after_s = {k: v if np.ndim(v) == 0 else v[rows] for k, v in times.items()}
        chs = _Challenges(xs, notice_s, winner_s)
    if chs is not None and (chs.keys or s.revoked_by):
        every = np.ones(len(rows), dtype=bool)
        res = _after_the_notice(xs, every, notice_s, effective[rows], chs, after_s, rank)
        res = res.spread(rows, n)
    pending = has_notice if res is None else res.pending
    exited = pending & (effective < end)

    # outcome codes, in the order of Outcome
    no_move, blocked_code = _OUTCOME_CODE[Outcome.NO_MOVE], _OUTCOME_CODE[Outcome.BLOCKED]
    pending_code = _OUTCOME_CODE[Outcome.NOTICE_PENDING]
    outcome = np.int8(no_move) - _i8(blocked) * np.int8(no_move - blocked_code)
    with_notice = np.int8(pending_code) - _i8(exited) * np.int8(pending_code)
    ended_by: np.ndarray | None = None  # nothing revoked or voided
    ended_day: np.ndarray = np.full(n, np.nan)
    if res is not None:
        revoked_code, voided_code = _OUTCOME_CODE[Outcome.REVOKED], _OUTCOME_CODE[Outcome.VOIDED]
        with_notice = with_notice + _i8(res.revoked) * np.int8(revoked_code - pending_code)
        with_notice = with_notice + _i8(res.voided) * np.int8(voided_code - pending_code)
        ended_by = _i8(res.revoked) * (res.revoker.astype(np.int32) + 1)
        first_voider = 1 + len(event_names)
        ended_by = ended_by + _i8(res.voided) * (res.voider.astype(np.int32) + first_voider)
        ended_day = res.ended_day
    outcome = outcome + _i8(has_notice) * (with_notice - outcome)

    # dates, for the trials with a notice (missing in the others)
    noticed = np.flatnonzero(has_notice) if rows is None else rows
    notice_date = _dates(s.start, notice_day, noticed)
    exit_day = np.full(n, np.nan)
    at = noticed[exited[noticed]]
    exit_day[at] = effective[at]
    effective_date = _dates(s.start, effective_day, noticed)
    cols: dict[str, object] = {
        "trial": np.arange(draws.first_trial, draws.first_trial + n, dtype=np.int64),
        "outcome": _coded(outcome, cats["outcome"], n),
        "route": _coded(winner, cats["route"], n),
        "notice_day": np.ascontiguousarray(notice_day),
        "effective_day": effective_day,
        "exit_day": exit_day,
        "notice_date": notice_date,
        "effective_date": effective_date,
        "exit_date": np.where(exited, effective_date, np.datetime64("NaT")),
    }
    ended_names = [None, *event_names, *(chs.keys if chs is not None else [])]
    if ended_by is None:
        cols["ended_by"] = _coded(np.full(n, -1, dtype=np.int8), cats["ended_by"], n)
    else:
        cols["ended_by"] = _categorical(ended_by, ended_names, cats["ended_by"])
    cols["ended_day"] = ended_day
    c = 0
    for route, here in zip(s.routes.values(), route_cols, strict=True):
        cols.update(here)
        for ch in route.challenges:
            assert res is not None
            key = f"challenge.{route.name}.{ch.name}"
            cols[f"{key}.ruling"] = _coded(res.ruling[c], cats[f"{key}.ruling"], n)
            cols[f"{key}.day"] = res.ruling_day[c]
            if ch.appeal is not None:
                cols[f"{key}.appeal"] = _coded(res.appeal[c], cats[f"{key}.appeal"], n)
                cols[f"{key}.appeal_day"] = res.appeal_day[c]
            c += 1
    for event in s.events.values():
        if _is_clocked(event):
            t = times[event.name]
            if event.name in needs_notice:  # its time once the notice came
                t = t.copy()
                t[rows] = after_s[event.name]
            cols[event_day_column(event.name)] = _nan_unless(t < end, t, n)
    if draw_columns:
        for name, values in draws.columns.items():
            cols[f"draw.{name}"] = values
    return _frame(cols, n)


def _frame(cols: dict[str, object], n: int) -> pd.DataFrame:
    """`pd.DataFrame(cols, copy=False)`: one block a column, as it makes them, but without
    its checks of each column (twice as fast on the baseline's 100 columns)."""
    if create_dataframe_from_blocks is None:
        return pd.DataFrame(cols, copy=False)
    places = _PLACES if len(cols) <= len(_PLACES) else [np.array([j]) for j in range(len(cols))]
    blocks = [
        (v if isinstance(v, pd.Categorical) else v.reshape(1, n), places[j])  # type: ignore[union-attr]
        for j, v in enumerate(cols.values())
    ]
    return create_dataframe_from_blocks(
        blocks, index=pd.RangeIndex(n), columns=_columns(tuple(cols))
    )


_PLACES = [np.array([j]) for j in range(4096)]


@functools.lru_cache(maxsize=64)
def _columns(names: tuple[str, ...]) -> pd.Index:
    return pd.Index(list(names))
