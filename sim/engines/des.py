"""The reference semantics: one simpy simulation per trial, with processes that read like
the legal procedure they model (events happen, routes work through their gates, a notice is
deposited, challenged, revoked or takes effect).

Everything random comes from the trial's row of draws (`sim.draws`); this module decides
only what happens and in which order.

Order at one instant. simpy processes what is scheduled in order of (time, priority, id);
the priorities below make DESIGN.md's tie rules hold:

- a notice takes effect first, so a revocation or ruling must come strictly before it;
- then events happen: a bill whose last gate resolves on the day its Congress ends dies,
  and a revocation event at the deposit instant finds no notice yet to revoke;
- then routes triggered by those events start (simpy resumes a waiting process with
  priority 1), and a route that starts as one of its `dies_on` events happens dies;
- then gates resolve, then rulings and appeals, then deposits, the route listed first
  before later ones.

The extended language keeps these rules: a `dies_on` effect with `until: gate` acts at an
instant when that gate also resolves (events first, so the gate has not yet passed); a
hazard clock that starts `after` an event or the notice deposit starts at that instant; an
appeal that reverses at the effective date itself comes too late (the effect comes first).

Speed. A run plays every trial, so the plumbing is kept cheap without changing what happens
or in which order: what a trial reads is worked out once per scenario (`Plan`: the names of
the draws, who dies or is revoked on each event, which events a process waits for), one
Environment is reset for each trial of a block, an event nobody waits for succeeds no simpy
event, and a dated event is a scheduled callback rather than a process.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pandas as pd
import simpy
from simpy.core import EventPriority

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
from sim.language.durations import DAYS_PER_YEAR, add_months
from sim.language.model import (
    NOTICE_DEPOSITED,
    Challenge,
    Effect,
    Event,
    Gate,
    RateChange,
    Route,
    Scenario,
)
from sim.language.values import Constant, Value
from sim.outcomes import (
    AppealResult,
    ChallengeRecord,
    GateRecord,
    GateResult,
    Outcome,
    RouteRecord,
    RouteStatus,
    Ruling,
    TrialRecord,
)
from sim.trial_table import TableBuilder

TAKES_EFFECT = -3
EVENT = -2
GATE = 2
RULING = 3
DEPOSIT = 10  # + the route's index in the scenario


class _Clock(simpy.Environment):
    """A simpy Environment that also schedules at an absolute time with any priority, and
    is reset for the next trial rather than built again.

    Times are computed once, as sums of draws, and used as they are: scheduling by
    `now + (t - now)` could move a time by a rounding error and break an exact tie.
    """

    def __init__(self, end: float) -> None:
        super().__init__()
        self.end = end

    def at(
        self, time: float, priority: int, then: Callable[[simpy.Event], None] | None = None
    ) -> simpy.Event:
        """An event at `time` (`then`, if given, is called when it comes); one at or past
        the end of the horizon date never comes."""
        if time >= self.end:
            return simpy.Event(self)
        event = object.__new__(simpy.Event)  # as simpy.Event(self) makes one, triggered
        event.env = self
        event.callbacks = [] if then is None else [then]
        event._ok = True
        event._value = None
        heapq.heappush(self._queue, (time, priority, next(self._eid), event))
        return event

    def schedule(
        self, event: simpy.Event, priority: EventPriority = simpy.core.NORMAL, delay: float = 0
    ) -> None:
        # A process that ends is itself an event, which simpy schedules for whoever waits for
        # it; no one ever waits for a process here, so that step would do nothing. (One that
        # fails is still scheduled: running it raises the error.)
        if type(event) is simpy.Process and event._ok:
            return
        heapq.heappush(self._queue, (self._now + delay, priority, next(self._eid), event))

    def reset(self) -> None:
        """Time 0 and nothing scheduled, as a new Environment. (The ids that order what is
        scheduled for one instant go on counting: only their order matters.)"""
        self._now = 0
        self._queue.clear()
        self._active_proc = None

    def run_out(self) -> None:
        """Process everything scheduled, in order; the same as `run(until=end)` here, since
        nothing is ever scheduled at or past the end (`at`)."""
        queue = self._queue
        while queue:
            self._now, _, _, event = heapq.heappop(queue)
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:  # type: ignore[union-attr]
                callback(event)
            if not event._ok:  # a process raised: raise it here, as simpy's step does
                raise event._value


class _State(Enum):
    PENDING = "pending"
    IN_EFFECT = "in_effect"
    REVOKED = "revoked"
    VOIDED = "voided"


@dataclass
class _Notice:
    route: str
    day: float
    effective_day: float
    state: _State = _State.PENDING
    ended_by: str | None = None
    ended_day: float = math.nan


Narrator = Callable[[float, str], None]


Row = tuple[float, ...]  # a trial's draws: the block's columns, then its constants (`Plan.slot`)


# -- what every trial of a scenario reads, worked out once ----------------------------------


@dataclass(frozen=True)
class _Coin:
    """A chance: where its probability and its uniform are in a trial's row of draws."""

    p: int
    u: int


