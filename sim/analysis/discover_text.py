"""Scenario discovery as terminal text: the boxes, their ranges, the peeling trajectory."""

from __future__ import annotations

from rich import box as boxes
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.analysis.discover import Discovery

SHOWN_STEPS = 12  # trajectory rows printed per box (every step is in trajectory.csv)


def _pct(p: float) -> str:
    return f"{100 * p:.2f}%"


def print_discovery(console: Console, found: Discovery) -> None:
    console.print(
        f"[bold]{escape(found.title)}[/bold] ({escape(found.name)}): {found.trials:,} trials, "
        f"seed {found.seed}; outcome {escape(found.outcome)}: {found.cases:,} trials "
        f"({_pct(found.base_rate)}); {len(found.inputs)} uncertain inputs"
    )
    if not found.boxes:
        console.print(
            "No box: no range of the uncertain inputs makes the outcome significantly more "
            "likely (what decides it is chance, or too few trials have it)."
        )
    for b in found.boxes:
        outside = "" if b.number == 1 else " (among the trials outside the boxes above)"
        console.print(
            f"[bold]Box {b.number}[/bold]{outside}: coverage {_pct(b.coverage)} ({b.cases:,} "
            f"of the {found.cases:,} trials with the outcome), density {_pct(b.density)} (of "
            f"its {b.trials:,} trials, {_pct(b.mass)} of all), "
            f"{b.density / b.among:.1f} times the share among the trials it was sought in "
            f"({_pct(b.among)})"
        )
        for lim in b.limits:
            console.print(f"  {escape(lim.text())}   [dim]({lim.qp_text()})[/dim]")
        if b.dropped:
            console.print(
                f"  [dim]dropped as not significant (quasi-p > 0.05): {len(b.dropped)} "
                "restriction" + ("s" if len(b.dropped) != 1 else "") + "[/dim]"
            )
        table = Table(
            title=f"Box {b.number}: peeling trajectory", title_justify="left",
            box=boxes.SIMPLE_HEAD, pad_edge=False,
        )  # fmt: skip
        for name in ("step", "coverage", "density", "mass", "inputs restricted"):
            table.add_column(name, justify="right")
        t = b.trajectory
        every = max(1, -(-len(t) // SHOWN_STEPS))
        shown = sorted({*range(0, len(t), every), len(t) - 1, b.step})
        for i in shown:
            row = t.iloc[i]
            mark = " <- chosen" if i == b.step else ""
            table.add_row(
                f"{i}{mark}", _pct(row["coverage"]), _pct(row["density"]), _pct(row["mass"]),
                str(int(row["restricted"])),
            )  # fmt: skip
        console.print(table)
    for note in found.notes:
        console.print(f"Note: {escape(note)}")
    console.print(
        "[dim]Coverage: share of all trials with the outcome that are in the box. Density: "
        "share of the box's trials that have it. Inputs are the draws of uncertain values; "
        "coins and hazard times are chance, which caps the density a box can reach.[/dim]"
    )
    if found.folder is not None:
        console.print(f"Discover folder: [bold]{escape(str(found.folder))}[/bold]")
