"""The sweep chart: P(exit) with its 95% band against the first swept parameter, one line
per value of the others; below, the paired change from each value to the next.

One line alone is drawn in the exit colour (vermillion, as in every run chart); several
lines take the comparison colours (`style.RUN_COLOURS`) and each its own marker, so that
colour is never the only cue. Numeric values are placed to scale; any other values (a
distribution, a duration, a date) evenly, in the order given.
"""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.analysis.sweep import Sweep
from sim.charts import style
from sim.charts.write import save

MARKERS = ("o", "s", "^", "D", "v", "P", "X")
FOOTNOTE = (
    "Each point is a full run with the same seed and trials (common random numbers: trial i "
    "is the same world at every point). Shaded: 95% Wilson interval of P(exit). Below: the "
    "change in P(exit) from the previous value, trial by trial (paired t interval, 95%)."
)
FOOTNOTE_ONE = (
    "Each point is a full run with the same seed and trials (common random numbers). "
    "Shaded: 95% Wilson interval of P(exit)."
)


def _positions(sweep: Sweep) -> tuple[np.ndarray, list[str], bool]:
    axis = sweep.axes[0]
    numbers = axis.numbers
    labels = [textwrap.fill(v, 22) for v in axis.values]
    if numbers is not None:
        return np.array(numbers), labels, True
    return np.arange(len(axis.values), dtype=float), labels, False


def _subtitle(sweep: Sweep) -> str:
    named = sweep.title if sweep.title == sweep.name else f"{sweep.title} ({sweep.name})"
    return (
        f"{named} · {sweep.trials:,} trials per point · seed {sweep.seed} · "
        f"{style.long_date(sweep.start)} to {style.long_date(sweep.horizon)}"
    )


def _lines(sweep: Sweep) -> list[tuple[str, list[int]]]:
    """(legend label, indices of its points in order of the first parameter) per line."""
    width = len(sweep.axes[0].values)
    out = []
    for start in range(0, len(sweep.points), width):
        label = ", ".join(sweep.points[start].values[1:])
        out.append((label, list(range(start, start + width))))
    return out


def _points_axis(ax: Axes, x: np.ndarray, labels: list[str], numeric: bool, path: str) -> None:
    ax.set_xticks(x)
    ax.set_xticklabels(labels if not numeric else [f"{v:g}" for v in x])
    span = float(x.max() - x.min()) if x.size > 1 else 1.0
    ax.set_xlim(x.min() - 0.06 * span, x.max() + 0.06 * span)
    ax.set_xlabel(path)


def _points_tick(value: float, _pos: object = None) -> str:
    text = f"{value * 100:+.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("+0", "-0") else f"{text} pts"


@style.styled
def plot_sweep(sweep: Sweep) -> Figure:
    rows = sweep.rows()
    x, labels, numeric = _positions(sweep)
    lines = _lines(sweep)
    several = len(lines) > 1
    with_changes = len(x) > 1
    fig = style.new_figure(8.2 if with_changes else 6.0)
    headline = f"P(exit) as {sweep.axes[0].path} varies"
    style.header(fig, headline, _subtitle(sweep), FOOTNOTE if with_changes else FOOTNOTE_ONE)
    if with_changes:
        top, bottom = fig.subplots(2, 1, height_ratios=(2.1, 1.0), sharex=True)
    else:
        top, bottom = fig.add_subplot(), None
    highest = 0.0
    for k, (label, idx) in enumerate(lines):
        colour = style.run_colour(k) if several else style.EXIT_COLOUR
        p = np.array([rows[i]["p_exit"] for i in idx])
        low = np.array([rows[i]["p_exit_low"] for i in idx])
        high = np.array([rows[i]["p_exit_high"] for i in idx])
        highest = max(highest, float(high.max()))
        top.fill_between(x, low, high, color=colour, alpha=0.2, lw=0)
        top.plot(
            x, p, color=colour, lw=2.2, marker=MARKERS[k % len(MARKERS)], ms=6,
            label=label or "P(exit)",
        )  # fmt: skip
        if not several and len(x) <= 12:
            for xi, pi in zip(x, p, strict=True):
                top.annotate(  # as the table and sweep.csv give it
                    f"{100 * float(pi):.2f}%", xy=(xi, pi), xytext=(0, 9),
                    textcoords="offset points", ha="center", va="bottom", fontsize=10,
                    color=style.TEXT,
                )  # fmt: skip
        if bottom is not None:
            _changes(bottom, sweep, x, idx, colour, k, len(lines))
    top.set_ylim(0, max(highest * 1.18, 0.01))
    style.percent_axis(top)
    top.set_ylabel(f"P(exit by {style.long_date(sweep.horizon)})")
    if several:
        top.legend(
            loc="best", title=", ".join(a.path for a in sweep.axes[1:]), title_fontsize=10,
            alignment="left",
        )  # fmt: skip
    if bottom is None:
        _points_axis(top, x, labels, numeric, sweep.axes[0].path)
    else:
        _points_axis(bottom, x, labels, numeric, sweep.axes[0].path)
        bottom.axhline(0, color="#444444", lw=0.9)
        bottom.yaxis.set_major_formatter(FuncFormatter(_points_tick))
        bottom.set_ylabel("change from the\nprevious value")
    style.freeze(fig)
    return fig


def _changes(
    ax: Axes, sweep: Sweep, x: np.ndarray, idx: list[int], colour: str, k: int, count: int
) -> None:
    """The paired change between neighbouring values, at the midpoint, with its interval;
    lines side by side are nudged apart so their bars do not cover each other."""
    gap = float(np.min(np.diff(np.sort(x)))) if x.size > 1 else 1.0
    nudge = (k - (count - 1) / 2) * gap * 0.06
    for a, b in itertools.pairwise(idx):
        change = sweep.changes[b]
        if change is None:
            continue
        i, j = idx.index(a), idx.index(b)
        mid = (x[i] + x[j]) / 2 + nudge
        low, high = change["ci95"]
        ax.errorbar(
            [mid], [change["value"]], yerr=[[change["value"] - low], [high - change["value"]]],
            color=colour, marker=MARKERS[k % len(MARKERS)], ms=5, capsize=4, lw=1.6,
        )  # fmt: skip


def write_sweep_charts(sweep: Sweep, folder: Path) -> list[Path]:
    """`sweep.png` and `sweep.svg` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return save(plot_sweep(sweep), folder, "sweep")