@dataclass(frozen=True)
class _Duration:
    """A duration as `Scenario.after` reads it: calendar months, or the drawn days at
    `slot` of a trial's row."""

    months: int | None
    slot: int


@dataclass(frozen=True)
class _Gate:
    gate: Gate
    delay: _Duration
    coin: _Coin | None  # a `p` gate's chance
    ayes: int | None  # a `votes` gate's ayes
    name: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.gate.name)


@dataclass(frozen=True)
class _Effect:
    effect: Effect
    coin: _Coin
    event: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "event", self.effect.event)


@dataclass(frozen=True)
class _Challenge:
    challenge: Challenge
    key: str  # `route.challenge`: its record and columns
    delay: _Duration
    u: int
    appeal_delay: _Duration | None
    appeal_reverses: int | None
    appeal_u: int | None


@dataclass(frozen=True)
class _Route:
    route: Route
    index: int
    gates: tuple[_Gate, ...]
    dies_on: tuple[_Effect, ...]
    notice_within: _Duration
    challenges: tuple[_Challenge, ...]
    name: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.route.name)


@dataclass(frozen=True)
class _Hazard:
    """A hazard event whose time the engine works out (an `after:` clock or rate changes)."""

    event: Event
    rate: int
    exposure: int
    changes: tuple[tuple[RateChange, int], ...]  # each change and its rate's draw


