"""Uncertain values: constants and the distributions a scenario may draw from.

Each trial draws each uncertain value once, so a value is a small object that can fill a
whole block of trials at once (`sample`). Draws outside the quantity's valid range are
clipped to it: a normal delay cannot be negative, a probability cannot exceed one.

Every distribution is drawn by inverse transform: one uniform per trial goes through the
distribution's quantile function (`ppf`). Two variants of a scenario then share that uniform
in every trial, so raising a parameter raises the value in every trial, never lowers it, and
a paired comparison sees only the edit. A rejection sampler (numpy's `beta`) would use a
varying number of uniforms per draw and decouple the variants.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import ClassVar

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
    # The quantile function keeps to the valid range by itself (exp, expit): no clip needed.
    _in_range: ClassVar[bool] = False

    @property
    def is_random(self) -> bool:
        return True

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n independent draws, clipped to the valid range (and rounded, for counts)."""
        return self.from_own_uniforms(rng.random(n))

    def from_own_uniforms(self, u: np.ndarray) -> np.ndarray:
        """`from_uniform(u)`, the same numbers in the same operations, computed in u's own
        array, which it overwrites (a run draws millions: temporaries were a fifth of the
        time)."""
        x = self._ppf_in_place(u)
        if not self._in_range:  # (a clip of values within the range changes no bit)
            np.clip(x, self.kind.low, self.kind.high, out=x)
        if self.kind is Kind.COUNT:
            x += 0.5  # halves up, as Kind.clip
            np.floor(x, out=x)
        return x

    def _ppf_in_place(self, u: np.ndarray) -> np.ndarray:
        """`ppf(u)`, free to overwrite u."""
        return np.asarray(self.ppf(u), dtype=float)

    def from_uniform(self, u: np.ndarray) -> np.ndarray:
        """The values at quantiles `u` (in [0, 1)), clipped and rounded like a draw: the
        inverse transform every draw goes through, also used to pin a value at a quantile."""
        return self.kind.clip(np.asarray(self.ppf(np.asarray(u, dtype=float)), dtype=float))

    @abstractmethod
    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The quantile function, before clipping."""

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

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value)


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

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self._from_scale(self.mu + self.sigma * special.ndtri(u))

    def _ppf_in_place(self, u: np.ndarray) -> np.ndarray:
        z = special.ndtri(u, out=u)
        z *= self.sigma
        z += self.mu
        return self._from_scale_in_place(z)

    @staticmethod
    def _from_scale_in_place(z: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class LogNormal(_Interval):
    """`a to b` for positive quantities."""

    _to_scale = staticmethod(math.log)
    _from_scale = staticmethod(np.exp)
    _in_range = True  # exp is positive

    @staticmethod
    def _from_scale_in_place(z: np.ndarray) -> np.ndarray:
        return np.exp(z, out=z)


@dataclass(frozen=True)
class LogitNormal(_Interval):
    """`a to b` for probabilities."""

    _to_scale = staticmethod(lambda x: float(special.logit(x)))
    _from_scale = staticmethod(special.expit)
    _in_range = True  # expit is within [0, 1]

    @staticmethod
    def _from_scale_in_place(z: np.ndarray) -> np.ndarray:
        return special.expit(z, out=z)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Uniform(Value):
    min: float
    max: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.min + (self.max - self.min) * u

    def _ppf_in_place(self, u: np.ndarray) -> np.ndarray:
        u *= self.max - self.min
        u += self.min
        return u


@dataclass(frozen=True)
class Triangular(Value):
    min: float
    mode: float
    max: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        lo, mode, hi = self.min, self.mode, self.max
        cut = (mode - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
        right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode))
        return np.where(u < cut, left, right)


@dataclass(frozen=True)
class Pert(Value):
    """Beta-PERT (shape 4): a triangular judgment with softer tails."""

    min: float
    mode: float
    max: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        width = self.max - self.min
        a = 1 + 4 * (self.mode - self.min) / width
        b = 1 + 4 * (self.max - self.mode) / width
        return self.min + width * special.betaincinv(a, b, u)


@dataclass(frozen=True)
class Normal(Value):
    mean: float
    sd: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * special.ndtri(u)

    def _ppf_in_place(self, u: np.ndarray) -> np.ndarray:
        z = special.ndtri(u, out=u)
        z *= self.sd
        z += self.mean
        return z


@dataclass(frozen=True)
class Beta(Value):
    a: float
    b: float

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return special.betaincinv(self.a, self.b, u)


@dataclass(frozen=True)
class Choice(Value):
    values: tuple[float, ...]
    weights: tuple[float, ...]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values in the order written; value i covers quantiles [cum_{i-1}, cum_i)."""
        cum = np.cumsum(np.asarray(self.weights, dtype=float))
        index = np.searchsorted(cum / cum[-1], u, side="right")
        values = np.asarray(self.values, dtype=float)
        return values[np.minimum(index, len(values) - 1)]
