"""What to evaluate: the tornado's pins and the Saltelli design of a Sobol analysis.

Both designs live on the unit cube of quantiles and go through each input's own inverse
transform (`Value.from_uniform`, the quantile function every draw goes through, clipped and
rounded like a draw), so a design point at quantile u of an input is the value a trial
drawing u would have had.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.analysis.sensitivity.inputs import Input

# A variant of the run: the inputs pinned, as (name, value) pairs; () is the unpinned run.
Pins = tuple[tuple[str, float], ...]
BASE: Pins = ()


def tornado_variants(inputs: list[Input]) -> list[Pins]:
    """The unpinned run, then each input at its 5th and then its 95th percentile."""
    out = [BASE]
    for i in inputs:
        out += [((i.name, i.low),), ((i.name, i.high),)]
    return out


def problem(inputs: list[Input]) -> dict[str, Any]:
    """SALib's problem: one variable per input, on its quantile scale [0, 1]."""
    return {
        "num_vars": len(inputs),
        "names": [i.name for i in inputs],
        "bounds": [[0.0, 1.0]] * len(inputs),
    }


@dataclass(frozen=True)
class SobolDesign:
    """Saltelli's design (`SALib.sample.sobol`, first-order and total indices): N base
    rows give N * (k + 2) points; `values[p, i]` is input i at point p."""

    n: int
    quantiles: np.ndarray
    values: np.ndarray

    @property
    def points(self) -> int:
        return int(self.values.shape[0])


def check_base_samples(n: int) -> int:
    """Sobol' sequences are balanced only at powers of two (SALib warns otherwise)."""
    if n < 2 or n & (n - 1):
        raise ValueError(f"--sobol-n {n}: a power of two (64, 128, 256, ...)")
    return n


def sobol_design(inputs: list[Input], n: int, seed: int) -> SobolDesign:
    from SALib.sample import sobol

    check_base_samples(n)
    u = sobol.sample(problem(inputs), n, calc_second_order=False, scramble=True, seed=seed)
    u = np.clip(u, 0.0, np.nextafter(1.0, 0.0))  # a quantile function is finite below 1
    values = np.column_stack([i.at(u[:, k]) for k, i in enumerate(inputs)])
    return SobolDesign(n, u, values)
