"""Every random number a block of trials can use, drawn up front.

Randomness is kept apart from the legal logic so that two engines can read the same numbers
and must agree trial by trial. Each quantity has its own stream, seeded by the scenario seed,
the block number and a hash of the quantity's name
(`SeedSequence(seed, spawn_key=(block, crc32(name)))`, i.e. child `crc32(name)` of child
`block` of `SeedSequence(seed)`). So results do not depend on how blocks are spread over
workers, and editing one part of a scenario leaves the draws of every other part unchanged:
two variants of a scenario run with common random numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.language.durations import DAYS_PER_YEAR
from sim.language.model import Scenario
from sim.language.values import Constant, Value

BLOCK_SIZE = 1000  # trials per block; part of what a seed means: never change it lightly


@dataclass(frozen=True)
class Quantity:
    """One random quantity of a trial: an uncertain value, or a uniform for a coin."""

    name: str
    value: Value | None  # None: a uniform on [0, 1) used as a coin or a ruling


def quantities(scenario: Scenario) -> Iterator[Quantity]:
    """Every quantity a trial may read, in scenario order."""
    yield Quantity("treaty.notice_period", scenario.treaty.notice_period)
    for event in scenario.events.values():
        if event.hazard_per_year is not None:
            yield Quantity(f"events.{event.name}.hazard_per_year", event.hazard_per_year)
    for route in scenario.routes.values():
        base = f"routes.{route.name}"
        for gate in route.gates:
            g = f"{base}.gates.{gate.name}"
            yield Quantity(f"{g}.delay", gate.delay)
            if gate.p is not None:
                yield Quantity(f"{g}.p", gate.p)
                yield Quantity(f"{g}.u", None)
            else:
                assert gate.votes is not None
                yield Quantity(f"{g}.ayes", gate.votes.ayes)
        for effect in route.dies_on:
            yield Quantity(f"{base}.dies_on.{effect.event}.p", effect.p)
            yield Quantity(f"{base}.dies_on.{effect.event}.u", None)
        yield Quantity(f"{base}.notice_within", route.notice_within)
        for ch in route.challenges:
            yield Quantity(f"{base}.challenges.{ch.name}.delay", ch.delay)
            yield Quantity(f"{base}.challenges.{ch.name}.u", None)
    for effect in scenario.revoked_by:
        yield Quantity(f"notice.revoked_by.{effect.event}.p", effect.p)
        yield Quantity(f"notice.revoked_by.{effect.event}.u", None)


def stream(seed: int, block: int, name: str) -> np.random.Generator:
    key = (block, zlib.crc32(name.encode("utf-8")))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def hazard_day_name(event: str) -> str:
    return f"events.{event}.day"


@dataclass(frozen=True)
class Draws:
    """The draws of one block: random columns, plus the constants under the same names."""

    block: int
    first_trial: int
    n: int
    columns: dict[str, np.ndarray]
    constants: dict[str, float]

    def rows(self) -> list[dict[str, float]]:
        """One mapping per trial, constants included, for engines that go trial by trial."""
        names = list(self.columns)
        arrays = [self.columns[k].tolist() for k in names]
        return [
            {**self.constants, **dict(zip(names, vals, strict=True))}
            for vals in zip(*arrays, strict=True)
        ]

    def get(self, name: str) -> np.ndarray:
        if name in self.columns:
            return self.columns[name]
        return np.full(self.n, self.constants[name])


def draw_block(scenario: Scenario, block: int, n: int | None = None) -> Draws:
    """The draws of block `block` (trials block*BLOCK_SIZE onward), `n` trials of it."""
    first = block * BLOCK_SIZE
    if n is None:
        n = min(BLOCK_SIZE, scenario.trials - first)
    columns: dict[str, np.ndarray] = {}
    constants: dict[str, float] = {}
    for q in quantities(scenario):
        if q.value is None:
            columns[q.name] = stream(scenario.seed, block, q.name).random(n)
        elif isinstance(q.value, Constant):
            constants[q.name] = q.value.value
        else:
            columns[q.name] = q.value.sample(stream(scenario.seed, block, q.name), n)
    for event in scenario.events.values():
        if event.hazard_per_year is None:
            continue
        rate_name = f"events.{event.name}.hazard_per_year"
        rate = columns.get(rate_name, constants.get(rate_name))
        waits = stream(scenario.seed, block, hazard_day_name(event.name)).standard_exponential(n)
        with np.errstate(divide="ignore"):
            columns[hazard_day_name(event.name)] = DAYS_PER_YEAR * waits / rate
    return Draws(block, first, n, columns, constants)


def blocks(trials: int) -> list[tuple[int, int]]:
    """(block number, trials in it) covering `trials` trials."""
    return [(b, min(BLOCK_SIZE, trials - b * BLOCK_SIZE)) for b in range(-(-trials // BLOCK_SIZE))]


def describe_quantity(scenario: Scenario, name: str) -> Any:
    """The Value behind a drawn column, for reports (None for coins and event days)."""
    for q in quantities(scenario):
        if q.name == name:
            return q.value
    return None
