"""A comparison as text: the terminal table (rich) and the same table in Markdown.

One function builds the cells, so the terminal and `compare.md` always show the same
numbers. Differences of probabilities are in percentage points ("pts"), of dates in days.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.comparison import Comparison, Difference, Metric

NOISE = "within noise"


def _value(metric: Metric, value: object) -> str:
    if value is None:
        return "-"
    if metric.kind == "probability":
        return f"{100 * float(value):.2f}%"  # type: ignore[arg-type]
    return str(value)


def _signed(x: float, digits: int) -> str:
    text = f"{x:+.{digits}f}"
    return "+0" + text[2:] if text.startswith("-0") and float(text) == 0 else text


def difference_text(metric: Metric, d: Difference | None) -> str:
    """'+3.15 pts (+2.61 to +3.69)' or '+4 days (-13 to +10)'."""
    if d is None:
        return "-"
    if metric.kind == "probability":
        v, lo, hi = (100 * x for x in (d.value, *d.ci95))
        return f"{_signed(v, 2)} pts ({_signed(lo, 2)} to {_signed(hi, 2)})"
    return f"{_signed(d.value, 0)} days ({_signed(d.ci95[0], 0)} to {_signed(d.ci95[1], 0)})"


def _pairing(comparison: Comparison, run: int) -> str:
    """'paired' or 'unpaired', from the first interval the run has."""
    for m in comparison.metrics:
        d = m.differences[run]
        if d is not None:
            return "paired" if d.paired else "unpaired"
    return "no interval"


def header(comparison: Comparison) -> list[str]:
    labels = comparison.labels
    cols = ["metric", labels[0]]
    for i, label in enumerate(labels[1:], start=1):
        cols += [label, f"difference to {labels[0]} (95% CI, {_pairing(comparison, i)})"]
    return cols


def rows(comparison: Comparison) -> list[list[tuple[str, bool]]]:
    """Each cell's text, and whether it is a difference within noise."""
    out = []
    for m in comparison.metrics:
        row = [(m.label, False), (_value(m, m.values[0]), False)]
        for value, d in zip(m.values[1:], m.differences[1:], strict=True):
            noise = d is not None and d.within_noise
            text = difference_text(m, d) + (f", {NOISE}" if noise else "")
            row += [(_value(m, value), False), (text, noise)]
        out.append(row)
    return out


LEGEND = (
    f"Differences are each run minus the first; '{NOISE}': the 95% interval contains 0. "
    "Paired: the runs share seed, trials and draws, so the difference is taken trial by trial."
)


def describe_run(r: dict[str, object]) -> str:
    """'label: title (20,000 trials, seed 1, 2026-11-25 to 2029-01-20), folder'."""
    text = (
        f"{r['label']}: {r['title']} ({r['trials']:,} trials, seed {r['seed']}, "
        f"{r['start']} to {r['horizon']})"
    )
    return text + (f", {r['folder']}" if r["folder"] else "")


def print_comparison(console: Console, comparison: Comparison, folder: Path | None) -> None:
    for r in comparison.runs:
        console.print(escape(describe_run(r)))
    table = Table(title="Comparison", title_justify="left")
    for i, col in enumerate(header(comparison)):
        table.add_column(escape(col), justify="left" if i == 0 else "right")
    for row in rows(comparison):
        table.add_row(*(f"[dim]{escape(t)}[/dim]" if noise else escape(t) for t, noise in row))
    console.print(table)
    console.print(f"[dim]{LEGEND}[/dim]")
    for note in comparison.notes:
        console.print(f"Note: {escape(note)}")
    if folder is not None:
        console.print(f"Compare folder: [bold]{escape(str(folder))}[/bold]")


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(comparison: Comparison) -> str:
    cols = header(comparison)
    lines = [
        "# Comparison",
        "",
        *(f"- {_md(describe_run(r))}" for r in comparison.runs),
        "",
        "| " + " | ".join(_md(c) for c in cols) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(cols) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(_md(t) for t, _ in row) + " |" for row in rows(comparison)]
    lines += ["", LEGEND]
    if comparison.notes:
        lines += ["", "Notes:", "", *(f"- {_md(n)}" for n in comparison.notes)]
    return "\n".join(lines) + "\n"
