"""Where each trial stands on each date: the shares of trials in each state, stacked, over
calendar time, so the notice pipeline is seen filling and draining around each event.

The states (`data.STATES`) are drawn bottom-up in the order exited, notice pending,
revoked, voided, blocked, a route under way, no move; the legend lists them top-down, as
they appear. When trials with a notice are a thin sliver (under 30%), a second panel shows
the bottom of the same stack magnified, with its own scale.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.charts import data, style
from sim.run_folder import Run

HEADLINE = "Where each trial stands on each date"
FOOTNOTE = (
    "Each date shows the state at its end. A route is under way from its trigger until it "
    "files, fails, dies or is superseded; no move: no route under way (none started yet, "
    "or none left active but one still to start)."
)
NOTICE_STATES = data.STATES[:4]  # exited, pending, revoked, voided
ZOOM_BELOW = 0.30
SHORT = {  # names beside the bands at the horizon
    "exited": "exited",
    "notice_pending": "pending",
    "revoked": "revoked",
    "voided": "voided",
    "blocked": "blocked",
    "under_way": "under way",
    "no_move": "no move",
}


def stack(
    ax: Axes, cal: data.Calendar, shares: dict[str, np.ndarray], states: tuple[str, ...]
) -> None:
    x = cal.edges
    ys = [np.append(shares[s], shares[s][-1]) for s in states]
    ax.stackplot(
        x,
        ys,
        colors=[style.STATE_COLOURS[s] for s in states],
        labels=[style.STATE_LABELS[s] for s in states],
        step="post",
        lw=0,
    )
    ax.set_xlim(x[0], x[-1])
    style.percent_axis(ax)
    style.date_axis(ax, cal.edges[0], cal.edges[-1])


def end_labels(
    ax: Axes, cal: data.Calendar, shares: dict[str, np.ndarray], states: tuple[str, ...], top: float
) -> list:
    """The share of each state at the horizon, at the right edge, beside its band (only
    where the band is tall enough to point at). A share that came mostly on the last day
    (revocations at an inauguration that is the horizon) is a band one day wide, too thin
    to see: its label says how much came that day."""
    texts = []
    bottom = 0.0
    for s in states:
        v = float(shares[s][-1])
        if v > 0 and v / top > 0.025:
            text = f"{SHORT[s]} {style.pct(v)}"
            last_day = v - float(shares[s][-2]) if len(shares[s]) > 1 else 0.0
            if last_day > v / 2:
                text += f" (+{style.pct(last_day)} on {style.long_date(cal.horizon)})"
            texts.append(
                ax.annotate(
                    text,
                    xy=(cal.edges[-1], min(bottom + v / 2, top)),
                    xytext=(5, 0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=10,
                    color=style.TEXT,
                    annotation_clip=False,
                )
            )
        bottom += v
    return texts


@style.styled
def plot_states(run: Run) -> Figure:
    cal = data.calendar(run)
    counts = data.state_counts(run)
    n = int(sum(c[0] for c in counts.values()))
    shares = {s: c / n for s, c in counts.items()}
    noticed = float(np.max(sum(shares[s] for s in NOTICE_STATES)))
    zoom = 0 < noticed < ZOOM_BELOW
    fig = style.new_figure(8.4 if zoom else 6.4)
    style.header(fig, HEADLINE, style.run_line(run), FOOTNOTE)
    if zoom:
        ax, low = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    else:
        ax, low = fig.add_subplot(), None
    stack(ax, cal, shares, data.STATES)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of trials")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1],
        labels[::-1],
        loc="upper left",
        bbox_to_anchor=(1.17, 1.0),
        title="state (top to bottom)",
        title_fontsize=10,
        alignment="left",
    )
    ends = [end_labels(ax, cal, shares, data.STATES, 1.0)]
    marks = style.mark_dates(ax, style.event_groups(run), run.scenario.horizon)
    if low is not None:
        stack(low, cal, shares, NOTICE_STATES)
        top = noticed * 1.15
        low.set_ylim(0, top)
        low.set_ylabel("share of trials")
        low.set_title("Magnified: trials with a notice", fontsize=11)
        style.mark_dates(low, style.event_groups(run), run.scenario.horizon, labels=False)
        ends.append(end_labels(low, cal, shares, NOTICE_STATES, top))
        ax.tick_params(labelbottom=True)
    elif noticed == 0:
        ax.text(
            0.5,
            0.5,
            f"No notice was deposited in {n:,} trials",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=13,
            color=style.TEXT,
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
        )
    style.stagger(fig, ax, marks)
    for texts in ends:
        style.spread_right(fig, texts)
    return fig
