"""A sweep as a terminal table: one row a grid point."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.analysis.sweep import Sweep, short


def _pct(p: float) -> str:
    return f"{100 * p:.2f}%"


def _ci(low: float, high: float) -> str:
    return f"{100 * low:.2f}-{100 * high:.2f}"


def _change(row: dict[str, Any]) -> tuple[str, str, str]:
    """'+19.70', '+17.96 to +21.44' (points) and '+394/-0' (trials)."""
    if row["p_exit_change"] is None:
        return "-", "", ""
    v, low, high = (
        100 * float(row[k]) for k in ("p_exit_change", "p_exit_change_low", "p_exit_change_high")
    )
    return f"{v:+.2f}", f"{low:+.2f} to {high:+.2f}", f"+{row['exits_gained']}/-{row['exits_lost']}"


WIDE = 120  # columns for output that is not a terminal (a file, a pager): one line a point


def print_sweep(console: Console, sweep: Sweep) -> None:
    if not console.is_terminal:
        console.width = max(console.width, WIDE)
    console.print(
        f"[bold]{escape(sweep.title)}[/bold] ({escape(sweep.name)}): sweep of "
        f"{len(sweep.points)} points, {sweep.trials:,} trials each, seed {sweep.seed}, "
        f"{sweep.start} to {sweep.horizon}"
    )
    for i, axis in enumerate(sweep.axes, start=1):
        console.print(f"parameter {i}: {escape(axis.path)} = {escape(', '.join(axis.values))}")
    table = Table(title="Sweep", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for axis in sweep.axes:
        table.add_column(escape(short(axis.path)), justify="right")
    table.add_column("P(exit)", justify="right")
    table.add_column("95% CI", justify="right", style="dim")
    table.add_column("P(notice)", justify="right")
    table.add_column("median exit", justify="right")
    table.add_column("change (pts)", justify="right")
    table.add_column("95% CI, paired", justify="right", style="dim")
    table.add_column("+/- exits", justify="right", style="dim")
    for row in sweep.rows():
        table.add_row(
            *(escape(str(row[a.path])) for a in sweep.axes),
            _pct(row["p_exit"]),
            _ci(row["p_exit_low"], row["p_exit_high"]),
            _pct(row["p_notice"]),
            row["median_exit_date"] or "no exit",
            *_change(row),
        )
    console.print(table)
    console.print(
        "[dim]Every point runs with the same seed and trials, so trial i is the same world at "
        "every point. Change: P(exit) minus at the previous value of parameter 1, trial by "
        "trial (paired); +/- exits: trials that exit only here / only there. Each point's "
        "run folder is in sweep.csv.[/dim]"
    )
    for note in sweep.notes:
        console.print(f"Note: {escape(note)}")
    if sweep.folder is not None:
        console.print(f"Sweep folder: [bold]{escape(str(sweep.folder))}[/bold]")
