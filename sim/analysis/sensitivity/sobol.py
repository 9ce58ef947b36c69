"""Sobol' indices from a Saltelli design (`SALib.analyze.sobol`: first-order S1 and total
ST, with bootstrap 95% intervals).

Each design point fixes every input and plays the same `per_point` trials (the same chance:
coins, rulings, hazard times), so the output at a point, P(exit | inputs) estimated over
those trials, is a deterministic function of the inputs (common random numbers). It is not
the exact conditional probability: the average over a finite number of trials adds, to the
variance between points, some chance (with independent trials at each point it would be
E[p(1-p)] / per_point; common trials make it less), which Sobol' then ascribes
to the inputs (mostly to interactions: ST is inflated, S1 deflated, by roughly that share).

`noise_share` estimates that share for each metric by splitting each point's trials in two
halves (the same halves at every point): the chance part of a point's value is about a
quarter of the variance, over the points, of the difference between its two half-values
(each half has its own chance, so what differs between them is chance only; and the whole
is their mean). Common random numbers make this share smaller than the p(1-p) / trials of
independent trials, which would overstate it. Raise `--sobol-trials` when it is large.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from sim.analysis.sensitivity.design import SobolDesign, problem
from sim.analysis.sensitivity.execute import PointResult
from sim.analysis.sensitivity.inputs import Input

RESAMPLES = 100
SEED = 20261127
METHOD = (
    "Sobol' first-order (S1) and total (ST) indices, Saltelli design "
    "(SALib.sample.sobol, SALib.analyze.sobol), 95% bootstrap intervals"
)
METRICS = {
    "p_exit": "P(exit by the horizon)",
    "p_notice": "P(notice deposited)",
    "days_to_exit": "mean time to exit (days from start, among exits)",
}


def _noise(half: np.ndarray, other: np.ndarray) -> float | None:
    """The split-half estimate of the chance part of a point's value (over all its
    trials), across the design points: Var(half - other) / 4."""
    found = np.isfinite(half) & np.isfinite(other)
    if found.sum() < 2:
        return None
    return float(np.var(half[found] - other[found]) / 4)


def analyse(
    inputs: list[Input], design: SobolDesign, found: PointResult, per_point: int
) -> dict[str, Any]:
    from SALib.analyze import sobol

    out: dict[str, Any] = {
        "method": METHOD,
        "base_samples": design.n,
        "points": design.points,
        "trials_per_point": per_point,
        "metrics": {},
    }
    outputs = {
        "p_exit": (found.p_exit, found.half_p_exit, found.other_p_exit),
        "p_notice": (found.p_notice, found.half_p_notice, found.other_p_notice),
        "days_to_exit": (
            found.mean_exit_day,
            found.half_mean_exit_day,
            found.other_mean_exit_day,
        ),
    }
    for metric, (y, half, other) in outputs.items():
        entry: dict[str, Any] = {"label": METRICS[metric], "indices": None}
        out["metrics"][metric] = entry
        if not np.all(np.isfinite(y)):
            missing = int((~np.isfinite(y)).sum())
            entry["note"] = f"no index: no exit at {missing:,} of {y.size:,} design points"
            continue
        variance = float(y.var())
        if variance == 0.0:
            entry["note"] = f"no index: {METRICS[metric]} is the same at every design point"
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            s = sobol.analyze(
                problem(inputs), y, calc_second_order=False, num_resamples=RESAMPLES, seed=SEED
            )
        noise = _noise(half, other)
        entry["variance"] = variance
        entry["noise_share"] = None if noise is None else noise / variance
        entry["indices"] = [
            {
                "input": i.name,
                "S1": float(s1),
                "S1_ci95": [float(s1 - c1), float(s1 + c1)],
                "ST": float(st),
                "ST_ci95": [float(st - ct), float(st + ct)],
            }
            for i, s1, c1, st, ct in zip(
                inputs, s["S1"], s["S1_conf"], s["ST"], s["ST_conf"], strict=True
            )
        ]
        if caught:
            entry["note"] = "; ".join(sorted({str(w.message).splitlines()[0] for w in caught}))
    return out
