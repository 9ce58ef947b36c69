"""The names a trial can end with, and the record each trial leaves."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """How a trial ends; exactly one per trial."""

    EXITED = "exited"  # the notice took effect on or before the horizon date
    NOTICE_PENDING = "notice_pending"  # deposited; takes effect after the horizon
    REVOKED = "revoked"  # withdrawn before it took effect
    VOIDED = "voided"  # a court voided it before it took effect
    BLOCKED = "blocked"  # no notice: every route failed or died
    NO_MOVE = "no_move"  # no notice: some route still pending or never started


NOTICE_OUTCOMES = (Outcome.EXITED, Outcome.NOTICE_PENDING, Outcome.REVOKED, Outcome.VOIDED)


class RouteStatus(StrEnum):
    """Where a route stands (or stopped) when the trial ends."""

    NOT_STARTED = "not_started"  # its trigger event never happened
    ACTIVE = "active"  # still working through its gates at the horizon
    FAILED = "failed"  # a gate did not pass
    DIED = "died"  # a dies_on event ended it
    SUPERSEDED = "superseded"  # another route's notice came first
    DEPOSITED = "deposited"  # this route deposited the notice


class GateResult(StrEnum):
    """How a gate resolved; a gate never reached, or still pending when its route stopped or
    the horizon came, has no result."""

    PASSED = "passed"
    FAILED = "failed"


class Ruling(StrEnum):
    VOIDS_NOTICE = "voids_notice"
    DISMISSED = "dismissed"
    UPHELD = "upheld"


class AppealResult(StrEnum):
    REVERSES = "reverses"  # the voiding ruling is reversed
    AFFIRMS = "affirms"


@dataclass(slots=True)
class GateRecord:
    result: GateResult | None = None
    day: float = math.nan  # when it passed or failed


@dataclass(slots=True)
class RouteRecord:
    status: RouteStatus = RouteStatus.NOT_STARTED
    stopped_by: str | None = None  # the gate that failed or the event that killed it
    start_day: float = math.nan
    end_day: float = math.nan  # when it failed, died, was superseded or deposited
    gates_passed: int = 0
    gates: dict[str, GateRecord] = field(default_factory=dict)  # by gate name, once resolved


@dataclass(slots=True)
class ChallengeRecord:
    ruling: Ruling | None = None  # None: no ruling while the notice was pending
    day: float = math.nan
    appeal: AppealResult | None = None  # None: no appeal decided within the horizon
    appeal_day: float = math.nan


@dataclass(slots=True)
class TrialRecord:
    """What one trial did: the outcome, the route that filed, and where each route stopped."""

    outcome: Outcome
    route: str | None = None  # the route that deposited the notice
    notice_day: float = math.nan
    effective_day: float = math.nan  # when the notice takes (or would take) effect
    exit_day: float = math.nan  # = effective_day when the outcome is `exited`
    ended_by: str | None = None  # the revoking event, or `route.challenge` that voided it
    ended_day: float = math.nan
    routes: dict[str, RouteRecord] = field(default_factory=dict)
    challenges: dict[str, ChallengeRecord] = field(default_factory=dict)  # "route.challenge"
    # when each hazard event whose time is not drawn up front (`after:`, `rate_changes:`)
    # happened; absent if it did not
    event_days: dict[str, float] = field(default_factory=dict)
