"""Uncertain values: constants and the distributions a scenario may draw from.

Each trial draws each uncertain value once, so a value is a small object that can fill a
whole block of trials at once (`sample`). Draws outside the quantity's valid range are
clipped to it: a normal delay cannot be negative, a probability cannot exceed one.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from scipy import special

# Phi^-1(0.95), the z-score of the 95th percentile: `a to b` is a 90% interval. Written out
# because importing scipy.stats costs a second on every command; a test checks it.
Z95 = 1.6448536269514722


class Kind(StrEnum):
    """What a value measures; it fixes the valid range and the meaning of `a to b`."""

    PROBABILITY = "probability"
    DURATION = "duration"  # days
    COUNT = "count"  # whole votes
    RATE = "rate"  # events per 365.25 days

    @property
    def low(self) -> float:
        return 0.0

    @property
    def high(self) -> float:
        return 1.0 if self is Kind.PROBABILITY else math.inf

    def clip(self, x: np.ndarray) -> np.ndarray:
        x = np.clip(x, self.low, self.high)
        if self is Kind.COUNT:
            x = np.floor(x + 0.5)  # halves up
        return x


@dataclass(frozen=True)
class Value(ABC):
    kind: Kind
    source: str | None = field(default=None, kw_only=True)

    @property
    def is_random(self) -> bool:
        return True

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n independent draws, clipped to the valid range (and rounded, for counts)."""
        return self.kind.clip(np.asarray(self._raw(rng, n), dtype=float))

    @abstractmethod
    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray: ...

    def with_source(self, source: str | None) -> Value:
        return replace(self, source=source)


@dataclass(frozen=True)
class Constant(Value):
    """A fixed number; for durations, days. `months` is set for a calendar constant."""

    value: float
    months: int | None = None

    @property
    def is_random(self) -> bool:
        return False

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)


@dataclass(frozen=True)
class _Interval(Value):
    """Normal on a transformed scale, fixed by its 5th and 95th percentiles (`a to b`)."""

    p5: float
    p95: float

    @staticmethod
    def _to_scale(x: float) -> float:
        raise NotImplementedError

    @staticmethod
    def _from_scale(z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @property
    def mu(self) -> float:
        return (self._to_scale(self.p5) + self._to_scale(self.p95)) / 2

    @property
    def sigma(self) -> float:
        return (self._to_scale(self.p95) - self._to_scale(self.p5)) / (2 * Z95)

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self._from_scale(self.mu + self.sigma * rng.standard_normal(n))


@dataclass(frozen=True)
class LogNormal(_Interval):
    """`a to b` for positive quantities."""

    _to_scale = staticmethod(math.log)
    _from_scale = staticmethod(np.exp)


@dataclass(frozen=True)
class LogitNormal(_Interval):
    """`a to b` for probabilities."""

    _to_scale = staticmethod(lambda x: float(special.logit(x)))
    _from_scale = staticmethod(special.expit)


@dataclass(frozen=True)
class Uniform(Value):
    min: float
    max: float

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.min, self.max, n)


@dataclass(frozen=True)
class Triangular(Value):
    min: float
    mode: float
    max: float

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.min, self.mode, self.max, n)


@dataclass(frozen=True)
class Pert(Value):
    """Beta-PERT (shape 4): a triangular judgment with softer tails."""

    min: float
    mode: float
    max: float

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        width = self.max - self.min
        a = 1 + 4 * (self.mode - self.min) / width
        b = 1 + 4 * (self.max - self.mode) / width
        return self.min + width * rng.beta(a, b, n)


@dataclass(frozen=True)
class Normal(Value):
    mean: float
    sd: float

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.normal(self.mean, self.sd, n)


@dataclass(frozen=True)
class Beta(Value):
    a: float
    b: float

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.beta(self.a, self.b, n)


@dataclass(frozen=True)
class Choice(Value):
    values: tuple[float, ...]
    weights: tuple[float, ...]

    def _raw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        p = np.asarray(self.weights, dtype=float)
        return rng.choice(np.asarray(self.values, dtype=float), size=n, p=p / p.sum())
