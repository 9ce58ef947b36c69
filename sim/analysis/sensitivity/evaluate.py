"""Draws in, outcomes out: the engine run on draws whose uncertain inputs are pinned or set.

Pinning works on the draws, not on the scenario: the slice is drawn as a run draws it, then
the pinned input's column is replaced by the pinned value. Every other quantity keeps its
own named stream (`sim.draws`), so trial i of a pinned variant is trial i of the unpinned
run with only that input changed: comparisons between them are exactly paired. One thing in
the draws depends on another quantity: the day of a plain hazard event is its unit
exponential divided by its rate, so a pinned rate recomputes that day from the event's own
stream, in the same floating-point operations as `sim.draws.draw_block` (a test checks that
pinning gives the very trials of the scenario with that value written as a constant).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.draws import BLOCK_SIZE, Draws, hazard_day_name, hazard_rate_name, stream
from sim.engines import des, vector
from sim.language.durations import DAYS_PER_YEAR
from sim.language.model import Scenario
from sim.outcomes import NOTICE_OUTCOMES, Outcome

_NOTICE = [o.value for o in NOTICE_OUTCOMES]


@dataclass(frozen=True)
class Outcomes:
    """What the analyses read of each trial."""

    exited: np.ndarray  # bool: the notice took effect by the horizon
    notice: np.ndarray  # bool: a notice was deposited
    exit_day: np.ndarray  # days from start; NaN unless exited

    @property
    def n(self) -> int:
        return int(self.exited.size)

    @staticmethod
    def concat(parts: list[Outcomes]) -> Outcomes:
        return Outcomes(
            np.concatenate([p.exited for p in parts]),
            np.concatenate([p.notice for p in parts]),
            np.concatenate([p.exit_day for p in parts]),
        )


def play(scenario: Scenario, draws: Draws, engine: str) -> Outcomes:
    """Run the engine on the draws; only the outcome and the exit day are kept."""
    if engine == "vector":
        table = vector.run_block(scenario, draws)
        outcome = np.asarray(table["outcome"], dtype=object)
        exit_day = table["exit_day"].to_numpy(dtype=float)
    else:
        records = des.run_block(scenario, draws)
        outcome = np.array([r.outcome.value for r in records], dtype=object)
        exit_day = np.array([r.exit_day for r in records], dtype=float)
    exited = outcome == Outcome.EXITED.value
    return Outcomes(exited, np.isin(outcome, _NOTICE), np.where(exited, exit_day, np.nan))


def plain_hazards(scenario: Scenario) -> dict[str, str]:
    """Rate draw -> day draw, for each hazard event whose day is drawn up front."""
    return {
        hazard_rate_name(e.name): hazard_day_name(e.name)
        for e in scenario.events.values()
        if e.is_plain_hazard
    }


def waits(scenario: Scenario, draws: Draws) -> dict[str, np.ndarray]:
    """Each plain hazard's unit exponential in each trial of the slice (rate draw -> waits),
    from the event's own stream as `draw_block` draws it."""
    block = draws.block
    offset = draws.first_trial - block * BLOCK_SIZE
    out = {}
    for rate, day in plain_hazards(scenario).items():
        u = stream(scenario.seed, block, day, offset).random(draws.n)
        out[rate] = -np.log1p(-u)
    return out


def substitute(
    scenario: Scenario,
    draws: Draws,
    values: Mapping[str, float | np.ndarray],
    hazard_waits: Mapping[str, np.ndarray],
) -> Draws:
    """The draws with the named inputs set to `values` (one number for every trial, or one
    a trial), and the days of the hazard events whose rate is set recomputed from
    `hazard_waits` (`waits`)."""
    columns = dict(draws.columns)
    days = plain_hazards(scenario)
    for name, value in values.items():
        if name not in columns:
            raise KeyError(f"{name} is not drawn in this scenario")
        column = np.broadcast_to(np.asarray(value, dtype=float), (draws.n,)).copy()
        columns[name] = column
        if name in days:
            with np.errstate(divide="ignore"):
                columns[days[name]] = DAYS_PER_YEAR * hazard_waits[name] / column
    return Draws(draws.block, draws.first_trial, draws.n, columns, draws.constants)


def tile(draws: Draws, times: int) -> Draws:
    """The draws repeated `times` over (trial j of copy c is trial j of the slice): the
    common chance of every Sobol design point."""
    columns = {k: np.tile(v, times) for k, v in draws.columns.items()}
    return Draws(draws.block, draws.first_trial, draws.n * times, columns, draws.constants)
