"""The model's answer to each external forecast a scenario lists (`references:`), computed
from the trial table like every other figure of `summary.json`: a forecast is compared
with a share of trials, with its Wilson 95% interval, never with a retyped number."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.day_sample import DaySample
from sim.intervals import wilson_list
from sim.language.model import Reference, Scenario


def gate_keys(scenario: Scenario) -> list[tuple[str, str]]:
    """The (route, gate) pairs whose passing days the references need."""
    keys = [(r.route, r.gate) for r in scenario.references if r.kind == "p_gate_by"]
    return list(dict.fromkeys((str(a), str(b)) for a, b in keys))


def passed_days(table: pd.DataFrame, route: str, gate: str) -> np.ndarray:
    """The days on which this gate passed, in the trials where it did."""
    result = table[f"gate.{route}.{gate}.result"].to_numpy()
    days = table[f"gate.{route}.{gate}.day"].to_numpy(dtype=float)
    return days[result == "passed"]


def figure(
    ref: Reference,
    start_day_end: int,
    exit_days: DaySample,
    notice_days: DaySample,
    gate_days: dict[tuple[str, str], DaySample],
    n: int,
) -> dict[str, Any]:
    """One reference beside the model: a day counts by the date when it is below
    (date - start) + 1, as for `p_exit_by` (the date is the day's floor)."""
    if ref.kind == "p_gate_by":
        days = gate_days[(str(ref.route), str(ref.gate))]
    else:
        days = notice_days if ref.kind == "p_notice_by" else exit_days
    k = int(days.count_before(np.array([float(start_day_end)]))[0])
    return {
        "question": ref.question,
        "value": ref.value,
        "observed": ref.observed.isoformat(),
        "source": ref.source,
        "quantity": ref.quantity(),
        "model": k / n,
        "model_ci95": wilson_list(k, n),
    }


def figures(
    scenario: Scenario,
    exit_days: DaySample,
    notice_days: DaySample,
    gate_days: dict[tuple[str, str], DaySample],
    n: int,
) -> list[dict[str, Any]]:
    return [
        figure(ref, (ref.date - scenario.start).days + 1, exit_days, notice_days, gate_days, n)
        for ref in scenario.references
    ]


def describe(quantity: dict[str, Any]) -> str:
    """A summary's quantity in words ('P(notice by 2026-12-31)'), for tables."""
    if "p_gate_by" in quantity:
        g = quantity["p_gate_by"]
        return f"P({g['route']} passed {g['gate']} by {g['date']})"
    if "p_notice_by" in quantity:
        return f"P(notice by {quantity['p_notice_by']})"
    return f"P(exit by {quantity['p_exit_by']})"