class Plan:
    """The parts of a scenario a trial reads, worked out once for all its trials, with where
    each draw is in a trial's row: the block's columns (`names`, in order), then its
    constants."""

    def __init__(self, scenario: Scenario, names: list[str]) -> None:
        self.scenario = scenario
        self.end = scenario.end
        self.slots = {name: i for i, name in enumerate(names)}
        self.routes = tuple(self._route(r, i) for i, r in enumerate(scenario.routes.values()))
        self.notice_period = self.duration(scenario.treaty.notice_period, NOTICE_PERIOD)
        self.hazards = {
            e.name: _Hazard(
                e,
                self.slot(hazard_rate_name(e.name)),
                self.slot(hazard_exposure_name(e.name)),
                tuple((c, self.slot(rate_change_name(e.name, c.key))) for c in e.rate_changes),
            )
            for e in scenario.events.values()
            if e.hazard_per_year is not None and not e.is_plain_hazard
        }
        self.drawn_days = {
            e.name: self.slot(hazard_day_name(e.name))
            for e in scenario.events.values()
            if e.is_plain_hazard
        }
        # who an event touches, in scenario order: the routes that may die on it
        self.dies_on: dict[str, list[tuple[_Route, _Effect]]] = {}
        for r in self.routes:
            for effect in r.dies_on:
                self.dies_on.setdefault(effect.event, []).append((r, effect))
        self.revoked_by: dict[str, list[_Effect]] = {}
        for e in scenario.revoked_by:
            effect = _Effect(e, self.coin(revocation_name(e.event)))
            self.revoked_by.setdefault(e.event, []).append(effect)
        # the events and moments some process waits for: only these need a simpy event
        awaited = [r.trigger for r in scenario.routes.values() if r.trigger is not None]
        for h in self.hazards.values():
            awaited += [h.event.after] if h.event.after is not None else []
            awaited += [c.event for c, _ in h.changes if c.event is not None]
        self.awaited = tuple(dict.fromkeys(awaited))
        self.rulings = tuple(c.key for r in self.routes for c in r.challenges)
        self.route_names = tuple(scenario.routes)

    def slot(self, name: str) -> int:
        return self.slots[name]

    def duration(self, value: Value, name: str) -> _Duration:
        months = value.months if isinstance(value, Constant) else None
        return _Duration(months, self.slot(name))

    def coin(self, prefix: str) -> _Coin:
        return _Coin(self.slot(f"{prefix}.p"), self.slot(f"{prefix}.u"))

    def _route(self, route: Route, index: int) -> _Route:
        gates = []
        for g in route.gates:
            name = gate_name(route.name, g.name)
            delay = self.duration(g.delay, f"{name}.delay")
            if g.votes is not None:
                gates.append(_Gate(g, delay, None, self.slot(f"{name}.ayes")))
            else:
                gates.append(_Gate(g, delay, self.coin(name), None))
        challenges = []
        for c in route.challenges:
            name, appeal = challenge_name(route.name, c.name), appeal_name(route.name, c.name)
            a = c.appeal is not None
            challenges.append(
                _Challenge(
                    c,
                    f"{route.name}.{c.name}",
                    self.duration(c.delay, f"{name}.delay"),
                    self.slot(f"{name}.u"),
                    self.duration(c.appeal.delay, f"{appeal}.delay") if c.appeal else None,
                    self.slot(f"{appeal}.reverses") if a else None,
                    self.slot(f"{appeal}.u") if a else None,
                )
            )
        dies_on = tuple(
            _Effect(e, self.coin(dies_on_name(route.name, e.event))) for e in route.dies_on
        )
        notice_within = self.duration(route.notice_within, notice_within_name(route.name))
        return _Route(route, index, tuple(gates), dies_on, notice_within, tuple(challenges))


