"""The tornado: each input pinned at its 5th and at its 95th percentile, one at a time.

Every pinned run plays the unpinned run's trials with only that input changed (its other
quantities keep their named streams), so each difference is paired trial by trial, as
`sim compare` pairs a scenario with its variant (`sim.comparison.paired_interval`: the t
interval of the per-trial differences of the 0/1 indicators). The swing (at the 95th minus
at the 5th) is paired the same way. The median time to exit has a paired bootstrap interval
(`sim.comparison.median_difference`) over the trials that exit in either run.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.analysis.sensitivity.evaluate import Outcomes
from sim.analysis.sensitivity.inputs import HIGH_Q, LOW_Q, Input
from sim.comparison import MIN_EXITS, PAIRED_BOOT, PAIRED_T, median_difference, paired_interval

METHOD = (
    f"one at a time: each input pinned at its {LOW_Q:.0%} and {HIGH_Q:.0%} quantiles, the "
    "other quantities on their own streams; differences paired trial by trial"
)


def _difference(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    value, ci = paired_interval(a.astype(float), b.astype(float))
    return {"value": value, "ci95": [ci[0], ci[1]]}


def _probability(base: np.ndarray, low: np.ndarray, high: np.ndarray) -> dict[str, Any]:
    return {
        "base": float(base.mean()),
        "low": float(low.mean()),
        "high": float(high.mean()),
        "low_diff": _difference(base, low),
        "high_diff": _difference(base, high),
        "swing": _difference(low, high),
    }


def _median(days: np.ndarray) -> float | None:
    found = days[np.isfinite(days)]
    return float(np.median(found)) if found.size else None


def _median_swing(base: Outcomes, low: Outcomes, high: Outcomes) -> dict[str, Any]:
    out: dict[str, Any] = {
        "base": _median(base.exit_day),
        "low": _median(low.exit_day),
        "high": _median(high.exit_day),
        "swing": None,
    }
    if min(int(low.exited.sum()), int(high.exited.sum())) < MIN_EXITS:
        out["note"] = f"no interval: fewer than {MIN_EXITS} exits at a pin"
        if out["low"] is not None and out["high"] is not None:
            out["swing"] = {"value": out["high"] - out["low"], "ci95": None}
        return out
    either = low.exited | high.exited
    ci = median_difference(low.exit_day[either], high.exit_day[either], paired=True)
    out["swing"] = {"value": out["high"] - out["low"], "ci95": [ci[0], ci[1]]}
    return out


def analyse(inputs: list[Input], runs: list[Outcomes]) -> dict[str, Any]:
    """`runs[0]` is the unpinned run, then each input at its low and high pin, in input
    order. Rows come sorted by the swing of P(exit), largest first."""
    base = runs[0]
    rows = []
    for k, i in enumerate(inputs):
        low, high = runs[1 + 2 * k], runs[2 + 2 * k]
        rows.append(
            {
                "input": i.name,
                "low_value": i.low,
                "high_value": i.high,
                "p_exit": _probability(base.exited, low.exited, high.exited),
                "p_notice": _probability(base.notice, low.notice, high.notice),
                "days_to_exit": _median_swing(base, low, high),
            }
        )
    order = sorted(
        range(len(rows)),
        key=lambda r: (
            -abs(rows[r]["p_exit"]["swing"]["value"]),
            -abs(rows[r]["p_notice"]["swing"]["value"]),
            r,
        ),
    )
    return {
        "method": METHOD,
        "quantiles": [LOW_Q, HIGH_Q],
        "trials": base.n,
        "intervals": {"probability": PAIRED_T, "days_to_exit": PAIRED_BOOT},
        "rows": [rows[r] for r in order],
    }


def unchanged(row: dict[str, Any], metric: str) -> bool:
    """Pinning the input at either percentile changed no trial's value of the metric (the
    same trials exit, or file, as unpinned): nothing to draw."""
    m = row[metric]
    if metric == "days_to_exit":
        return m["low"] == m["base"] and m["high"] == m["base"]
    return m["low_diff"]["ci95"] == [0.0, 0.0] and m["high_diff"]["ci95"] == [0.0, 0.0]


def by_swing(rows: list[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """Rows by the size of the metric's swing, largest first; where a pin left no exit (no
    median time), by the other pin's move from the unpinned value."""

    def size(r: dict[str, Any]) -> float:
        m = r[metric]
        s = m["swing"]
        if s and s.get("value") is not None:
            return abs(s["value"])
        moves = [abs(m[k] - m["base"]) for k in ("low", "high") if m[k] is not None]
        return max(moves) if moves and m["base"] is not None else -1.0

    return sorted(rows, key=size, reverse=True)
