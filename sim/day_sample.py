"""The days on which something happened (an exit, a notice), in memory bounded whatever the
number of trials.

A summary needs two things of them: how many fall before each date (P(exit by D)), and their
percentiles. Up to EXACT_DAYS values are kept as they are (8 MB), so every summary of a
run of ordinary size is exact. Past that they are counted in bins of 1/BINS_PER_DAY day over
the simulated span: counts by date stay exact (a date is a whole day, a bin edge), the mean
stays exact, and percentiles are then exact to the bin (an hour).
"""

from __future__ import annotations

import numpy as np

EXACT_DAYS = 1_000_000
BINS_PER_DAY = 24


class DaySample:
    """Days in [0, span_days] (a later one counts as the last day), added block by block."""

    def __init__(self, span_days: int, exact_limit: int | None = None) -> None:
        self.span_days = span_days
        self.exact_limit = EXACT_DAYS if exact_limit is None else exact_limit
        self.count = 0
        self.total = 0.0
        self._exact: list[np.ndarray] = []
        self._bins: np.ndarray | None = None

    @property
    def is_exact(self) -> bool:
        return self._bins is None

    def add(self, days: np.ndarray) -> None:
        days = np.asarray(days, dtype=float)
        self.count += int(days.size)
        self.total += float(days.sum())
        if self._bins is not None:
            self._bin(days)
            return
        self._exact.append(days)
        if self.count > self.exact_limit:
            self._bins = np.zeros((self.span_days + 2) * BINS_PER_DAY, dtype=np.int64)
            for part in self._exact:
                self._bin(part)
            self._exact = []

    def merge(self, other: DaySample) -> None:
        """Add another sample's days (e.g. a worker's, for later trials)."""
        if other._bins is None:
            for part in other._exact:
                self.add(part)
            return
        self.count += other.count
        self.total += other.total
        if self._bins is None:
            self._bins = np.zeros((self.span_days + 2) * BINS_PER_DAY, dtype=np.int64)
            for part in self._exact:
                self._bin(part)
            self._exact = []
        self._bins += other._bins

    def _bin(self, days: np.ndarray) -> None:
        assert self._bins is not None
        index = np.clip(np.floor(days * BINS_PER_DAY), 0, self._bins.size - 1).astype(np.int64)
        self._bins += np.bincount(index, minlength=self._bins.size)

    def values(self) -> np.ndarray:
        """Every day, in the order added (only while exact)."""
        assert self._bins is None
        return np.concatenate(self._exact) if self._exact else np.array([])

    def count_before(self, ends: np.ndarray) -> np.ndarray:
        """How many days are below each whole number of days in `ends`."""
        ends = np.asarray(ends, dtype=float)
        if self._bins is None:
            return np.searchsorted(np.sort(self.values()), ends, side="left")
        below = np.concatenate([[0], np.cumsum(self._bins)])
        at = np.clip(ends * BINS_PER_DAY, 0, self._bins.size).astype(np.int64)
        return below[at]

    def percentiles(self) -> dict[str, float] | None:
        """p10, p50, p90 (linear interpolation, as numpy's default) and the mean."""
        if self.count == 0:
            return None
        if self._bins is None:
            days = self.values()
            p10, p50, p90 = np.percentile(days, [10, 50, 90])
            mean = float(days.mean())
        else:
            cumulative = np.cumsum(self._bins)
            # the bin holding the value of rank q*(n-1), reported at its middle
            ranks = np.array([0.1, 0.5, 0.9]) * (self.count - 1)
            bins = np.searchsorted(cumulative, ranks, side="right")
            p10, p50, p90 = (bins + 0.5) / BINS_PER_DAY
            mean = self.total / self.count
        return {
            "p10": float(p10),
            "p50": float(p50),
            "p90": float(p90),
            "mean": mean,
        }