class Trial:
    """One trial of a scenario, driven by its draws."""

    __slots__ = (
        "d",
        "end",
        "env",
        "happened",
        "happened_at",
        "narrate",
        "notice",
        "plan",
        "routes",
        "rulings",
        "s",
    )

    def __init__(
        self, plan: Plan, draws: Row, narrate: Narrator | None = None, clock: _Clock | None = None
    ) -> None:
        self.s = plan.scenario
        self.plan = plan
        self.d = draws
        self.narrate = narrate
        if clock is None:
            clock = _Clock(plan.end)
        else:
            clock.reset()
        self.env = clock
        self.end = plan.end
        self.happened_at: dict[str, float] = {}
        self.happened = {name: clock.event() for name in plan.awaited} if plan.awaited else {}
        self.routes = routes = {}
        for name in plan.route_names:  # (a loop: a comprehension costs a call)
            routes[name] = RouteRecord()
        self.rulings = {key: ChallengeRecord() for key in plan.rulings} if plan.rulings else {}
        self.notice: _Notice | None = None

    # -- plumbing -------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        if self.narrate is not None:
            self.narrate(self.env.now, text)

    def _after(self, t: float, duration: _Duration) -> float:
        """`Scenario.after` with this trial's draw: calendar months as such, else days."""
        if duration.months is not None:
            return add_months(self.s.start, t, duration.months)
        return t + self.d[duration.slot]

    def _coin(self, coin: _Coin) -> bool:
        return self.d[coin.u] < self.d[coin.p]

    def _draw_against(self, coin: _Coin) -> str:
        """The coin's draw against its probability, for the narration."""
        return f"draw {self.d[coin.u]:.4f} against p = {self.d[coin.p]:.4g}"

    # -- events ---------------------------------------------------------------------------

    def _day(self, event: Event) -> float:
        """The day of a dated event, or of a hazard drawn up front."""
        return (
            float(event.day) if event.day is not None else self.d[self.plan.drawn_days[event.name]]
        )

    def _on_its_day(self, event: Event) -> None:
        """A dated event (or a hazard whose time is drawn up front) happens on its day, if
        that comes before the end."""
        self.env.at(self._day(event), EVENT, lambda _: self.happen(event.name))

    def hazard_clock(self, hazard: _Hazard) -> Generator[simpy.Event, Any, None]:
        """A hazard that starts `after` an event, or whose rate changes: it happens when the
        cumulative hazard since its clock started reaches its unit exponential draw."""
        event = hazard.event
        if event.after is not None:
            yield self.happened[event.after]
            self._say(f"the hazard clock of {event.name} starts ({event.after})")
        exposure = self.d[hazard.exposure]  # in units of rate x years
        since = self.env.now
        while True:
            rate = self._rate(hazard, self.env.now)
            hit = since + DAYS_PER_YEAR * exposure / rate if rate > 0 else math.inf
            waits = [self.env.at(hit, EVENT)] if hit < self.end else []
            for change, _ in hazard.changes:
                if change.day is not None and change.day > self.env.now:
                    waits.append(self.env.at(float(change.day), EVENT))
                elif change.event is not None and change.event not in self.happened_at:
                    waits.append(self.happened[change.event])
            if not waits:
                return
            yield simpy.AnyOf(self.env, waits)
            if self.env.now >= hit:
                self.happen(event.name)
                return
            exposure = max(0.0, exposure - rate * (self.env.now - since) / DAYS_PER_YEAR)
            since = self.env.now
            self._say(f"the hazard of {event.name} is now {self._rate(hazard, since):g} a year")

    def _rate(self, hazard: _Hazard, t: float) -> float:
        """The rate in force at t: that of the latest change already come (ties: the one
        listed last), else the event's own `hazard_per_year`."""
        latest: tuple[float, int] | None = None
        rate = self.d[hazard.rate]
        for i, (change, drawn) in enumerate(hazard.changes):
            when = (
                float(change.day)
                if change.day is not None
                else self.happened_at.get(change.event or "", math.inf)
            )
            if when <= t and (latest is None or (when, i) >= latest):
                latest = (when, i)
                rate = self.d[drawn]
        return rate

    def happen(self, name: str) -> None:
        self.happened_at[name] = self.env.now
        if self.narrate is not None:
            self._say(f"event {name} happens")
        for route, effect in self.plan.dies_on.get(name, ()):
            if self._exposed(route, effect):
                self._dies(route, effect)
        for effect in self.plan.revoked_by.get(name, ()):
            self._revokes(effect)
        awaited = self.happened.get(name)
        if awaited is not None:
            awaited.succeed()

    def _exposed(self, route: _Route, effect: _Effect) -> bool:
        """An active route dies on the event unless its `until` gate has already passed."""
        record = self.routes[route.name]
        if record.status is not RouteStatus.ACTIVE:
            return False
        until = effect.effect.until
        if until is None:
            return True
        gate = record.gates.get(until)
        if gate is not None and gate.result is GateResult.PASSED:
            self._say(f"route {route.name} outlives {effect.event}: {until} has passed")
            return False
        return True

    def _dies(self, route: _Route, effect: _Effect) -> bool:
        if self._coin(effect.coin):
            self._stop(route.name, RouteStatus.DIED, effect.event)
            return True
        if self.narrate is not None:
            self._say(
                f"route {route.name} survives {effect.event} ({self._draw_against(effect.coin)})"
            )
        return False

    def _revokes(self, effect: _Effect) -> None:
        notice = self.notice
        if notice is None or notice.state is not _State.PENDING:
            return
        coin = self._draw_against(effect.coin)
        if self._coin(effect.coin):
            notice.state = _State.REVOKED
            notice.ended_by, notice.ended_day = effect.event, self.env.now
            self._say(f"notice revoked at {effect.event} ({coin})")
        else:
            self._say(f"notice not revoked at {effect.event} ({coin})")

    # -- routes ---------------------------------------------------------------------------

    def _stop(self, route: str, status: RouteStatus, by: str | None) -> None:
        record = self.routes[route]
        record.status, record.stopped_by, record.end_day = status, by, self.env.now
        if self.narrate is not None:
            self._say(f"route {route} {status.value}" + (f" ({by})" if by else ""))

    def route(self, plan: _Route) -> Generator[simpy.Event, Any, None]:
        """Wait for the trigger, pass the gates in order, then deposit the notice."""
        route = plan.route
        record = self.routes[route.name]
        if route.trigger is not None:
            yield self.happened[route.trigger]
        if record.status is not RouteStatus.NOT_STARTED:
            return  # another route's notice came before the trigger
        t = self.env.now
        record.status, record.start_day = RouteStatus.ACTIVE, t
        if self.narrate is not None:
            self._say(
                f"route {route.name} starts"
                + (f" ({route.trigger} happened)" if route.trigger is not None else "")
            )
        for effect in plan.dies_on:
            if self.happened_at.get(effect.event) == t and self._dies(plan, effect):
                return  # it starts at the very instant one of its dies_on events happens
        for gate in plan.gates:  # each resolves at t, its delay after the one before
            t = self._after(t, gate.delay)
            yield self.env.at(t, GATE)
            if record.status is not RouteStatus.ACTIVE:
                return  # died or superseded while the gate was pending
            passes = self._passes(gate)
            if self.narrate is not None:
                verdict = "passes" if passes else "fails"
                self._say(f"route {route.name} gate {gate.name}: {self._test(gate)}: {verdict}")
            if not passes:
                record.gates[gate.name] = GateRecord(GateResult.FAILED, t)
                self._stop(route.name, RouteStatus.FAILED, gate.name)
                return
            record.gates[gate.name] = GateRecord(GateResult.PASSED, t)
            record.gates_passed += 1
        t = self._after(t, plan.notice_within)
        earliest = self.s.treaty.earliest_notice_day
        if earliest is not None and t < earliest:
            self._say(
                f"route {route.name} waits for the earliest notice date, {self.s.date_of(earliest)}"
            )
            t = float(earliest)
        yield self.env.at(t, DEPOSIT + plan.index)
        if record.status is RouteStatus.ACTIVE:
            self.deposit(plan)

    def _test(self, gate: _Gate) -> str:
        """The draw against its threshold, for the narration."""
        votes = gate.gate.votes
        if votes is not None:
            assert gate.ayes is not None
            return f"{self.d[gate.ayes]:g} ayes, {votes.needed} needed"
        assert gate.coin is not None
        return self._draw_against(gate.coin)

    def _passes(self, gate: _Gate) -> bool:
        votes = gate.gate.votes
        if votes is not None:
            assert gate.ayes is not None
            return self.d[gate.ayes] >= votes.needed
        assert gate.coin is not None
        return self.d[gate.coin.u] < self.d[gate.coin.p]  # `_coin`, inlined

    # -- the notice -----------------------------------------------------------------------

    def deposit(self, plan: _Route) -> None:
        """The first notice ends the race: every route still in it is superseded."""
        route = plan.route
        now = self.env.now
        for name, record in self.routes.items():
            if name != route.name and record.status in (
                RouteStatus.NOT_STARTED,
                RouteStatus.ACTIVE,
            ):
                self._stop(name, RouteStatus.SUPERSEDED, route.name)
        counts_from = now
        if route.effective_as_of_day is not None:
            counts_from = max(now, float(route.effective_as_of_day))
        effective = self._after(counts_from, self.plan.notice_period)
        self.notice = _Notice(route.name, now, effective)
        self._stop(route.name, RouteStatus.DEPOSITED, None)
        if self.narrate is not None:
            self._say(
                f"notice deposited by route {route.name}; it takes effect on "
                f"{self.s.date_of(effective)} unless revoked or voided first"
            )
        notice = self.notice
        self.env.at(effective, TAKES_EFFECT, lambda _: self.takes_effect(notice))
        for challenge in plan.challenges:
            self.env.process(self.challenge(challenge, self.notice))
        self.happened_at[NOTICE_DEPOSITED] = now
        awaited = self.happened.get(NOTICE_DEPOSITED)
        if awaited is not None:
            awaited.succeed()

    def takes_effect(self, notice: _Notice) -> None:
        """On its effective date, before anything else that day."""
        if notice.state is _State.PENDING:
            notice.state = _State.IN_EFFECT
            self._say("notice takes effect: the United States leaves the treaty")

    def challenge(self, plan: _Challenge, notice: _Notice) -> Generator[simpy.Event, Any, None]:
        """A lawsuit filed at the deposit; its ruling matters only while the notice pends."""
        challenge = plan.challenge
        ruling_day = self._after(notice.day, plan.delay)
        yield self.env.at(ruling_day, RULING)
        if notice.state is not _State.PENDING:
            return
        u = self.d[plan.u]
        if u < challenge.voids_notice:
            ruling = Ruling.VOIDS_NOTICE
        elif u < challenge.voids_notice + challenge.dismissed:
            ruling = Ruling.DISMISSED
        else:
            ruling = Ruling.UPHELD
        self.rulings[plan.key] = ChallengeRecord(ruling, self.env.now)
        self._say(
            f"ruling in {challenge.name}: {ruling.value} (draw {u:.4f}; voids below "
            f"{challenge.voids_notice:g}, dismissed below "
            f"{challenge.voids_notice + challenge.dismissed:g})"
        )
        if ruling is Ruling.VOIDS_NOTICE:
            if challenge.appeal is not None:
                self._say("the notice is void while the appeal runs")
            notice.state = _State.VOIDED
            notice.ended_by, notice.ended_day = plan.key, self.env.now
            if challenge.appeal is not None:
                yield from self.appeal(plan, notice)

    def appeal(self, plan: _Challenge, notice: _Notice) -> Generator[simpy.Event, Any, None]:
        """The voiding stands until the appeal is decided; a reversal strictly before the
        effective date restores the notice, which then takes effect on its original date."""
        challenge = plan.challenge
        assert challenge.appeal is not None
        assert plan.appeal_delay is not None and plan.appeal_u is not None
        assert plan.appeal_reverses is not None
        key = plan.key
        day = self._after(self.env.now, plan.appeal_delay)
        yield self.env.at(day, RULING)
        reverses = self.d[plan.appeal_u] < self.d[plan.appeal_reverses]
        result = AppealResult.REVERSES if reverses else AppealResult.AFFIRMS
        record = self.rulings[key]
        record.appeal, record.appeal_day = result, self.env.now
        self._say(
            f"appeal in {challenge.name}: {result.value} the voiding (draw "
            f"{self.d[plan.appeal_u]:.4f} against reverses = {self.d[plan.appeal_reverses]:.4g})"
        )
        if reverses and notice.state is _State.VOIDED and notice.ended_by == key:
            if self.env.now < notice.effective_day:
                notice.state = _State.PENDING
                notice.ended_by, notice.ended_day = None, math.nan
                self._say("the notice stands again")
            else:
                self._say("too late: the effective date has passed")

    # -- the trial ------------------------------------------------------------------------

    def run(self) -> TrialRecord:
        # first: events at t=0 precede route starts. Each event's clock starts in scenario
        # order, as a process's first step would (at t=0, before any route's). Until the first
        # hazard clock, which is a process, a dated event is simply scheduled: nothing runs
        # before it that could tell the difference.
        clocks_started = False
        for event in self.s.events.values():
            if event.name in self.plan.hazards:
                clocks_started = True
                self.env.process(self.hazard_clock(self.plan.hazards[event.name]))
            elif not clocks_started:
                self._on_its_day(event)
            else:  # after a hazard clock's start: this one's start must come after it
                self.env.at(0, simpy.core.URGENT, lambda _, e=event: self._on_its_day(e))
        for route in self.plan.routes:
            self.env.process(self.route(route))
        self.env.run_out()
        return self.record()

    def record(self) -> TrialRecord:
        notice = self.notice
        hazards, happened_at = self.plan.hazards, self.happened_at
        event_days = {e: happened_at[e] for e in hazards if e in happened_at} if hazards else {}
        if notice is None:
            outcome = Outcome.BLOCKED  # unless some route is still in the race
            for r in self.routes.values():
                if r.status is not RouteStatus.FAILED and r.status is not RouteStatus.DIED:
                    outcome = Outcome.NO_MOVE
                    break
            return TrialRecord(
                outcome, routes=self.routes, challenges=self.rulings, event_days=event_days
            )
        if notice.state is _State.IN_EFFECT:
            outcome, exit_day = Outcome.EXITED, notice.effective_day
        elif notice.state is _State.PENDING:
            outcome, exit_day = Outcome.NOTICE_PENDING, math.nan
        elif notice.state is _State.REVOKED:
            outcome, exit_day = Outcome.REVOKED, math.nan
        else:
            outcome, exit_day = Outcome.VOIDED, math.nan
        return TrialRecord(
            outcome,
            notice.route,
            notice.day,
            notice.effective_day,
            exit_day,
            notice.ended_by,
            notice.ended_day,
            self.routes,
            self.rulings,
            event_days,
        )


