"""Sobol' indices from a Saltelli design (`SALib.analyze.sobol`: first-order S1 and total
ST, with bootstrap 95% intervals).

Each design point fixes every input and plays the same `per_point` trials (the same chance:
coins, rulings, hazard times), so the output at a point, P(exit | inputs) estimated over
those trials, is a deterministic function of the inputs (common random numbers). It is not
the exact conditional probability: the average over a finite number of trials adds, to the
variance between points, about E[p(1-p)] / per_point of chance, which Sobol' then ascribes
to the inputs (mostly to interactions: ST is inflated, S1 deflated, by roughly that share).
`noise_share` estimates that share for each metric; raise `--sobol-trials` when it is large.
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


def _noise(metric: str, y: np.ndarray, found: PointResult, per_point: int) -> float:
    """The chance part of Var(y) over points: the mean squared standard error of a point's
    estimate (a share over `per_point` trials, or a mean of exit days)."""
    if metric == "days_to_exit":
        return float("nan")  # needs each point's spread of days: not kept
    return float(np.mean(y * (1 - y)) / max(per_point - 1, 1))


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
        "p_exit": found.p_exit,
        "p_notice": found.p_notice,
        "days_to_exit": found.mean_exit_day,
    }
    for metric, y in outputs.items():
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
        noise = _noise(metric, y, found, per_point)
        entry["variance"] = variance
        entry["noise_share"] = None if np.isnan(noise) else noise / variance
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
