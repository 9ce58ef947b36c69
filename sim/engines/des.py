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
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import Enum
from typing import Any

import simpy

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
from sim.language.durations import DAYS_PER_YEAR
from sim.language.model import (
    MOMENTS,
    NOTICE_DEPOSITED,
    Challenge,
    Effect,
    Event,
    Gate,
    Route,
    Scenario,
)
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

TAKES_EFFECT = -3
EVENT = -2
GATE = 2
RULING = 3
DEPOSIT = 10  # + the route's index in the scenario


class _Clock(simpy.Environment):
    """A simpy Environment that also schedules at an absolute time with any priority.

    Times are computed once, as sums of draws, and used as they are: scheduling by
    `now + (t - now)` could move a time by a rounding error and break an exact tie.
    """

    def at(self, time: float, priority: int) -> simpy.Event:
        event = simpy.Event(self)
        event._ok = True
        event._value = None
        heapq.heappush(self._queue, (time, priority, next(self._eid), event))
        return event


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


class Trial:
    """One trial of a scenario, driven by its draws."""

    def __init__(
        self, scenario: Scenario, draws: dict[str, float], narrate: Narrator | None = None
    ) -> None:
        self.s = scenario
        self.d = draws
        self.narrate = narrate
        self.env = _Clock()
        self.end = scenario.end
        self.happened_at: dict[str, float] = {}
        self.happened = {name: self.env.event() for name in (*scenario.events, *MOMENTS)}
        self.routes = {name: RouteRecord() for name in scenario.routes}
        self.rulings = {
            f"{r.name}.{c.name}": ChallengeRecord()
            for r in scenario.routes.values()
            for c in r.challenges
        }
        self.notice: _Notice | None = None

    # -- plumbing -------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        if self.narrate is not None:
            self.narrate(self.env.now, text)

    def _at(self, time: float, priority: int) -> simpy.Event:
        """An event at `time`; one at or past the end of the horizon date never comes."""
        if time >= self.end:
            return self.env.event()
        return self.env.at(time, priority)

    def _coin(self, name: str) -> bool:
        return self.d[f"{name}.u"] < self.d[f"{name}.p"]

    # -- events ---------------------------------------------------------------------------

    def event_clock(self, event: Event) -> Generator[simpy.Event, Any, None]:
        """A dated event on its date; a hazard event at its drawn time; never past the end."""
        if not (event.day is not None or event.is_plain_hazard):
            yield from self.hazard_clock(event)
            return
        day = float(event.day) if event.day is not None else self.d[hazard_day_name(event.name)]
        yield self._at(day, EVENT)
        self.happen(event.name)

    def hazard_clock(self, event: Event) -> Generator[simpy.Event, Any, None]:
        """A hazard that starts `after` an event, or whose rate changes: it happens when the
        cumulative hazard since its clock started reaches its unit exponential draw."""
        if event.after is not None:
            yield self.happened[event.after]
            self._say(f"the hazard clock of {event.name} starts ({event.after})")
        exposure = self.d[hazard_exposure_name(event.name)]  # in units of rate x years
        since = self.env.now
        while True:
            rate = self._rate(event, self.env.now)
            hit = since + DAYS_PER_YEAR * exposure / rate if rate > 0 else math.inf
            waits = [self._at(hit, EVENT)] if hit < self.end else []
            for change in event.rate_changes:
                if change.day is not None and change.day > self.env.now:
                    waits.append(self._at(float(change.day), EVENT))
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
            self._say(f"the hazard of {event.name} is now {self._rate(event, since):g} a year")

    def _rate(self, event: Event, t: float) -> float:
        """The rate in force at t: that of the latest change already come (ties: the one
        listed last), else the event's own `hazard_per_year`."""
        latest: tuple[float, int] | None = None
        rate = self.d[hazard_rate_name(event.name)]
        for i, change in enumerate(event.rate_changes):
            when = (
                float(change.day)
                if change.day is not None
                else self.happened_at.get(change.event or "", math.inf)
            )
            if when <= t and (latest is None or (when, i) >= latest):
                latest = (when, i)
                rate = self.d[rate_change_name(event.name, change.key)]
        return rate

    def happen(self, name: str) -> None:
        self.happened_at[name] = self.env.now
        self._say(f"event {name} happens")
        for route in self.s.routes.values():
            for effect in route.dies_on:
                if effect.event == name and self._exposed(route, effect):
                    self._dies(route, effect)
        for effect in self.s.revoked_by:
            if effect.event == name:
                self._revokes(effect)
        self.happened[name].succeed()

    def _exposed(self, route: Route, effect: Effect) -> bool:
        """An active route dies on the event unless its `until` gate has already passed."""
        record = self.routes[route.name]
        if record.status is not RouteStatus.ACTIVE:
            return False
        if effect.until is None:
            return True
        gate = record.gates.get(effect.until)
        if gate is not None and gate.result is GateResult.PASSED:
            self._say(f"route {route.name} outlives {effect.event}: {effect.until} has passed")
            return False
        return True

    def _dies(self, route: Route, effect: Effect) -> bool:
        name = dies_on_name(route.name, effect.event)
        if self._coin(name):
            self._stop(route.name, RouteStatus.DIED, effect.event)
            return True
        self._say(
            f"route {route.name} survives {effect.event} "
            f"(draw {self.d[f'{name}.u']:.4f} against p = {self.d[f'{name}.p']:.4g})"
        )
        return False

    def _revokes(self, effect: Effect) -> None:
        notice = self.notice
        if notice is None or notice.state is not _State.PENDING:
            return
        name = revocation_name(effect.event)
        coin = f"draw {self.d[f'{name}.u']:.4f} against p = {self.d[f'{name}.p']:.4g}"
        if self._coin(name):
            notice.state = _State.REVOKED
            notice.ended_by, notice.ended_day = effect.event, self.env.now
            self._say(f"notice revoked at {effect.event} ({coin})")
        else:
            self._say(f"notice not revoked at {effect.event} ({coin})")

    # -- routes ---------------------------------------------------------------------------

    def _stop(self, route: str, status: RouteStatus, by: str | None) -> None:
        record = self.routes[route]
        record.status, record.stopped_by, record.end_day = status, by, self.env.now
        self._say(f"route {route} {status.value}" + (f" ({by})" if by else ""))

    def route(self, route: Route, index: int) -> Generator[simpy.Event, Any, None]:
        """Wait for the trigger, pass the gates in order, then deposit the notice."""
        record = self.routes[route.name]
        if route.trigger is not None:
            yield self.happened[route.trigger]
        if record.status is not RouteStatus.NOT_STARTED:
            return  # another route's notice came before the trigger
        record.status, record.start_day = RouteStatus.ACTIVE, self.env.now
        self._say(
            f"route {route.name} starts"
            + (f" ({route.trigger} happened)" if route.trigger is not None else "")
        )
        for effect in route.dies_on:
            if self.happened_at.get(effect.event) == self.env.now and self._dies(route, effect):
                return  # it starts at the very instant one of its dies_on events happens
        t = self.env.now
        for gate in route.gates:
            t = self.s.after(t, gate.delay, self.d[f"{gate_name(route.name, gate.name)}.delay"])
            yield self._at(t, GATE)
            if record.status is not RouteStatus.ACTIVE:
                return  # died or superseded while the gate was pending
            passes = self._passes(route, gate)
            if self.narrate is not None:
                verdict = "passes" if passes else "fails"
                self._say(
                    f"route {route.name} gate {gate.name}: {self._test(route, gate)}: {verdict}"
                )
            if not passes:
                record.gates[gate.name] = GateRecord(GateResult.FAILED, self.env.now)
                self._stop(route.name, RouteStatus.FAILED, gate.name)
                return
            record.gates[gate.name] = GateRecord(GateResult.PASSED, self.env.now)
            record.gates_passed += 1
        t = self.s.after(t, route.notice_within, self.d[notice_within_name(route.name)])
        earliest = self.s.treaty.earliest_notice_day
        if earliest is not None and t < earliest:
            self._say(
                f"route {route.name} waits for the earliest notice date, {self.s.date_of(earliest)}"
            )
            t = float(earliest)
        yield self._at(t, DEPOSIT + index)
        if record.status is RouteStatus.ACTIVE:
            self.deposit(route)

    def _test(self, route: Route, gate: Gate) -> str:
        """The draw against its threshold, for the narration."""
        name = gate_name(route.name, gate.name)
        if gate.votes is not None:
            return f"{self.d[f'{name}.ayes']:g} ayes, {gate.votes.needed} needed"
        return f"draw {self.d[f'{name}.u']:.4f} against p = {self.d[f'{name}.p']:.4g}"

    def _passes(self, route: Route, gate: Gate) -> bool:
        name = gate_name(route.name, gate.name)
        if gate.votes is not None:
            return self.d[f"{name}.ayes"] >= gate.votes.needed
        return self._coin(name)

    # -- the notice -----------------------------------------------------------------------

    def deposit(self, route: Route) -> None:
        """The first notice ends the race: every route still in it is superseded."""
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
        effective = self.s.after(counts_from, self.s.treaty.notice_period, self.d[NOTICE_PERIOD])
        self.notice = _Notice(route.name, now, effective)
        self._stop(route.name, RouteStatus.DEPOSITED, None)
        self._say(
            f"notice deposited by route {route.name}; it takes effect on "
            f"{self.s.date_of(effective)} unless revoked or voided first"
        )
        self.env.process(self.takes_effect(self.notice))
        for challenge in route.challenges:
            self.env.process(self.challenge(route, challenge, self.notice))
        self.happened_at[NOTICE_DEPOSITED] = now
        self.happened[NOTICE_DEPOSITED].succeed()

    def takes_effect(self, notice: _Notice) -> Generator[simpy.Event, Any, None]:
        yield self._at(notice.effective_day, TAKES_EFFECT)
        if notice.state is _State.PENDING:
            notice.state = _State.IN_EFFECT
            self._say("notice takes effect: the United States leaves the treaty")

    def challenge(
        self, route: Route, challenge: Challenge, notice: _Notice
    ) -> Generator[simpy.Event, Any, None]:
        """A lawsuit filed at the deposit; its ruling matters only while the notice pends."""
        name = challenge_name(route.name, challenge.name)
        ruling_day = self.s.after(notice.day, challenge.delay, self.d[f"{name}.delay"])
        yield self._at(ruling_day, RULING)
        if notice.state is not _State.PENDING:
            return
        u = self.d[f"{name}.u"]
        if u < challenge.voids_notice:
            ruling = Ruling.VOIDS_NOTICE
        elif u < challenge.voids_notice + challenge.dismissed:
            ruling = Ruling.DISMISSED
        else:
            ruling = Ruling.UPHELD
        key = f"{route.name}.{challenge.name}"
        self.rulings[key] = ChallengeRecord(ruling, self.env.now)
        self._say(
            f"ruling in {challenge.name}: {ruling.value} (draw {u:.4f}; voids below "
            f"{challenge.voids_notice:g}, dismissed below "
            f"{challenge.voids_notice + challenge.dismissed:g})"
        )
        if ruling is Ruling.VOIDS_NOTICE:
            if challenge.appeal is not None:
                self._say("the notice is void while the appeal runs")
            notice.state = _State.VOIDED
            notice.ended_by, notice.ended_day = key, self.env.now
            if challenge.appeal is not None:
                yield from self.appeal(route, challenge, notice)

    def appeal(
        self, route: Route, challenge: Challenge, notice: _Notice
    ) -> Generator[simpy.Event, Any, None]:
        """The voiding stands until the appeal is decided; a reversal strictly before the
        effective date restores the notice, which then takes effect on its original date."""
        assert challenge.appeal is not None
        name = appeal_name(route.name, challenge.name)
        key = f"{route.name}.{challenge.name}"
        day = self.s.after(self.env.now, challenge.appeal.delay, self.d[f"{name}.delay"])
        yield self._at(day, RULING)
        reverses = self.d[f"{name}.u"] < self.d[f"{name}.reverses"]
        result = AppealResult.REVERSES if reverses else AppealResult.AFFIRMS
        record = self.rulings[key]
        record.appeal, record.appeal_day = result, self.env.now
        self._say(
            f"appeal in {challenge.name}: {result.value} the voiding (draw "
            f"{self.d[f'{name}.u']:.4f} against reverses = {self.d[f'{name}.reverses']:.4g})"
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
        for event in self.s.events.values():  # first: events at t=0 precede route starts
            self.env.process(self.event_clock(event))
        for index, route in enumerate(self.s.routes.values()):
            self.env.process(self.route(route, index))
        self.env.run(until=self.end)
        return self.record()

    def record(self) -> TrialRecord:
        notice = self.notice
        rec = TrialRecord(Outcome.NO_MOVE, routes=self.routes, challenges=self.rulings)
        rec.event_days = {
            e.name: self.happened_at[e.name]
            for e in self.s.events.values()
            if e.hazard_per_year is not None
            and not e.is_plain_hazard
            and e.name in self.happened_at
        }
        if notice is None:
            stopped = (RouteStatus.FAILED, RouteStatus.DIED)
            if all(r.status in stopped for r in self.routes.values()):
                rec.outcome = Outcome.BLOCKED
            return rec
        rec.route, rec.notice_day, rec.effective_day = (
            notice.route,
            notice.day,
            notice.effective_day,
        )
        rec.ended_by, rec.ended_day = notice.ended_by, notice.ended_day
        if notice.state is _State.IN_EFFECT:
            rec.outcome, rec.exit_day = Outcome.EXITED, notice.effective_day
        else:
            rec.outcome = {
                _State.PENDING: Outcome.NOTICE_PENDING,
                _State.REVOKED: Outcome.REVOKED,
                _State.VOIDED: Outcome.VOIDED,
            }[notice.state]
        return rec


def run_trial(
    scenario: Scenario, draws: dict[str, float], narrate: Narrator | None = None
) -> TrialRecord:
    return Trial(scenario, draws, narrate).run()


def run_block(scenario: Scenario, draws: Draws) -> list[TrialRecord]:
    return [run_trial(scenario, row) for row in draws.rows()]
