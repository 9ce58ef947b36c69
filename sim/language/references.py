"""External forecasts a scenario lists (`references:`), checked against what the scenario
can answer: a forecast is only comparable with a figure the model actually computes."""

from __future__ import annotations

import datetime as dt

from sim.language.errors import Problems, ScenarioError, did_you_mean
from sim.language.model import Reference, Route
from sim.language.schema import ReferenceIn


def build_references(
    given: list[ReferenceIn],
    start: dt.date,
    horizon: dt.date,
    routes: dict[str, Route | None],
    problems: Problems,
) -> tuple[Reference, ...]:
    """Each reference whose quantity the scenario can answer; a problem for each other."""
    out: list[Reference] = []
    for i, ref in enumerate(given):
        q = ref.quantity
        path: tuple[str | int, ...] = ("references", i, "quantity")
        route = gate = None
        if q.p_gate_by is not None:
            kind, date = "p_gate_by", q.p_gate_by.date
            path = (*path, "p_gate_by")
            route, gate = q.p_gate_by.route, q.p_gate_by.gate
            if route not in routes:
                known = ", ".join(routes) or "none"
                problems.add(
                    ScenarioError(
                        f"unknown route {route!r}{did_you_mean(route, routes)}; routes: {known}",
                        (*path, "route"),
                    )
                )
                continue
            found = routes[route]
            gates = [g.name for g in found.gates] if found is not None else []
            if found is not None and gate not in gates:
                known = ", ".join(gates) or "none"
                problems.add(
                    ScenarioError(
                        f"unknown gate {gate!r}{did_you_mean(gate, gates)}; route {route}'s "
                        f"gates: {known}",
                        (*path, "gate"),
                    )
                )
                continue
            date_path = (*path, "date")
        else:
            kind = "p_notice_by" if q.p_notice_by is not None else "p_exit_by"
            date = q.p_notice_by or q.p_exit_by
            date_path = (*path, kind)
        assert date is not None  # the schema asks for exactly one quantity
        if not start <= date <= horizon:
            problems.add(
                ScenarioError(
                    f"{date} is outside the run ({start} to {horizon}): the model cannot "
                    "answer this forecast; use a date within the run, or move start/horizon",
                    date_path,
                )
            )
            continue
        out.append(
            Reference(
                question=ref.question,
                value=ref.value,
                observed=ref.observed,
                source=ref.source,
                kind=kind,
                date=date,
                route=route,
                gate=gate,
            )
        )
    return tuple(out)
