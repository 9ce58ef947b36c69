"""The validated scenario: what the engines read. Every name is resolved, every value is a
`Value`, every date is a day number. Nothing here can be malformed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sim.language.durations import add_months, date_of
from sim.language.errors import ScenarioWarning
from sim.language.values import Constant, Value

# The run's own moments, which a hazard's `after:` or a rate change's `at:` may name like
# events; no event may take these names.
NOTICE_DEPOSITED = "notice_deposited"
MOMENTS = (NOTICE_DEPOSITED,)


@dataclass(frozen=True)
class RateChange:
    """From `at` on (an event or moment, or the fixed day `day`) the hazard runs at `rate`."""

    rate: Value
    event: str | None = None
    day: int | None = None  # days after start, for a dated change
    date: dt.date | None = None

    @property
    def key(self) -> str:
        """What names this change's draw: the event, or the date."""
        return self.event if self.event is not None else str(self.date)


@dataclass(frozen=True)
class Event:
    """Happens at most once in a trial: on its date, or at an exponential time."""

    name: str
    date: dt.date | None = None
    day: int | None = None  # days after start, for a dated event
    hazard_per_year: Value | None = None
    source: str | None = None
    after: str | None = None  # the hazard clock starts at this event or moment
    rate_changes: tuple[RateChange, ...] = ()

    @property
    def is_plain_hazard(self) -> bool:
        """A hazard at one rate from `start`: its day is drawn up front."""
        return self.hazard_per_year is not None and self.after is None and not self.rate_changes


@dataclass(frozen=True)
class Effect:
    """An event that, with probability `p`, ends a route (`dies_on`) or revokes the notice."""

    event: str
    p: Value
    until: str | None = None  # dies_on: only while this gate of the route has not passed


@dataclass(frozen=True)
class Votes:
    needed: int
    ayes: Value
    source: str | None = None


@dataclass(frozen=True)
class Gate:
    name: str
    delay: Value
    p: Value | None = None
    votes: Votes | None = None


@dataclass(frozen=True)
class Appeal:
    """A higher court's decision on a voiding ruling, `delay` after it."""

    delay: Value
    reverses: Value
    source: str | None = None


@dataclass(frozen=True)
class Challenge:
    """A lawsuit against the notice; its ruling comes `delay` after the deposit."""

    name: str
    delay: Value
    voids_notice: float
    dismissed: float
    upheld: float
    source: str | None = None
    appeal: Appeal | None = None


@dataclass(frozen=True)
class Route:
    name: str
    trigger: str | None  # None: the route starts at `start`; else after this event
    gates: tuple[Gate, ...]
    dies_on: tuple[Effect, ...]
    notice_within: Value
    challenges: tuple[Challenge, ...] = ()
    effective_as_of: dt.date | None = None
    effective_as_of_day: int | None = None  # days after start (may be negative)


@dataclass(frozen=True)
class Treaty:
    name: str
    notice_period: Value
    source: str | None = None
    earliest_notice: dt.date | None = None
    earliest_notice_day: int | None = None  # days after start (may be negative)


# More trials than this are refused: a 95% interval is then at most +-0.003 percentage
# points wide, far below any judgment in a scenario, and a run would take days and write
# hundreds of gigabytes of trials.
MAX_TRIALS = 1_000_000_000


def check_trials(trials: int) -> int:
    """`trials` within 1..MAX_TRIALS, or a ValueError giving the reason (one line)."""
    if trials > MAX_TRIALS:
        raise ValueError(
            f"at most {MAX_TRIALS:,} trials: a 95% interval is then within +-0.003 percentage "
            f"points, and more would take days and hundreds of GB; got {trials:,}"
        )
    return trials


@dataclass(frozen=True)
class Reference:
    """An external forecast and the model quantity that answers it: `kind` is
    `p_notice_by`, `p_exit_by` or `p_gate_by` (then `route` and `gate` name the gate)."""

    question: str
    value: float
    observed: dt.date
    source: str
    kind: str
    date: dt.date
    route: str | None = None
    gate: str | None = None

    def quantity(self) -> dict[str, Any]:
        """The quantity as the scenario file writes it (JSON-ready)."""
        if self.kind == "p_gate_by":
            return {"p_gate_by": {"route": self.route, "gate": self.gate, "date": str(self.date)}}
        return {self.kind: self.date.isoformat()}

    def describe(self) -> str:
        """The quantity in words, for tables."""
        if self.kind == "p_gate_by":
            return f"P({self.route} passed {self.gate} by {self.date})"
        what = "notice" if self.kind == "p_notice_by" else "exit"
        return f"P({what} by {self.date})"


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    start: dt.date
    horizon: dt.date
    trials: int
    seed: int
    treaty: Treaty
    events: dict[str, Event]
    routes: dict[str, Route]
    revoked_by: tuple[Effect, ...]
    description: str | None = None
    references: tuple[Reference, ...] = ()
    source_text: str = field(default="", repr=False, compare=False)
    # What is legal but probably not meant (see checks.py); set by the loader.
    warnings: tuple[ScenarioWarning, ...] = field(default=(), repr=False, compare=False)

    @property
    def horizon_day(self) -> int:
        return (self.horizon - self.start).days

    @property
    def end(self) -> float:
        """Simulation time just past the whole horizon date: t counts while t < end."""
        return float(self.horizon_day + 1)

    def date_of(self, t: float) -> dt.date:
        return date_of(self.start, t)

    def after(self, t: float, duration: Value, drawn: float) -> float:
        """The time `duration` after t: calendar arithmetic for a month or year constant,
        else the drawn number of days."""
        if isinstance(duration, Constant) and duration.months is not None:
            return add_months(self.start, t, duration.months)
        return t + drawn

    def dated_events(self) -> list[Event]:
        """Dated events within the horizon, by date (the `p_exit_by` checkpoints)."""
        inside = [
            e for e in self.events.values() if e.day is not None and e.day <= self.horizon_day
        ]
        return sorted(inside, key=lambda e: e.day)  # stable: scenario order within a day


def uses_extensions(scenario: Scenario) -> list[str]:
    """The constructs of the extended language that `scenario` uses, by name (empty: the
    scenario uses only the core language, which every engine runs)."""
    used: list[str] = []

    def note(name: str, present: bool) -> None:
        if present and name not in used:
            used.append(name)

    note("treaty.earliest_notice", scenario.treaty.earliest_notice is not None)
    for e in scenario.events.values():
        note("events.after", e.after is not None)
        note("events.rate_changes", bool(e.rate_changes))
    for r in scenario.routes.values():
        note("dies_on.until", any(x.until is not None for x in r.dies_on))
        note("routes.notice_effective_as_of", r.effective_as_of is not None)
        note("challenges.appeal", any(c.appeal is not None for c in r.challenges))
    return used
