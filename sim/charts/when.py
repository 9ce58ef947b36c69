"""When: the probability that the exit has taken effect by each date, and that a notice has
been deposited by each date, with 95% bands and the scenario's dated events.

Both curves share one panel: they are shares of the same trials on the same scale, and the
gap between them is the story (the notice period, and the notices revoked or voided).
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.charts import data, style
from sim.run_folder import Run

HEADLINE = "When: the chance that the exit has taken effect by each date"
FOOTNOTE = (
    "Shaded: 95% interval (Wilson score) of each share, from the Monte Carlo sample. "
    "Dashed lines: the scenario's dated events; solid line: the horizon."
)


def step(
    ax: Axes, cal: data.Calendar, curve: data.Curve, colour: str, label: str, **kw: object
) -> None:
    """A share by date as a step over each whole date, with its band."""
    x = cal.edges
    y = [*curve.p, curve.p[-1]]
    ax.fill_between(
        x,
        [*curve.low, curve.low[-1]],
        [*curve.high, curve.high[-1]],
        step="post",
        color=colour,
        alpha=0.22,
        lw=0,
        label="95% interval",
    )
    ax.step(x, y, where="post", color=colour, lw=2.2, label=label, **kw)  # type: ignore[arg-type]


def end_label(ax: Axes, cal: data.Calendar, value: float, text: str, colour: str) -> Text:
    return ax.annotate(
        text,
        xy=(cal.edges[-1], value),
        xytext=(6, 0),
        textcoords="offset points",
        ha="left",
        va="center",
        fontsize=11,
        fontweight="bold",
        color=colour,
        annotation_clip=False,
    )


def y_limit(*curves: data.Curve) -> float:
    """Room above the highest band, and at least 1% so an all-zero curve sits on an axis."""
    top = max((float(c.high.max()) for c in curves if c.high.size), default=0.0)
    return max(top * 1.15, 0.01)


def legend(ax: Axes) -> None:
    """The curves top to bottom as they end (exit is drawn last, on top), then one neutral
    entry for the bands."""
    from matplotlib.patches import Patch

    handles, names = ax.get_legend_handles_labels()
    lines = {n: h for h, n in zip(handles, names, strict=True) if n != "95% interval"}
    band = Patch(facecolor="#999999", alpha=0.35, lw=0)
    keys = list(lines)
    ax.legend([*[lines[k] for k in keys], band], [*keys, "95% interval"], loc="upper left")


@style.styled
def plot_when(run: Run) -> Figure:
    table = data.trials(run, ["outcome", "exit_day", "notice_day"])
    cal = data.calendar(run)
    exits = data.exit_curve(run, table)
    notices = data.notice_curve(run, table)
    fig = style.new_figure(6.4)
    style.header(fig, HEADLINE, style.run_line(run), FOOTNOTE)
    ax = fig.add_subplot()
    step(ax, cal, notices, style.NOTICE_COLOUR, "notice deposited", ls=(0, (5, 2)))
    step(ax, cal, exits, style.EXIT_COLOUR, "exit in effect")
    ax.set_xlim(cal.edges[0], cal.edges[-1])
    ax.set_ylim(0, y_limit(exits, notices))
    style.percent_axis(ax)
    style.date_axis(ax, cal.edges[0], cal.edges[-1])
    ax.set_ylabel("share of trials, by date")
    labels = style.mark_dates(ax, style.event_groups(run), run.scenario.horizon)
    ends = [
        end_label(ax, cal, exits.final, style.pct(exits.final), style.EXIT_COLOUR),
        end_label(ax, cal, notices.final, style.pct(notices.final), style.NOTICE_COLOUR),
    ]
    legend(ax)
    if exits.count[-1] == 0:  # said just above the flat line, clear of the notice curve
        ax.text(
            0.5, 0.04, f"No exit took effect in {exits.n:,} trials", transform=ax.transAxes,
            ha="center", va="bottom", fontsize=13, color=style.GREY,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 2},
        )  # fmt: skip
    style.stagger(fig, ax, labels)
    style.spread_right(fig, ends)
    return fig
