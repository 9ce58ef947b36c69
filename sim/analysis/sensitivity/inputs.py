"""The uncertain inputs of a scenario: the assumptions a sensitivity analysis ranks.

An input is a value the scenario writes as a distribution or an `a to b` interval (a
`Quantity` of `sim.draws` whose value is neither a constant nor None). The uniforms behind
each gate's pass/fail coin, each effect's coin, each ruling and each hazard event's time are
left out: they are the chance of a trial, not a judgment anyone could revise. A constant is
left out too: it has no range to vary over (compare it with `sim compare --set` instead).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.draws import quantities
from sim.language.model import Scenario
from sim.language.values import (
    Beta,
    Choice,
    Constant,
    Kind,
    LogitNormal,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
    Value,
)

LOW_Q, HIGH_Q = 0.05, 0.95  # where the tornado pins each input


@dataclass(frozen=True)
class Input:
    """One uncertain value: its draw's name (as in `draw.<name>` and `sim draws`)."""

    name: str
    value: Value

    @property
    def kind(self) -> Kind:
        return self.value.kind

    def at(self, q: float | np.ndarray) -> np.ndarray:
        """The value at quantile(s) q, clipped and rounded as a draw would be."""
        return self.value.from_uniform(np.atleast_1d(np.asarray(q, dtype=float)))

    @property
    def low(self) -> float:
        return float(self.at(LOW_Q)[0])

    @property
    def high(self) -> float:
        return float(self.at(HIGH_Q)[0])

    @property
    def label(self) -> str:
        return label(self.name)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "kind": self.kind.value,
            "distribution": describe(self.value),
            "p5": self.low,
            "p95": self.high,
            "source": self.value.source,
        }


def uncertain_inputs(scenario: Scenario) -> list[Input]:
    """Every uncertain value of the scenario, in scenario order."""
    return [
        Input(q.name, q.value)
        for q in quantities(scenario)
        if q.value is not None and not isinstance(q.value, Constant)
    ]


_SKIP = {"gates", "challenges"}


def label(name: str) -> str:
    """A draw's name for a chart: `routes.r.gates.g.delay` -> `r: g delay`."""
    parts = name.split(".")
    if parts[0] == "routes" and len(parts) > 2:
        rest = [p for p in parts[2:] if p not in _SKIP]
        return f"{parts[1]}: {' '.join(rest)}"
    if parts[0] == "events" and len(parts) > 2:
        return f"{parts[1]}: {' '.join(parts[2:]).replace('rate_changes ', 'from ')}"
    if parts[0] == "notice" and len(parts) == 4:
        return f"notice {parts[1]} {parts[2]}: {parts[3]}"
    return name.replace(".", " ")


def count(k: int) -> str:
    """`1 input`, `18 inputs`."""
    return f"{k:,} input" if k == 1 else f"{k:,} inputs"


def grouped(names: list[str]) -> str:
    """Names by their part of the scenario: `routes.hr6508_119th (7), events.x (1)`."""
    counts: dict[str, int] = {}
    for name in names:
        key = ".".join(name.split(".")[:2])
        counts[key] = counts.get(key, 0) + 1
    return ", ".join(f"{k} ({n})" for k, n in counts.items())


def number(kind: Kind | str, x: float) -> str:
    """A value in its unit: 0.35, 84d, 160 (votes), 0.018/yr."""
    kind = Kind(kind)
    if not np.isfinite(x):
        return "inf"
    if kind is Kind.DURATION:
        return f"{x:.0f}d" if abs(x) >= 10 else f"{x:.1f}d"
    if kind is Kind.COUNT:
        return f"{x:.0f}"
    text = f"{x:.3g}" if abs(x) >= 0.001 else f"{x:.2g}"
    return f"{text}/yr" if kind is Kind.RATE else text


def describe(value: Value) -> str:
    """The distribution in words, as a scenario would write it."""
    k = value.kind

    def n(x: float) -> str:
        return number(k, x)

    match value:
        case LogNormal() | LogitNormal():
            return f"{n(value.p5)} to {n(value.p95)}"
        case Uniform():
            return f"uniform {n(value.min)} to {n(value.max)}"
        case Triangular():
            return f"triangular {n(value.min)}, {n(value.mode)}, {n(value.max)}"
        case Pert():
            return f"pert {n(value.min)}, {n(value.mode)}, {n(value.max)}"
        case Normal():
            return f"normal mean {n(value.mean)}, sd {n(value.sd)}"
        case Beta():
            mean = value.a / (value.a + value.b)
            sd = (value.a * value.b / ((value.a + value.b) ** 2 * (value.a + value.b + 1))) ** 0.5
            return f"beta mean {n(mean)}, sd {n(sd)}"
        case Choice():
            return "choice of " + ", ".join(n(v) for v in value.values)
    return type(value).__name__.lower()
