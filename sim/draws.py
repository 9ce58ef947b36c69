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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from sim.draw_columns import Columns, costly
from sim.heap import keep_freed_memory
from sim.language.durations import DAYS_PER_YEAR
from sim.language.model import Scenario
from sim.language.values import Constant, Value

# Trials per block of random streams: part of what a seed means, never change it lightly
# (it was 1000 up to version 0.1; see CHANGELOG.md). Large, so that setting up a stream per
# quantity is cheap next to the numbers it draws.
BLOCK_SIZE = 2**16
# Trials per unit of work: engines, workers and the progress bar go through blocks in slices
# of this size. A slice draws its part of the block's streams (skipping ahead, never
# redrawing), so the slice size does not change any result.
SLICE_SIZE = 2**15
# The DES engine takes about a second for a few thousand trials: smaller slices keep every
# worker busy and the progress bar moving.
DES_SLICE_SIZE = 2**11


def slice_size(engine: str) -> int:
    """The slice size of `engine`'s runs."""
    return SLICE_SIZE if engine == "vector" else DES_SLICE_SIZE


# The one place that names the draws: the engines read them, and `trials.parquet` stores
# them, under these names.
NOTICE_PERIOD = "treaty.notice_period"


def hazard_rate_name(event: str) -> str:
    return f"events.{event}.hazard_per_year"


def hazard_day_name(event: str) -> str:
    return f"events.{event}.day"


def hazard_exposure_name(event: str) -> str:
    """A hazard whose clock starts late or whose rate changes: its unit exponential
    -log(1-u), from the same uniform stream as `hazard_day_name` (so adding a rate change
    keeps the draw), which the engine turns into a time by inverting the cumulative hazard."""
    return f"events.{event}.exposure"


def rate_change_name(event: str, at: str) -> str:
    """The rate of a hazard event from the change at `at` (an event, moment or date) on."""
    return f"events.{event}.rate_changes.{at}.hazard_per_year"


def gate_name(route: str, gate: str) -> str:
    """Prefix of a gate's draws: `.delay`, and `.p` with `.u`, or `.ayes`."""
    return f"routes.{route}.gates.{gate}"


def dies_on_name(route: str, event: str) -> str:
    """Prefix of a `dies_on` effect's `.p` and its coin `.u`."""
    return f"routes.{route}.dies_on.{event}"


def notice_within_name(route: str) -> str:
    return f"routes.{route}.notice_within"


def challenge_name(route: str, challenge: str) -> str:
    """Prefix of a challenge's `.delay` and its ruling's uniform `.u`."""
    return f"routes.{route}.challenges.{challenge}"


def appeal_name(route: str, challenge: str) -> str:
    """Prefix of an appeal's `.delay`, its `.reverses` probability and its coin `.u`."""
    return f"{challenge_name(route, challenge)}.appeal"


def revocation_name(event: str) -> str:
    """Prefix of a `revoked_by` effect's `.p` and its coin `.u`."""
    return f"notice.revoked_by.{event}"


@dataclass(frozen=True)
class Quantity:
    """One random quantity of a trial: an uncertain value, or a uniform for a coin."""

    name: str
    value: Value | None  # None: a uniform on [0, 1) used as a coin or a ruling

    @property
    def is_drawn(self) -> bool:
        return not isinstance(self.value, Constant)


def _effect(prefix: str, p: Value) -> Iterator[Quantity]:
    yield Quantity(f"{prefix}.p", p)
    yield Quantity(f"{prefix}.u", None)


def quantities(scenario: Scenario) -> Iterator[Quantity]:
    """Every quantity a trial may read, in scenario order."""
    yield Quantity(NOTICE_PERIOD, scenario.treaty.notice_period)
    for event in scenario.events.values():
        if event.hazard_per_year is not None:
            yield Quantity(hazard_rate_name(event.name), event.hazard_per_year)
            for change in event.rate_changes:
                yield Quantity(rate_change_name(event.name, change.key), change.rate)
    for route in scenario.routes.values():
        for gate in route.gates:
            g = gate_name(route.name, gate.name)
            yield Quantity(f"{g}.delay", gate.delay)
            if gate.votes is not None:
                yield Quantity(f"{g}.ayes", gate.votes.ayes)
            else:
                assert gate.p is not None
                yield from _effect(g, gate.p)
        for effect in route.dies_on:
            yield from _effect(dies_on_name(route.name, effect.event), effect.p)
        yield Quantity(notice_within_name(route.name), route.notice_within)
        for ch in route.challenges:
            c = challenge_name(route.name, ch.name)
            yield Quantity(f"{c}.delay", ch.delay)
            yield Quantity(f"{c}.u", None)
            if ch.appeal is not None:
                a = appeal_name(route.name, ch.name)
                yield Quantity(f"{a}.delay", ch.appeal.delay)
                yield Quantity(f"{a}.reverses", ch.appeal.reverses)
                yield Quantity(f"{a}.u", None)
    for effect in scenario.revoked_by:
        yield from _effect(revocation_name(effect.event), effect.p)


