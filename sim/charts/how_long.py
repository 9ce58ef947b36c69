"""How long: notices deposited and exits taking effect, month by month, with the exit
date's p10/p50/p90 marked; and the share of notices by route.

The percentiles are computed from the trials exactly as `summary.json` computes them
(numpy's default percentiles of exit days; a date is start + floor(days)), so the marks and
the summary always agree.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.charts import data, style
from sim.run_folder import Run

HEADLINE = "How long: notices and exits, month by month"
FOOTNOTE = (
    "Bars: trials whose notice was deposited (top) or whose exit took effect (bottom) in "
    "each calendar month, as a share of all trials. p10/p50/p90: 10%, half and 90% of the "
    "exits had taken effect by that date."
)
ROUTES_HEADLINE = "Which route filed the notice"


def month_bars(ax: Axes, cal: data.Calendar, counts: np.ndarray, n: int, colour: str) -> None:
    starts = data.months(cal)
    widths = np.diff(np.append(starts, starts[-1] + np.timedelta64(31, "D"))).astype(float)
    ax.bar(starts, counts / n, width=widths * 0.85, align="edge", color=colour, lw=0)
    style.percent_axis(ax)
    style.date_axis(ax, cal.edges[0], cal.edges[-1])
    ax.set_xlim(cal.edges[0], cal.edges[-1])
    ax.set_ylabel("share of trials\nper month")


def panel_title(ax: Axes, text: str) -> None:
    """The panel's title inside its top-left corner (the space above the lower panel holds
    the percentile labels); the y limits leave it room above the bars."""
    ax.text(
        0.005,
        0.98,
        text,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=12,
        fontweight="bold",
        color=style.TEXT,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2},
    )


@style.styled
def plot_how_long(run: Run) -> Figure:
    table = data.trials(run, ["outcome", "exit_day", "notice_day"])
    cal = data.calendar(run)
    n = len(table)
    exits = data.exit_days(table)
    notices = table["notice_day"].to_numpy(dtype=float)
    fig = style.new_figure(7.6)
    style.header(fig, HEADLINE, style.run_line(run), FOOTNOTE)
    top, low = fig.subplots(2, 1, sharex=True, sharey=True)
    k_notice = int(np.isfinite(notices).sum())
    k_exit = int(np.isfinite(exits).sum())
    month_bars(top, cal, data.by_month(notices, cal), n, style.NOTICE_COLOUR)
    panel_title(top, f"Notices deposited: {k_notice:,} of {n:,} trials ({style.pct(k_notice / n)})")
    month_bars(low, cal, data.by_month(exits, cal), n, style.EXIT_COLOUR)
    panel_title(low, f"Exits taking effect: {k_exit:,} of {n:,} trials ({style.pct(k_exit / n)})")
    top.tick_params(labelbottom=True)
    for ax, k, what in ((top, k_notice, "notice was deposited"), (low, k_exit, "exit took effect")):
        if k == 0:
            ax.text(
                0.5,
                0.5,
                f"No {what} in {n:,} trials",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=13,
                color=style.GREY,
            )
    peak = max(data.by_month(notices, cal).max(initial=0), data.by_month(exits, cal).max(initial=0))
    ymax = max(peak / n * 1.3, 0.01 if peak == 0 else 0.0)
    ticks = top.yaxis.get_major_locator().tick_values(0, ymax)
    if ticks.size and ticks.max() >= 0.97 * ymax:  # a tick label at the very top would
        ymax = float(ticks.max()) * 1.08  # rise into the header: keep it inside the panel
    top.set_ylim(0, ymax)
    marks = []
    spread = data.exit_percentiles(exits)
    if spread is not None:
        for key, day in spread.items():
            date = cal.date(day)
            line = low.axvline(date, color=style.TEXT, lw=1.2, ls=(0, (2, 2)), zorder=3)
            line.set_gid(f"{key}:{day!r}")
            marks.append(
                low.annotate(
                    f"{key}\n{style.long_date(date)}",
                    xy=(date, 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(0, style.LEAD_PT),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=9,
                    color=style.TEXT,
                    annotation_clip=False,
                    arrowprops={
                        "arrowstyle": "-",
                        "color": style.TEXT,
                        "lw": 0.9,
                        "ls": (0, (2, 2)),
                        "shrinkA": 1,
                        "shrinkB": 0,
                    },
                )
            )
    style.stagger(fig, low, marks)
    return fig


@style.styled
def plot_routes(run: Run) -> Figure:
    counts = {r: int(run.summary.get("routes", {}).get(r, 0)) for r in data.route_names(run)}
    total = sum(counts.values())
    n = int(run.summary["trials"])
    fig = style.new_figure(1.9 + 0.45 * max(len(counts), 2) + style.HEADER_IN)
    style.header(
        fig,
        ROUTES_HEADLINE,
        style.run_line(run),
        "Share of the notices deposited, by the route that deposited them "
        "(the first route to pass all its gates wins the race).",
    )
    ax = fig.add_subplot()
    if total == 0:
        style.no_data(ax, f"No notice was deposited in {n:,} trials, by any route")
        style.freeze(fig)
        return fig
    names = list(counts)
    shares = [counts[r] / total for r in names]
    y = np.arange(len(names))
    ax.barh(y, shares, color=[style.route_colour(run, r) for r in names], height=0.6)
    ax.set_yticks(y, [style.nice(r) for r in names])
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    style.percent_axis(ax, "x")
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"share of the {total:,} notices ({style.pct(total / n)} of {n:,} trials)")
    for i, r in enumerate(names):
        inside = shares[i] > 0.25
        ax.text(
            shares[i] - 0.01 if inside else shares[i] + 0.01,
            i,
            f"{style.plural(counts[r], 'notice')} ({style.pct(shares[i])})",
            ha="right" if inside else "left",
            va="center",
            fontsize=10,
            color=style.ink(style.route_colour(run, r)) if inside else style.TEXT,
        )
    style.freeze(fig)
    return fig
