"""Given data: first-order indices from one run's per-trial draws and outcomes.

The method is RBD-FAST on given data (`SALib.analyze.rbd_fast`: Plischke 2010's ordering of
the trials by each input in turn, the output's power in the first M harmonics, and
Tarantola et al. 2012's correction of the bias from noise), which estimates each input's
first-order index S1 = Var(E[Y | X_i]) / Var(Y) from the trials the run already has.

Why this one of SALib's given-data methods, for a 0/1 outcome such as "exited":

- RBD-FAST's bias correction assumes the rest of Y, once sorted by X_i, is white noise,
  which is exactly what the trial's own chance (its coins) is; an input that does not
  matter then scores about zero, and its bootstrap interval covers zero.
- The delta moment-independent measure (`SALib.analyze.delta`) estimates densities of Y
  with a Gaussian kernel: for a 0/1 output it gave every input about 0.15, the one that
  decides the outcome and the irrelevant ones alike, and took half a minute for three
  inputs. Its binned S1 (`method="sobol"`) has no bias correction (an irrelevant input
  scored 0.002, against 0.007 for the one that mattered), and it reseeds numpy's global
  random state.
- PAWN (`SALib.analyze.pawn`) compares conditional CDFs: for a 0/1 output the KS statistic
  is just |P(Y=1 | bin) - P(Y=1)|, it too is positive for an irrelevant input, and SALib
  gives it no interval.

For a 0/1 outcome most of Var(Y) is the trial's chance, so indices are small (a gate
p ~ uniform(0.2, 0.6) alone decides P(exit) = p, yet explains only
Var(p) / (0.4 * 0.6) = 5.6% of Var(Y)); the ranking is what they are for, and `spread`
restates each index as the standard deviation of P(Y | X_i) in the outcome's own units.
The time to exit is analysed among the trials that exit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.analysis.sensitivity.design import problem
from sim.analysis.sensitivity.evaluate import Outcomes
from sim.analysis.sensitivity.inputs import Input

HARMONICS = 10  # SALib's default M
RESAMPLES = 100  # bootstrap resamples of half the trials (SALib's rbd_fast bootstrap)
SEED = 20261127
MIN_TRIALS = 200  # fewer and the correction (2M/N) eats the estimate
METHOD = (
    f"RBD-FAST on given data (SALib.analyze.rbd_fast, M={HARMONICS}, bias-corrected); "
    f"95% interval: +-1.96 sd of {RESAMPLES} bootstrap estimates on half the trials"
)
METRICS = {
    "p_exit": "P(exit by the horizon)",
    "p_notice": "P(notice deposited)",
    "days_to_exit": "time to exit (days from start, among exits)",
}


def _outputs(base: Outcomes, x: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    ex = base.exited
    return {
        "p_exit": (x, ex.astype(float)),
        "p_notice": (x, base.notice.astype(float)),
        "days_to_exit": (x[ex], base.exit_day[ex]),
    }


def analyse(inputs: list[Input], base: Outcomes, x: np.ndarray) -> dict[str, Any]:
    """Each metric's first-order index of every input, with its 95% interval."""
    from SALib.analyze import rbd_fast

    out: dict[str, Any] = {"method": METHOD, "trials": base.n, "metrics": {}}
    for metric, (xs, y) in _outputs(base, x).items():
        entry: dict[str, Any] = {"label": METRICS[metric], "trials": int(y.size)}
        variance = float(y.var()) if y.size else 0.0
        if y.size < MIN_TRIALS or variance == 0.0:
            what = "exits" if metric == "days_to_exit" else "trials"
            entry["note"] = (
                f"no index: {y.size:,} {what} with no variation in {METRICS[metric]}"
                if y.size >= MIN_TRIALS
                else f"no index: {y.size:,} {what}, fewer than {MIN_TRIALS}"
            )
            entry["indices"] = None
            out["metrics"][metric] = entry
            continue
        found = rbd_fast.analyze(
            problem(inputs), xs, y, M=HARMONICS, num_resamples=RESAMPLES, seed=SEED
        )
        rows = []
        for i, s1, half in zip(inputs, found["S1"], found["S1_conf"], strict=True):
            s1, half = float(s1), float(half)
            rows.append(
                {
                    "input": i.name,
                    "S1": s1,
                    "ci95": [s1 - half, s1 + half],
                    "spread": math.sqrt(max(s1, 0.0) * variance),
                }
            )
        entry["variance"] = variance
        entry["indices"] = rows
        out["metrics"][metric] = entry
    return out
