"""A block's random columns, some of them transformed only when they are read.

A uniform, a triangular or a choice costs a few nanoseconds a value, but the inverse of the
incomplete beta function (`beta` and `pert` values) costs about two microseconds (drawing the
baseline's beta-distributed hazard rate took two thirds of its whole run), and the inverse
normal of a `normal` or an `a to b` value about thirty nanoseconds, ten times a uniform.
Yet an engine needs a value only in the trials that reach it: the hazard rate where the
hazard can happen before the horizon, a second gate's delay where the first gate passed.
So such a column keeps its uniforms and is transformed the first time it is read whole (the
DES engine, `sim draws`, a run that keeps the draws); before that an engine may ask for some
trials' values (`some`: the same numbers, since the transform works value by value), or for
bounds that hold in every trial (`high`, `low`), from the quantile function at a grid of
uniforms: it is increasing, so a uniform between two grid points has its value between
theirs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from sim.language.durations import DAYS_PER_YEAR
from sim.language.values import Beta, LogitNormal, LogNormal, Normal, Pert, Value

GRID = 1024  # uniforms j / GRID at which a costly quantile function is tabulated
MARGIN = 1e-9  # relative slack of a bound: far above the quantile functions' rounding


def costly(value: Value) -> bool:
    """A distribution whose quantile function is worth transforming only where needed."""
    return isinstance(value, Beta | Pert | LogNormal | LogitNormal | Normal)


@functools.lru_cache(maxsize=256)
def _table(value: Value) -> np.ndarray:
    """The value at each uniform j / GRID, j = 0..GRID, as a draw would give it."""
    return value.from_uniform(np.arange(GRID + 1) / GRID)


class _Later:
    """A column not yet computed."""

    def compute(self, rows: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def high(self) -> np.ndarray:
        raise NotImplementedError

    def low(self) -> np.ndarray:
        raise NotImplementedError


class _Transformed(_Later):
    """`value` drawn from the uniforms `u` (its own stream's numbers)."""

    def __init__(self, value: Value, u: np.ndarray) -> None:
        self.value, self.u = value, u

    def compute(self, rows: np.ndarray | None) -> np.ndarray:
        return self.value.from_own_uniforms(self.u.copy() if rows is None else self.u[rows])

    def _cell(self) -> np.ndarray:
        return np.floor(self.u * GRID).astype(np.intp)  # u < 1: at most GRID - 1

    def high(self) -> np.ndarray:
        return _table(self.value)[self._cell() + 1] * (1 + MARGIN) + 1e-300

    def low(self) -> np.ndarray:
        low = _table(self.value)[self._cell()] * (1 - MARGIN) - 1e-300
        return np.maximum(low, self.value.kind.low)  # (draws are clipped to it)


class _HazardDay(_Later):
    """The day of a hazard at a rate not yet computed: 365.25 E / rate, E = -log(1 - u)."""

    def __init__(self, columns: Columns, rate: str, waits: np.ndarray) -> None:
        self.columns, self.rate, self.waits = columns, rate, waits

    def _day(self, waits: np.ndarray, rate: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return DAYS_PER_YEAR * waits / rate  # as draw_block computes it

    def compute(self, rows: np.ndarray | None) -> np.ndarray:
        waits = self.waits if rows is None else self.waits[rows]
        rate = self.columns[self.rate] if rows is None else self.columns.some(self.rate, rows)
        return self._day(waits, rate)

    def high(self) -> np.ndarray:
        return self._day(self.waits, self.columns.low(self.rate)) * (1 + MARGIN)

    def low(self) -> np.ndarray:
        return self._day(self.waits, self.columns.high(self.rate)) * (1 - MARGIN)


class Columns(Mapping[str, np.ndarray]):
    """The random columns of a block, by name, in the order they were added."""

    def __init__(self) -> None:
        self._names: list[str] = []
        self._ready: dict[str, np.ndarray] = {}
        self._later: dict[str, _Later] = {}

    @staticmethod
    def of(columns: Mapping[str, np.ndarray]) -> Columns:
        """`columns` as Columns: itself if it is one, else its arrays as they are (an
        analysis may build draws from a plain dict)."""
        if isinstance(columns, Columns):
            return columns
        out = Columns()
        for name, values in columns.items():
            out.put(name, values)
        return out

    def put(self, name: str, values: np.ndarray) -> None:
        self._names.append(name)
        self._ready[name] = values

    def transform_later(self, name: str, value: Value, u: np.ndarray) -> None:
        """`value` drawn from the uniforms u, transformed when it is read."""
        self._names.append(name)
        self._later[name] = _Transformed(value, u)

    def hazard_day_later(self, name: str, rate: str, waits: np.ndarray) -> None:
        """A hazard's day at the rate column `rate`, once that is known."""
        self._names.append(name)
        self._later[name] = _HazardDay(self, rate, waits)

    def __getitem__(self, name: str) -> np.ndarray:
        found = self._ready.get(name)
        if found is not None:
            return found
        later = self._later[name]  # KeyError for a name that is not a column
        values = later.compute(None)
        self._ready[name] = values
        del self._later[name]
        return values

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._ready or name in self._later

    def is_later(self, name: str) -> bool:
        """Not computed yet: `some` and the bounds cost little, reading it all costs it all."""
        return name in self._later

    def some(self, name: str, rows: np.ndarray) -> np.ndarray:
        """The column's values in the trials `rows` (indexes), computing only those."""
        found = self._ready.get(name)
        return found[rows] if found is not None else self._later[name].compute(rows)

    def _bound(self, name: str, side: Callable[[_Later], np.ndarray]) -> np.ndarray:
        found = self._ready.get(name)
        return found if found is not None else side(self._later[name])

    def high(self, name: str) -> np.ndarray:
        """At least the column's value, in every trial (the value itself once computed)."""
        return self._bound(name, lambda later: later.high())

    def low(self, name: str) -> np.ndarray:
        """At most the column's value, in every trial."""
        return self._bound(name, lambda later: later.low())
