"""One trial told as a story: what happened, on which date, and which draw decided it.

It replays the trial on the DES engine from the very draws a run uses (the trial's block,
drawn whole, so the numbers match `trials.parquet`), and collects the engine's narration.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from sim.draws import BLOCK_SIZE, blocks, draw_block
from sim.engines.des import run_block, run_trial
from sim.language.model import Scenario
from sim.outcomes import Outcome, TrialRecord


class TraceError(ValueError):
    """A trial that does not exist, or an outcome no trial reached (the message says why)."""


@dataclass(frozen=True)
class Line:
    day: float  # days after start
    date: str  # YYYY-MM-DD
    text: str


@dataclass(frozen=True)
class Trace:
    scenario: str
    trial: int
    outcome: str
    route: str | None
    notice_date: str | None
    exit_date: str | None
    lines: tuple[Line, ...]

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "lines": [asdict(x) for x in self.lines]}


def _date(s: Scenario, day: float) -> str | None:
    return None if math.isnan(day) else s.date_of(day).isoformat()


def trace(scenario: Scenario, trial: int) -> Trace:
    """Trial number `trial` (0-based, as in trials.parquet) of `scenario`, narrated."""
    if not 0 <= trial < scenario.trials:
        raise TraceError(
            f"--trial {trial}: out of range; {scenario.name} has {scenario.trials} trials "
            f"(0 to {scenario.trials - 1})"
        )
    draws = draw_block(scenario, trial // BLOCK_SIZE)
    lines: list[Line] = []

    def narrate(t: float, text: str) -> None:
        lines.append(Line(t, scenario.date_of(t).isoformat(), text))

    record = run_trial(scenario, draws, trial % BLOCK_SIZE, narrate)
    return _told(scenario, trial, record, lines)


def _told(s: Scenario, trial: int, record: TrialRecord, lines: list[Line]) -> Trace:
    ending = {
        Outcome.EXITED: "the notice took effect by the horizon",
        Outcome.NOTICE_PENDING: "a notice is pending at the horizon",
        Outcome.REVOKED: f"the notice was revoked ({record.ended_by})",
        Outcome.VOIDED: f"the notice was voided ({record.ended_by})",
        Outcome.BLOCKED: "no notice: every route failed or died",
        Outcome.NO_MOVE: "no notice by the horizon",
    }[record.outcome]
    last = s.end - 1
    lines = [*lines, Line(last, s.horizon.isoformat(), f"outcome {record.outcome.value}: {ending}")]
    return Trace(
        scenario=s.name,
        trial=trial,
        outcome=record.outcome.value,
        route=record.route,
        notice_date=_date(s, record.notice_day),
        exit_date=_date(s, record.exit_day),
        lines=tuple(lines),
    )


def first_with_outcome(scenario: Scenario, outcome: str) -> int:
    """The number of the first trial that ended `outcome`, searching block by block."""
    allowed = [o.value for o in Outcome]
    if outcome not in allowed:
        raise TraceError(f"--outcome {outcome!r}: not an outcome; outcomes: {', '.join(allowed)}")
    for block, n in blocks(scenario.trials):
        records = run_block(scenario, draw_block(scenario, block, n))
        for i, record in enumerate(records):
            if record.outcome.value == outcome:
                return block * BLOCK_SIZE + i
    raise TraceError(
        f"--outcome {outcome}: none of the {scenario.trials} trials searched ended so "
        "(try more --trials)"
    )
