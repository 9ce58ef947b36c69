"""The DES engine's semantics as array operations over a slice of trials.

It reads the same draws as `sim.engines.des` and must give the same trial table, trial by
trial and bit for bit (tests run both on every bundled scenario and on generated ones). The
DES engine stays the readable reference; this module restates its order of play as
comparisons between times:

- Times are computed with the same floating-point operations in the same order as the DES
  engine (a gate chain is `t = start; t = t + delay_1; t = t + delay_2 ...`, a calendar
  constant goes through the same month arithmetic as `Scenario.after`), so a tie in one
  engine is a tie in the other.
- Routes interact only through the first notice, so each route is first played alone: its
  start, the first gate that fails, the first `dies_on` event that kills it, its deposit.
  The notice is then the earliest deposit (ties: the route listed first), and every other
  route still in the race at that instant is superseded.
- The DES order at one instant becomes the direction of each comparison: an event at the
  same time as a gate or a deposit comes first (so `<=`), a gate before a deposit, a
  notice taking effect before a revocation or a ruling (so these need `<` the effective
  time), a revocation before a ruling, and among events at one instant the one listed first
  in `events`, among rulings the challenge listed first.

Nothing here creates a Python object per trial: statuses and names are small integer codes,
turned into strings by indexing one small array of names per column.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.draws import (
    NOTICE_PERIOD,
    Draws,
    challenge_name,
    dies_on_name,
    gate_name,
    hazard_day_name,
    notice_within_name,
    revocation_name,
)
from sim.language.model import Route, Scenario, uses_extensions
from sim.language.values import Constant, Value
from sim.outcomes import GateResult, Outcome, RouteStatus, Ruling
from sim.trial_table import _dates, categories

INF = np.inf

# route status codes, indexes into _STATUS
NOT_STARTED, ACTIVE, FAILED, DIED, SUPERSEDED, DEPOSITED = range(6)
_STATUS = np.array(
    [
        RouteStatus.NOT_STARTED.value,
        RouteStatus.ACTIVE.value,
        RouteStatus.FAILED.value,
        RouteStatus.DIED.value,
        RouteStatus.SUPERSEDED.value,
        RouteStatus.DEPOSITED.value,
    ],
    dtype=object,
)
_OUTCOME = np.array([o.value for o in Outcome], dtype=object)
_OUTCOME_CODE = {o: i for i, o in enumerate(Outcome)}
_GATE = np.array([None, GateResult.PASSED.value, GateResult.FAILED.value], dtype=object)
_RULING = np.array(
    [None, Ruling.VOIDS_NOTICE.value, Ruling.DISMISSED.value, Ruling.UPHELD.value], dtype=object
)


def add_months(start: dt.date, t: np.ndarray, months: int, end: float) -> np.ndarray:
    """`sim.language.durations.add_months` elementwise, for times before `end` (later ones
    never matter to a trial and become inf): the same day `months` later, month ends
    clipped, the fraction of the day kept, in the same float operations."""
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
    """Why this engine cannot run `scenario`, or None. The core language is vectorised; the
    extended constructs (`uses_extensions`) run on the DES engine until this module handles
    them and the agreement tests cover them."""
    used = uses_extensions(scenario)
    return f"it uses {', '.join(used)}" if used else None


class _Slice:
    """The draws of a slice, read by name as arrays (constants broadcast)."""

    def __init__(self, scenario: Scenario, draws: Draws) -> None:
        self.s = scenario
        self.d = draws
        self.n = draws.n
        self.end = scenario.end

    def col(self, name: str) -> np.ndarray:
        found = self.d.columns.get(name)
        if found is not None:
            return found
        return np.full(self.n, float(self.d.constants[name]))

    def coin(self, name: str) -> np.ndarray:
        return self.col(f"{name}.u") < self.col(f"{name}.p")

    def after(self, t: np.ndarray, duration: Value, name: str) -> np.ndarray:
        """`Scenario.after` elementwise."""
        if isinstance(duration, Constant) and duration.months is not None:
            return add_months(self.s.start, t, duration.months, self.end)
        found = self.d.columns.get(name)
        return t + (found if found is not None else float(self.d.constants[name]))


class _Alone:
    """One route played alone: what happens to it if no other route files first."""

    def __init__(self, x: _Slice, route: Route, times: dict[str, np.ndarray]) -> None:
        n, end = x.n, x.end
        events = list(x.s.events)
        self.start = np.zeros(n) if route.trigger is None else times[route.trigger]
        self.started = self.start < end
        # dies at the instant it starts, by the first of its dies_on (in their order) that acts
        self.dead_at_start = np.zeros(n, dtype=bool)
        self.start_killer = np.full(n, -1)
        # dies later, by the earliest event after its start (ties: the event listed first)
        self.kill = np.full(n, INF)
        self.killer = np.full(n, -1)
        coins = {e.event: x.coin(dies_on_name(route.name, e.event)) for e in route.dies_on}
        for effect in route.dies_on:
            now = self.started & ~self.dead_at_start & (times[effect.event] == self.start)
            now &= coins[effect.event]
            self.dead_at_start |= now
            self.start_killer[now] = events.index(effect.event)
        for effect in sorted(route.dies_on, key=lambda e: events.index(e.event)):
            t = times[effect.event]
            hit = (t > self.start) & (t < self.kill) & coins[effect.event]
            self.kill[hit] = t[hit]
            self.killer[hit] = events.index(effect.event)
        # gates: times as the DES engine sums them; the first gate that fails
        t = np.where(self.started, self.start, INF)
        self.gate_times: list[np.ndarray] = []
        self.passes: list[np.ndarray] = []
        for gate in route.gates:
            g = gate_name(route.name, gate.name)
            t = x.after(t, gate.delay, f"{g}.delay")
            self.gate_times.append(t)
            if gate.votes is not None:
                self.passes.append(x.col(f"{g}.ayes") >= gate.votes.needed)
            else:
                self.passes.append(x.coin(g))
        self.deposit = x.after(t, route.notice_within, notice_within_name(route.name))
        self.failing = np.full(n, len(route.gates))  # index of the first failing gate
        for k in reversed(range(len(route.gates))):
            self.failing[~self.passes[k]] = k
        fail_time = np.full(n, INF)
        for k, g in enumerate(self.gate_times):
            here = self.failing == k
            fail_time[here] = g[here]
        fails = self.failing < len(route.gates)
        natural = np.where(fails, fail_time, self.deposit)  # when it stops if nothing kills it
        # alone, it ends in one of these (an event at the same instant comes first: `<=`)
        alive = self.started & ~self.dead_at_start
        self.dies = alive & np.isfinite(self.kill) & (self.kill <= natural)
        self.fails = alive & ~self.dies & fails & (fail_time < end)
        self.fail_time = fail_time
        self.deposits = alive & ~self.dies & ~fails & (self.deposit < end)


def run_block(scenario: Scenario, draws: Draws) -> pd.DataFrame:
    """The trial table of a slice of trials (the columns of `sim.trial_table.frame`)."""
    x = _Slice(scenario, draws)
    s, n, end = scenario, draws.n, scenario.end
    event_names = list(s.events)
    route_names = list(s.routes)
    times: dict[str, np.ndarray] = {}
    for event in s.events.values():
        t = (
            np.full(n, float(event.day))
            if event.day is not None
            else x.col(hazard_day_name(event.name))
        )
        times[event.name] = np.where(t < end, t, INF)  # inf: it never happens

    alone = [_Alone(x, route, times) for route in s.routes.values()]

    # the notice: the earliest deposit, the route listed first on a tie
    notice = np.full(n, INF)
    winner = np.full(n, -1)
    for i, a in enumerate(alone):
        first = a.deposits & (a.deposit < notice)
        notice[first] = a.deposit[first]
        winner[first] = i
    has_notice = winner >= 0

    cols: dict[str, object] = {
        "trial": np.arange(draws.first_trial, draws.first_trial + n, dtype=np.int64)
    }
    route_cols: dict[str, object] = {}
    statuses: list[np.ndarray] = []
    voided_at = np.full(n, INF)  # the first voiding ruling, revocations aside
    voider = np.full(n, -1)  # index into voiders
    voiders: list[str] = []  # every "route.challenge"
    for i, (route, a) in enumerate(zip(s.routes.values(), alone, strict=True)):
        status = np.full(n, NOT_STARTED)
        status[a.started] = ACTIVE
        end_day = np.full(n, np.nan)
        # stopped_by codes: 1 + gate index, or 1 + gates + event index, or ... + route index
        n_gates = len(route.gates)
        by = np.zeros(n, dtype=np.int64)
        died_at_start = a.dead_at_start
        status[died_at_start] = DIED
        end_day[died_at_start] = a.start[died_at_start]
        by[died_at_start] = 1 + n_gates + a.start_killer[died_at_start]
        status[a.dies] = DIED
        end_day[a.dies] = a.kill[a.dies]
        by[a.dies] = 1 + n_gates + a.killer[a.dies]
        status[a.fails] = FAILED
        end_day[a.fails] = a.fail_time[a.fails]
        by[a.fails] = 1 + a.failing[a.fails]
        # another route's notice: a route still in the race at that instant is superseded
        stop_time = np.where(died_at_start, a.start, np.where(a.dies, a.kill, INF))
        stop_time = np.where(a.fails, a.fail_time, stop_time)
        kept = (status == DIED) | (status == FAILED)
        lost = has_notice & (winner != i) & ~(kept & (stop_time <= notice))
        status[lost] = SUPERSEDED
        end_day[lost] = notice[lost]
        by[lost] = 1 + n_gates + len(event_names) + winner[lost]
        won = winner == i
        status[won] = DEPOSITED
        end_day[won] = notice[won]
        by[won] = 0
        horizon = np.where(has_notice, notice, INF)
        start_day = np.where(a.started & (a.start <= horizon), a.start, np.nan)

        names = np.array(
            [None, *(g.name for g in route.gates), *event_names, *route_names], dtype=object
        )
        base = f"route.{route.name}"
        route_cols[f"{base}.status"] = (status, _STATUS)
        route_cols[f"{base}.stopped_by"] = (by, names)
        route_cols[f"{base}.start_day"] = start_day
        route_cols[f"{base}.end_day"] = end_day
        statuses.append(status)
        alive = a.started & ~died_at_start
        limit = np.minimum(a.kill, np.full(n, end))
        passed = np.zeros(n, dtype=np.int64)
        gate_cols: dict[str, object] = {}
        for k, gate in enumerate(route.gates):
            g = a.gate_times[k]
            resolved = alive & (a.failing >= k) & (g < limit) & (g <= horizon)
            ok = resolved & a.passes[k]
            passed += ok
            result = np.where(resolved, np.where(a.passes[k], 1, 2), 0)
            key = f"gate.{route.name}.{gate.name}"
            gate_cols[f"{key}.result"] = (result, _GATE)
            gate_cols[f"{key}.day"] = np.where(resolved, g, np.nan)
        route_cols[f"{base}.gates_passed"] = passed
        route_cols.update(gate_cols)
        rulings, void_at, void_by = _challenges(x, route, won, notice)
        route_cols.update(rulings)
        voided_at = np.where(won, void_at, voided_at)
        voider = np.where(won & (void_by >= 0), len(voiders) + void_by, voider)
        voiders += [f"{route.name}.{ch.name}" for ch in route.challenges]

    # the notice after its deposit: takes effect, or is revoked or voided first
    d_star = np.where(has_notice, notice, INF)
    effective = x.after(d_star, s.treaty.notice_period, NOTICE_PERIOD)
    effective = np.where(has_notice, effective, np.nan)
    eff = np.where(has_notice, effective, -INF)
    revoked_at = np.full(n, INF)
    revoker = np.full(n, -1)
    for effect in sorted(s.revoked_by, key=lambda e: event_names.index(e.event)):
        t = times[effect.event]
        hit = (t > d_star) & (t < eff) & (t < revoked_at) & x.coin(revocation_name(effect.event))
        revoked_at[hit] = t[hit]
        revoker[hit] = event_names.index(effect.event)
    # a ruling is computed above without revocations; one at or after a revocation is void
    revoked = np.isfinite(revoked_at) & (revoked_at <= voided_at)
    voided = np.isfinite(voided_at) & ~revoked
    for key in [k for k in route_cols if k.endswith(".ruling")]:
        day_key = key[: -len(".ruling")] + ".day"
        late = revoked & (route_cols[day_key] >= revoked_at)  # type: ignore[operator]
        if late.any():
            code, names = route_cols[key]  # type: ignore[misc]
            route_cols[key] = (np.where(late, 0, code), names)
            route_cols[day_key] = np.where(late, np.nan, route_cols[day_key])  # type: ignore[call-overload]
    exited = has_notice & ~revoked & ~voided & (effective < end)

    outcome = np.full(n, _OUTCOME_CODE[Outcome.NO_MOVE])
    stopped = np.ones(n, dtype=bool)
    for status in statuses:
        stopped &= (status == FAILED) | (status == DIED)
    outcome[stopped] = _OUTCOME_CODE[Outcome.BLOCKED]
    outcome[has_notice] = _OUTCOME_CODE[Outcome.NOTICE_PENDING]
    outcome[revoked] = _OUTCOME_CODE[Outcome.REVOKED]
    outcome[voided] = _OUTCOME_CODE[Outcome.VOIDED]
    outcome[exited] = _OUTCOME_CODE[Outcome.EXITED]

    route_of = np.array([*route_names, None], dtype=object)
    ended_names = np.array([None, *event_names, *voiders], dtype=object)
    ended = np.zeros(n, dtype=np.int64)
    ended[revoked] = 1 + revoker[revoked]
    ended[voided] = 1 + len(event_names) + voider[voided]

    cols["outcome"] = (outcome, _OUTCOME)
    cols["route"] = (winner, route_of)
    cols["notice_day"] = np.where(has_notice, notice, np.nan)
    cols["effective_day"] = effective
    cols["exit_day"] = np.where(exited, effective, np.nan)
    for key in ("notice", "effective", "exit"):
        cols[f"{key}_date"] = _dates(s, cols[f"{key}_day"])  # type: ignore[arg-type]
    cols["ended_by"] = (ended, ended_names)
    cols["ended_day"] = np.where(revoked, revoked_at, np.where(voided, voided_at, np.nan))
    cols.update(route_cols)
    for name, values in draws.columns.items():
        cols[f"draw.{name}"] = values
    for name, cats in categories(s).items():
        codes, names = cols[name]  # type: ignore[misc]
        cols[name] = _categorical(codes, names, cats)
    return pd.DataFrame(cols, copy=False)


def _categorical(codes: np.ndarray, names: np.ndarray, categories: list[str]) -> pd.Categorical:
    """Column values `names[codes]` (None: missing) as a categorical with fixed categories."""
    index = {c: i for i, c in enumerate(categories)}
    lookup = np.array([-1 if v is None else index[v] for v in names], dtype=np.int64)
    return pd.Categorical.from_codes(lookup[codes], categories=categories)


def _challenges(
    x: _Slice, route: Route, won: np.ndarray, notice: np.ndarray
) -> tuple[dict[str, object], np.ndarray, np.ndarray]:
    """Rulings on the notice of `route` (where it won) before it takes effect, revocations
    aside (the caller applies them), and the time and index of the first voiding ruling."""
    s, n, end = x.s, x.n, x.end
    out: dict[str, object] = {}
    d_star = np.where(won, notice, INF)
    effective = x.after(d_star, s.treaty.notice_period, NOTICE_PERIOD)
    rulings = []
    void_at = np.full(n, INF)
    void_by = np.full(n, -1)
    for c, ch in enumerate(route.challenges):
        name = challenge_name(route.name, ch.name)
        day = x.after(d_star, ch.delay, f"{name}.delay")
        u = x.col(f"{name}.u")
        code = np.where(u < ch.voids_notice, 1, np.where(u < ch.voids_notice + ch.dismissed, 2, 3))
        pending = won & (day < end) & (day < effective)
        voids = pending & (code == 1) & (day < void_at)
        void_at[voids] = day[voids]
        void_by[voids] = c
        rulings.append((ch, day, code, pending))
    for c, (ch, day, code, pending) in enumerate(rulings):
        # before the first void, or at its instant but listed no later than it
        happens = pending & ((day < void_at) | ((day == void_at) & (c <= void_by)))
        key = f"challenge.{route.name}.{ch.name}"
        out[f"{key}.ruling"] = (np.where(happens, code, 0), _RULING)
        out[f"{key}.day"] = np.where(happens, day, np.nan)
    return out, void_at, void_by