def drawn_names(scenario: Scenario) -> list[str]:
    """The columns of a block's draws, in order: every non-constant quantity, then the
    time of each hazard event."""
    names = [q.name for q in quantities(scenario) if q.is_drawn]
    return names + [
        hazard_day_name(e.name) if e.is_plain_hazard else hazard_exposure_name(e.name)
        for e in scenario.events.values()
        if e.hazard_per_year is not None
    ]


def stream(seed: int, block: int, name: str, skip: int = 0) -> np.random.Generator:
    """The stream of quantity `name` in block `block`, `skip` uniforms in (each uniform takes
    one 64-bit step of PCG64, so skipping ahead gives exactly the numbers a full draw would)."""
    key = (block, zlib.crc32(name.encode("utf-8")))
    bits = np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key))
    if skip:
        bits.advance(skip)
    return np.random.Generator(bits)


@dataclass(frozen=True)
class Draws:
    """The draws of one block: random columns, plus the constants under the same names."""

    block: int
    first_trial: int
    n: int
    # draw_block gives Columns (some transformed only when read: `sim.draw_columns`); a plain
    # mapping of arrays does too
    columns: Mapping[str, np.ndarray]
    constants: dict[str, float]

    def rows(self) -> list[dict[str, float]]:
        """One mapping per trial, constants included, for engines that go trial by trial."""
        names = list(self.columns)
        if not names:  # nothing random: every trial is the same, but there are n of them
            return [dict(self.constants) for _ in range(self.n)]
        arrays = [self.columns[k].tolist() for k in names]
        return [
            {**self.constants, **dict(zip(names, vals, strict=True))}
            for vals in zip(*arrays, strict=True)
        ]


def draw_block(scenario: Scenario, block: int, n: int | None = None, offset: int = 0) -> Draws:
    """The draws of `n` trials of block `block`, from trial `offset` of the block on (trials
    block*BLOCK_SIZE + offset onward)."""
    keep_freed_memory()
    first = block * BLOCK_SIZE + offset
    if n is None:
        n = min(BLOCK_SIZE - offset, scenario.trials - first)
    columns = Columns()
    constants: dict[str, float] = {}
    for q in quantities(scenario):
        if q.value is None:
            columns.put(q.name, stream(scenario.seed, block, q.name, offset).random(n))
        elif isinstance(q.value, Constant):
            constants[q.name] = q.value.value
        elif costly(q.value):  # its uniforms now, the transform when it is read
            u = stream(scenario.seed, block, q.name, offset).random(n)
            columns.transform_later(q.name, q.value, u)
        else:
            columns.put(q.name, q.value.sample(stream(scenario.seed, block, q.name, offset), n))
    for event in scenario.events.values():
        if event.hazard_per_year is None:
            continue
        rate_name = hazard_rate_name(event.name)
        # inverse transform, like every draw: a higher rate means an earlier time in every trial
        u = stream(scenario.seed, block, hazard_day_name(event.name), offset).random(n)
        waits = -np.log1p(-u)
        if not event.is_plain_hazard:
            columns.put(hazard_exposure_name(event.name), waits)
        elif columns.is_later(rate_name):
            columns.hazard_day_later(hazard_day_name(event.name), rate_name, waits)
        else:
            rate = columns[rate_name] if rate_name in columns else constants[rate_name]
            with np.errstate(divide="ignore"):
                columns.put(hazard_day_name(event.name), DAYS_PER_YEAR * waits / rate)
    return Draws(block, first, n, columns, constants)


def blocks(trials: int) -> list[tuple[int, int]]:
    """(block number, trials in it) covering `trials` trials."""
    return [(b, min(BLOCK_SIZE, trials - b * BLOCK_SIZE)) for b in range(-(-trials // BLOCK_SIZE))]


@dataclass(frozen=True)
class Slice:
    """A unit of work: `n` trials of block `block` from trial `offset` of the block."""

    block: int
    offset: int
    n: int

    @property
    def first_trial(self) -> int:
        return self.block * BLOCK_SIZE + self.offset


def slices(trials: int, size: int = SLICE_SIZE) -> list[Slice]:
    """Slices covering `trials` trials in trial order; none crosses a block boundary."""
    out = []
    for block, n in blocks(trials):
        out += [Slice(block, o, min(size, n - o)) for o in range(0, n, size)]
    return out
