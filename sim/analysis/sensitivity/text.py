"""The terminal view of a sensitivity analysis: one table a metric, inputs ranked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from sim.analysis.sensitivity.inputs import count, grouped, number
from sim.analysis.sensitivity.result import ranking
from sim.analysis.sensitivity.tornado import by_swing, unchanged

TITLES = {
    "p_exit": "What moves P(exit by the horizon)",
    "p_notice": "What moves P(notice deposited)",
    "days_to_exit": "What moves the time to exit (days from start, among exits)",
}


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{100 * p:.2f}%"


def _pts(v: float) -> str:
    return f"{100 * v:+.2f}"


def _swing(metric: str, s: dict[str, Any] | None) -> str:
    if not s or s.get("value") is None:
        return "-"
    v, ci = s["value"], s.get("ci95")
    if metric == "days_to_exit":
        text = f"{round(v):+d}"
        return f"{text} ({round(ci[0]):+d} to {round(ci[1]):+d})" if ci else text
    return f"{_pts(v)} ({_pts(ci[0])} to {_pts(ci[1])})"


def _index(v: float, ci: list[float]) -> str:
    return f"{v:.4f} ({ci[0]:.4f} to {ci[1]:.4f})"


def _by_input(section: dict[str, Any] | None, metric: str) -> dict[str, dict[str, Any]]:
    if not section:
        return {}
    rows = section["metrics"].get(metric, {}).get("indices") or []
    return {r["input"]: r for r in rows}


def _metric_table(data: dict[str, Any], metric: str) -> tuple[Table | None, list[str]]:
    """The metric's table, and the inputs left out of it: those whose pins changed no trial
    (the tornado proves them idle at both percentiles; the JSON and CSV keep them)."""
    order, _ = ranking(data)
    inputs = {i["name"]: i for i in data["inputs"]}
    tornado = {r["input"]: r for r in data.get("tornado", {}).get("rows", [])}
    given = _by_input(data.get("given"), metric)
    sobol = _by_input(data.get("sobol"), metric)
    if not (tornado or given or sobol):
        return None, []
    if tornado:  # each table by its own metric's swing, as its tornado chart
        order = [r["input"] for r in by_swing(list(tornado.values()), metric)]
    idle = [n for n in order if n in tornado and unchanged(tornado[n], metric)]
    order = [n for n in order if n not in idle]
    if not order:
        return None, idle
    days = metric == "days_to_exit"
    table = Table(title=TITLES[metric], title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("input", overflow="fold")
    table.add_column("5th to 95th pct", justify="right")
    if tornado:
        table.add_column("at 5th / 95th", justify="right")
        table.add_column("swing, days (95% CI)" if days else "swing, pts (95% CI)", justify="right")
    if given:
        table.add_column("S1 given (95% CI)", justify="right")
    if sobol:
        table.add_column("Sobol S1 (95% CI)", justify="right")
        table.add_column("Sobol ST (95% CI)", justify="right")
    for rank, name in enumerate(order, start=1):
        i = inputs[name]
        cells = [str(rank), name, f"{number(i['kind'], i['p5'])} to {number(i['kind'], i['p95'])}"]
        if tornado:
            m = tornado[name][metric]
            if days:
                low = "-" if m["low"] is None else f"{m['low']:.0f}"
                high = "-" if m["high"] is None else f"{m['high']:.0f}"
            else:
                low, high = _pct(m["low"]), _pct(m["high"])
            cells += [f"{low} / {high}", _swing(metric, m["swing"])]
        if given:
            r = given.get(name)
            cells.append(_index(r["S1"], r["ci95"]) if r else "-")
        if sobol:
            r = sobol.get(name)
            cells += (
                [_index(r["S1"], r["S1_ci95"]), _index(r["ST"], r["ST_ci95"])] if r else ["-"] * 2
            )
        table.add_row(*cells)
    return table, idle


def print_sensitivity(console: Console, data: dict[str, Any], folder: Path | None) -> None:
    console.highlight = False  # no colour guessed from the text: P(exit) is not a call
    s = data["scenario"]
    console.print(
        f"[bold]{s['title']}[/bold] ({s['name']}): {s['trials']:,} trials, seed {s['seed']}, "
        f"{s['start']} to {s['horizon']}, {data['engine']} engine"
    )
    base = data.get("base")
    if base:
        median = base["median_days_to_exit"]
        console.print(
            f"Unpinned: P(exit by {s['horizon']}) {_pct(base['p_exit'])} "
            f"(95% CI {_pct(base['p_exit_ci95'][0])} to {_pct(base['p_exit_ci95'][1])}), "
            f"P(notice) {_pct(base['p_notice'])}, median time to exit "
            + ("-" if median is None else f"{median:.0f} days")
        )
    order, by = ranking(data)
    if "tornado" in data:
        console.print(f"{len(order)} uncertain inputs; each table ranks them by its tornado swing")
    else:
        console.print(f"{len(order)} uncertain inputs, ranked by {by}")
    if "sobol" in data:
        sb = data["sobol"]
        console.print(
            f"Sobol: N = {sb['base_samples']:,}, {sb['points']:,} design points x "
            f"{sb['trials_per_point']:,} trials each"
        )
    for metric in TITLES:
        table, idle = _metric_table(data, metric)
        if table is not None:
            console.print(table)
        elif idle:
            console.print(f"[bold]{TITLES[metric]}[/bold]: no input changed any trial")
        if idle:
            console.print(
                f"[dim]not shown: {count(len(idle))} changed no trial at either pin: "
                f"{grouped(idle)}[/dim]"
            )
    for section in ("given", "sobol"):
        for metric, entry in data.get(section, {}).get("metrics", {}).items():
            if entry.get("note"):
                console.print(f"[dim]{section} {metric}: {entry['note']}[/dim]")
            share = entry.get("noise_share")
            if share is not None and share > 0.2:
                console.print(
                    f"[dim]sobol {metric}: chance is about {share:.0%} of the variance "
                    "between design points; raise --sobol-trials[/dim]"
                )
    for note in data.get("notes", []):
        console.print(f"[dim]note: {note}[/dim]")
    if folder is not None:
        console.print(f"Folder: {folder}")
