"""Where trials stopped: each route as a funnel through its gates, and the final outcomes.

A funnel row is a gate: its bar is every trial that reached the gate, split into those that
passed it (the route's colour: they reach the next row), failed it, died or were superseded
while waiting for it, or were still waiting at the horizon. The last row is the wait for the
deposit after the last gate. The row that loses the most is the gate that decides the route.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim.charts import data, style
from sim.run_folder import Run

HEADLINE = "Where trials stopped: each route's gates, and how trials ended"
FOOTNOTE = (
    "Each bar: the trials that reached a gate (or, last, the wait for the deposit), split by "
    "what became of them there. Counts of trials; the share in brackets is of all trials."
)
ROW_IN = 0.36  # inches per funnel row
PANEL_IN = 0.75  # inches per route panel beyond its rows (title, axis)
OUTCOMES_IN = 1.9
NOTE_CHARS = 78  # a note longer than this wraps onto a second line


def loss_handles() -> list[Patch]:
    return [
        Patch(**{k: v for k, v in s.items() if k != "label"}, label=s["label"])
        for s in style.LOSS_STYLES.values()
    ]


def _row_note(stage: data.Stage, trials: int, last: bool) -> str:
    """What happened at one row, in words: the count going on, then each loss by kind."""
    went = "filed the notice" if last else "passed"
    parts = [f"{stage.passed:,} {went} ({style.pct(stage.passed / trials)})"]
    for kind in data.LOSSES:
        k = stage.lost[kind]
        if not k:
            continue
        word = {
            "failed": "failed",
            "died": "died",
            "superseded": "superseded",
            "active": "under way",
        }[kind]
        by = stage.lost_by.get(kind) if kind == "died" else None
        if by:
            word += " (" + ", ".join(style.nice(b) for b in by) + ")"
        parts.append(f"{k:,} {word}")
    import textwrap

    return "\n".join(textwrap.wrap(" · ".join(parts), NOTE_CHARS))


def funnel_panel(ax: Axes, notes: Axes, run: Run, f: data.Funnel, colour: str) -> None:
    """The funnel's bars in `ax`; beside each, in `notes`, what happened there in words."""
    gates = [g.name for g in run.scenario.routes[f.route].gates]
    names = [style.nice(g) for g in gates] + ["notice deposited"]
    notes.set_axis_off()
    title = (
        f"{style.nice(f.route)}: started in {f.started:,} trials "
        f"({style.pct(f.started / f.trials)})"
    )
    if f.started == 0:
        ax.set_title(title, loc="left")
        style.no_data(ax, f"never started in {f.trials:,} trials (its trigger never happened)")
        return
    title += f"; filed the notice in {f.deposited:,} ({style.pct(f.deposited / f.trials)})"
    ax.set_title(title, loc="left")
    y = np.arange(len(f.stages))
    left = np.zeros(len(f.stages))
    passed = np.array([s.passed for s in f.stages], dtype=float)
    ax.barh(y, passed, color=colour, height=0.62)
    left += passed
    for kind in data.LOSSES:
        widths = np.array([s.lost[kind] for s in f.stages], dtype=float)
        if not widths.any():
            continue
        st = {k: v for k, v in style.LOSS_STYLES[kind].items() if k != "label"}
        ax.barh(y, widths, left=left, height=0.62, lw=0.6, **st)
        left += widths
    ax.set_yticks(y, names)
    ax.set_ylim(len(f.stages) - 0.5, -0.5)
    notes.set_ylim(len(f.stages) - 0.5, -0.5)
    ax.set_xlim(0, max(f.started, 1))
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))
    ax.xaxis.set_major_formatter(_count_format())
    for i, s in enumerate(f.stages):
        note = _row_note(s, f.trials, i == len(f.stages) - 1) if s.reached else "not reached"
        text = notes.text(
            0.0, i, note, ha="left", va="center", fontsize=9, color=style.TEXT, linespacing=1.05
        )
        text.set_in_layout(False)  # the notes column is sized by the grid, not by its text