def rows(draws: Draws) -> Iterator[Row]:
    """Each trial's row of draws in turn: its value of every column, then the constants
    (made as they are needed: a list of them all would only give the garbage collector
    more to look through)."""
    constants = tuple(draws.constants.values())
    if not draws.columns:  # nothing random: every trial is the same, but there are n of them
        yield from itertools.repeat(constants, draws.n)
        return
    columns = [values.tolist() for values in draws.columns.values()]
    for values in zip(*columns, strict=True):
        yield values + constants


def plan(scenario: Scenario, draws: Draws) -> Plan:
    return Plan(scenario, [*draws.columns, *draws.constants])


def run_trial(
    scenario: Scenario, draws: Draws, i: int, narrate: Narrator | None = None
) -> TrialRecord:
    """Trial `i` of the block `draws` (`narrate`, if given, hears what happens)."""
    row = tuple(float(v[i]) for v in draws.columns.values()) + tuple(draws.constants.values())
    return Trial(plan(scenario, draws), row, narrate).run()


def run_block(scenario: Scenario, draws: Draws) -> list[TrialRecord]:
    """Every trial of the block, in order (one Environment, reset for each)."""
    p, clock = plan(scenario, draws), _Clock(scenario.end)
    return [Trial(p, row, clock=clock).run() for row in rows(draws)]


def table(scenario: Scenario, draws: Draws) -> pd.DataFrame:
    """The trial table of the block (`sim.trial_table.frame` of `run_block`, without keeping
    every record until the end)."""
    p, clock, out = plan(scenario, draws), _Clock(scenario.end), TableBuilder(scenario, draws)
    for row in rows(draws):
        out.add(Trial(p, row, clock=clock).run())
    return out.frame()
