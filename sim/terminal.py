"""The terminal summary of a run: what a reader wants first, readable at a glance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sim.outcomes import Outcome
from sim.reference_figures import describe

_OUTCOME_TEXT = {
    Outcome.EXITED: "exited (notice took effect by the horizon)",
    Outcome.NOTICE_PENDING: "notice pending at the horizon",
    Outcome.REVOKED: "notice revoked",
    Outcome.VOIDED: "notice voided by a court",
    Outcome.BLOCKED: "blocked (every route failed or died)",
    Outcome.NO_MOVE: "no move (no notice by the horizon)",
}


def pct(p: float) -> str:
    return f"{100 * p:.2f}%"


def ci(bounds: list[float]) -> str:
    return f"{pct(bounds[0])} to {pct(bounds[1])}"


def ci_short(bounds: list[float]) -> str:
    return f"{100 * bounds[0]:.2f}-{pct(bounds[1])}"


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
        if outcome is Outcome.NO_MOVE and count and "no_move" in summary:
            for key, text in (
                ("route_under_way", "  of which a route still under way"),
                ("no_route_started", "  of which no route ever started"),
            ):
                k = summary["no_move"][key]
                outcomes.add_row(
                    f"[dim]{text}[/dim]", f"[dim]{k:,}[/dim]", f"[dim]{pct(k / n)}[/dim]"
                )
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

    rows = [
        (event, summary["event_dates"][event], p, summary["p_exit_by_ci95"][event],
         summary["p_notice_by"][event], summary["p_notice_by_ci95"][event])
        for event, p in summary["p_exit_by"].items()
    ] + [
        ("--at", r["date"], r["p_exit"], r["p_exit_ci95"], r["p_notice"], r["p_notice_ci95"])
        for r in summary.get("at", [])
    ]  # fmt: skip
    if rows:
        by = Table(title="By each dated event (and --at date)", title_justify="left")
        by.add_column("event")
        by.add_column("date")
        by.add_column("P(exit by)", justify="right")
        by.add_column("95% CI", justify="right", style="dim")
        by.add_column("P(notice by)", justify="right")
        by.add_column("95% CI", justify="right", style="dim")
        for event, date, p, p_ci, q, q_ci in sorted(rows, key=lambda r: r[1]):
            by.add_row(event, date, pct(p), ci_short(p_ci), pct(q), ci_short(q_ci))
        console.print(by)
    _print_references(console, summary.get("references", []))
    if folder is not None:
        console.print(f"Run folder: [bold]{folder}[/bold]")


def _print_references(console: Console, references: list[dict[str, Any]]) -> None:
    """External forecasts beside the model figure that answers each (scenario `references:`)."""
    if not references:
        return
    table = Table(title="Forecasts vs the model", title_justify="left")
    table.add_column("forecast (observed)")
    table.add_column("value", justify="right")
    table.add_column("model quantity")
    table.add_column("model", justify="right")
    table.add_column("95% CI", justify="right", style="dim")
    for r in references:
        table.add_row(
            f"{r['question']} ({r['observed']})",
            pct(r["value"]),
            describe(r["quantity"]),
            pct(r["model"]),
            ci_short(r["model_ci95"]),
        )
    console.print(table)


def print_query(console: Console, answer: dict[str, Any]) -> None:
    """A conditional answer: the condition, how many trials meet it, and the figures."""
    n, k = answer["trials"], answer["matching"]
    console.print(
        f"[bold]{answer['name']}[/bold]: given {' and '.join(answer['given'])}: "
        f"{k:,} of {n:,} trials ({pct(answer['share'])}, 95% CI {ci(answer['share_ci95'])})"
    )
    if k:
        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_column(style="dim")
        for key, label in (("p_exit", "P(exit | given)"), ("p_notice", "P(notice | given)")):
            table.add_row(label, pct(answer[key]), f"95% CI {ci(answer[key + '_ci95'])}")
        for key in ("p10", "p50", "p90"):
            if answer["exit_date"]:
                table.add_row(f"exit date {key}", answer["exit_date"][key], "among exits")
        console.print(table)
    if not answer["enough"]:
        console.print(f"[yellow]Too few trials:[/yellow] {answer['advice']}")