def _count_format():  # type: ignore[no-untyped-def]
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v / 1000:g}k" if v >= 1000 else f"{v:,.0f}")


def outcome_bar(ax: Axes, counts: dict[str, int], label: str = "") -> None:
    """All trials as one bar, split by outcome (in `Outcome` order), labelled where the
    label fits inside its segment."""
    total = sum(counts.values()) or 1
    left = 0.0
    for outcome, k in counts.items():
        share = k / total
        ax.barh(
            [label],
            [share],
            left=left,
            color=style.STATE_COLOURS[outcome],
            height=0.6,
            label=f"{style.STATE_LABELS[outcome]}: {k:,} ({style.pct(share)})",
            lw=0,
        )
        if share > 0:
            text = ax.text(
                left + share / 2,
                label,
                f"{style.nice(outcome)}\n{style.pct(share)}",
                ha="center",
                va="center",
                fontsize=9.5,
                color=style.ink(style.STATE_COLOURS[outcome]),
            )
            text.set_gid(f"segment:{share}")
        left += share
    ax.set_xlim(0, 1)
    style.percent_axis(ax, "x")
    ax.grid(axis="y", visible=False)


def fit_labels(fig: Figure, ax: Axes) -> None:
    """Hide each segment label wider than its segment (the legend still names it)."""
    to_px = ax.transData
    for t in ax.texts:
        gid = t.get_gid() or ""
        if not gid.startswith("segment:"):
            continue
        share = float(gid.split(":", 1)[1])
        width_px = to_px.transform((share, 0))[0] - to_px.transform((0, 0))[0]
        if style.extent(t, fig).width > width_px - 4:
            t.set_visible(False)


def passed_handle() -> tuple[Patch, ...]:
    """'passed' is drawn in each route's colour: its legend key shows them side by side."""
    return tuple(Patch(facecolor=c, lw=0) for c in style.ROUTE_COLOURS[:4])


@style.styled
def plot_stopped(run: Run) -> Figure:
    from matplotlib.legend_handler import HandlerTuple

    table = data.trials(run)
    funnels = data.funnels(run, table)
    rows = [len(f.stages) if f.started else 1 for f in funnels]
    heights = [0.55] + [PANEL_IN + ROW_IN * r for r in rows] + [OUTCOMES_IN]
    fig = style.new_figure(sum(heights) + style.HEADER_IN + style.FOOTER_IN + 0.2)
    style.header(fig, HEADLINE, style.run_line(run), FOOTNOTE)
    grid = fig.add_gridspec(len(heights), 2, height_ratios=heights, width_ratios=[1.0, 1.1])
    key = fig.add_subplot(grid[0, :])
    key.set_axis_off()
    for i, f in enumerate(funnels):
        ax = fig.add_subplot(grid[i + 1, 0])
        notes = fig.add_subplot(grid[i + 1, 1])
        funnel_panel(ax, notes, run, f, style.route_colour(run, f.route))
        ax.set_xlabel("trials", fontsize=10)
    if funnels:
        key.legend(
            [passed_handle(), *loss_handles()],
            ["passed the gate (route's colour)", *[s["label"] for s in style.LOSS_STYLES.values()]],
            loc="center left",
            ncols=3,
            fontsize=10,
            borderaxespad=0,
            handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
        )
    else:
        style.no_data(key, "this scenario has no route")
    last = fig.add_subplot(grid[-1, :])
    counts = data.outcome_counts(run)
    outcome_bar(last, counts)
    last.set_yticks([])
    last.set_title(f"How the {sum(counts.values()):,} trials ended", loc="left")
    last.legend(
        loc="upper left", bbox_to_anchor=(0.0, -0.42), ncols=3, fontsize=10, borderaxespad=0
    )
    style.freeze(fig)
    fit_labels(fig, last)
    return fig
