"""Confidence intervals for shares of trials.

The Wilson score interval is written out (vectorised) rather than taken from
`scipy.stats.binomtest`, because curves over calendar time need it at hundreds of dates at
once and importing scipy.stats costs about a second; a test checks it against scipy.
"""

from __future__ import annotations

import numpy as np

Z975 = 1.959963984540054  # Phi^-1(0.975): a two-sided 95% interval


def wilson(
    k: np.ndarray | int, n: np.ndarray | int, z: float = Z975
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (low, high) for k successes in n trials, elementwise."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    p = np.divide(k, n, out=np.zeros_like(k * n), where=n > 0)
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def wilson_list(k: int, n: int) -> list[float]:
    """One Wilson interval as [low, high], for JSON."""
    low, high = wilson(k, n)
    return [float(low), float(high)]
