"""The terminal summary of a run: what a reader wants first, readable at a glance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sim.outcomes import Outcome

_OUTCOME_TEXT = {
    Outcome.EXITED: "exited (notice took effect by the horizon)",
    Outcome.NOTICE_PENDING: "notice pending at the horizon",
    Outcome.REVOKED: "notice revoked",
    Outcome.VOIDED: "notice voided by a court",
    Outcome.BLOCKED: "blocked (every route failed or died)",
    Outcome.NO_MOVE: "no move (no notice; a route still open)",
}


def pct(p: float) -> str:
    return f"{100 * p:.2f}%"


def ci(bounds: list[float]) -> str:
    return f"{pct(bounds[0])} to {pct(bounds[1])}"


_STOP_TEXT = {"failed": "failed at", "died": "died on", "superseded": "superseded by"}


def _stops(summary: dict[str, Any], route: str) -> str:
    """'failed at house_committee 9,449; died on end_119th_congress 17,930; active 12'."""
    parts = [
        (n, f"{_STOP_TEXT[status]} {name} {n:,}")
        for status, names in summary["stopped_by"][route].items()
        for name, n in names.items()
    ]
    status = summary["route_status"][route]
    for key, label in (("active", "still active"), ("not_started", "never started")):
        if status[key]:
            parts.append((status[key], f"{label} {status[key]:,}"))
    return "; ".join(text for _, text in sorted(parts, key=lambda p: -p[0])) or "-"


def print_summary(console: Console, summary: dict[str, Any], folder: Path | None) -> None:
    n = summary["trials"]
    console.print(
        f"[bold]{summary['title']}[/bold] ({summary['name']}): {n:,} trials, "
        f"seed {summary['seed']}, {summary['start']} to {summary['horizon']}"
    )
    head = Table(show_header=False, box=None, pad_edge=False)
    head.add_column(style="bold")
    head.add_column(justify="right")
    head.add_column(style="dim")
    head.add_row(
        f"P(exit by {summary['horizon']})",
        pct(summary["p_exit"]),
        f"95% CI {ci(summary['p_exit_ci95'])}",
    )
    head.add_row(
        "P(notice deposited)", pct(summary["p_notice"]), f"95% CI {ci(summary['p_notice_ci95'])}"
    )
    console.print(head)

    outcomes = Table(title="Outcomes", title_justify="left")
    outcomes.add_column("outcome")
    outcomes.add_column("trials", justify="right")
    outcomes.add_column("share", justify="right")
    for outcome in Outcome:
        count = summary["outcomes"][outcome.value]
        outcomes.add_row(_OUTCOME_TEXT[outcome], f"{count:,}", pct(count / n))
    console.print(outcomes)

    routes = Table(title="Routes", title_justify="left")
    routes.add_column("route")
    routes.add_column("notices", justify="right")
    routes.add_column("share", justify="right")
    routes.add_column("where the route stopped (trials)")
    for route, count in summary["routes"].items():
        routes.add_row(route, f"{count:,}", pct(count / n), _stops(summary, route))
    console.print(routes)

    if summary["exit_date"] is not None:
        dates = Table(title="Exit date, among trials that exit", title_justify="left")
        for key in ("p10", "p50", "p90", "mean"):
            dates.add_column(key, justify="right")
        dates.add_row(*(summary["exit_date"][k] for k in ("p10", "p50", "p90", "mean")))
        dates.add_row(
            *(f"day {summary['days_to_exit'][k]:,.0f}" for k in ("p10", "p50", "p90", "mean"))
        )
        console.print(dates)
    else:
        console.print("No trial exited by the horizon.")

    if summary["p_exit_by"]:
        by = Table(title="P(exit) by each dated event", title_justify="left")
        by.add_column("event")
        by.add_column("date")
        by.add_column("P(exit)", justify="right")
        by.add_column("95% CI", justify="right")
        for event, p in summary["p_exit_by"].items():
            date = summary["event_dates"][event]
            by.add_row(event, date, pct(p), ci(summary["p_exit_by_ci95"][event]))
        console.print(by)
    if folder is not None:
        console.print(f"Run folder: [bold]{folder}[/bold]")
