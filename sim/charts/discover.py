"""The scenario-discovery chart: PRIM's peeling trajectories (coverage against density),
and each box's ranges of the uncertain inputs within the range of their draws.

Boxes take the comparison colours (`style.RUN_COLOURS`) by their number, each with its own
marker; the share of all trials with the outcome (what density starts from) is a grey line.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.analysis.discover import NOTICE, Discovery
from sim.charts import style
from sim.charts.write import save

MARKERS = ("o", "s", "^")
CLEAR = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}  # over lines
ROW_IN = 0.62  # inches a restricted input takes in the lower panel


PHRASES = {
    "exited": "an exit takes effect by the horizon",
    "notice_pending": "a notice is still pending at the horizon",
    "revoked": "the notice is revoked",
    "voided": "a court voids the notice",
    "blocked": "every route fails or dies",
    "no_move": "nothing moves (no notice by the horizon)",
    NOTICE: "a notice is deposited",
}


def outcome_words(outcome: str) -> str:
    return PHRASES.get(outcome, f"a trial ends {outcome}")


def box_name(number: int) -> str:
    """A later box is found among the trials outside the earlier ones, and reads so."""
    if number == 1:
        return "box 1"
    earlier = " and ".join(str(i) for i in range(1, number))
    return f"box {number} (outside box{'es' if number > 2 else ''} {earlier})"


def _subtitle(found: Discovery) -> str:
    named = found.title if found.title == found.name else f"{found.title} ({found.name})"
    return (
        f"{named} · {found.trials:,} trials · seed {found.seed} · "
        f"{style.long_date(found.start)} to {style.long_date(found.horizon)}"
    )


def _trajectories(ax: Axes, found: Discovery) -> None:
    for box in found.boxes:
        colour = style.run_colour(box.number - 1)
        marker = MARKERS[(box.number - 1) % len(MARKERS)]
        t = box.trajectory
        ax.plot(t["coverage"], t["density"], color=colour, lw=1.6, alpha=0.75, zorder=2,
                label=f"box {box.number}: peeling trajectory")  # fmt: skip
        chosen = t.iloc[box.step]
        ax.plot([chosen["coverage"]], [chosen["density"]], marker=marker, ms=7, mfc="white",
                mec=colour, mew=1.6, ls="none", zorder=3)  # fmt: skip
        ax.plot([box.coverage], [box.density], marker=marker, ms=9, color=colour, ls="none",
                zorder=4)  # fmt: skip
        # the trajectory falls from left to right: below-left and above-right of a point
        # on it are clear; take the side with room
        right = box.coverage > 0.6
        label = f"box {box.number}: coverage {style.pct(box.coverage)}, density "
        label += style.pct(box.density)
        if box.number > 1:
            label += f"\n(against {style.pct(box.among)} of the trials outside earlier boxes)"
        ax.annotate(
            label,
            xy=(box.coverage, box.density), xytext=(-10, -10) if right else (10, 10),
            textcoords="offset points", ha="right" if right else "left",
            va="top" if right else "bottom", fontsize=10, fontweight="bold", color=colour,
            bbox=CLEAR, zorder=5,
        )  # fmt: skip
    ax.axhline(found.base_rate, color=style.GREY, lw=1.0, ls=(0, (4, 3)), zorder=1)
    ax.annotate(
        f"all trials: {style.pct(found.base_rate)}", xy=(0.0, found.base_rate),
        xycoords=("axes fraction", "data"), xytext=(4, 4), textcoords="offset points",
        fontsize=9, color=style.GREY, bbox=CLEAR,
    )  # fmt: skip
    ax.set_xlim(0, 1.02)
    top = max([found.base_rate, *(float(b.trajectory["density"].max()) for b in found.boxes)])
    ax.set_ylim(0, min(1.05, top * 1.25) if top > 0 else 1.0)
    ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= 1.0])
    style.percent_axis(ax, "x")
    style.percent_axis(ax, "y")
    ax.set_xlabel("coverage: share of all trials with the outcome that are in the box")
    ax.set_ylabel("density: share of the box's\ntrials with the outcome")
    ax.set_title(
        "Peeling trajectories (open marker: the step chosen; filled: the box once its "
        "insignificant restrictions are dropped)",
        fontsize=10, fontweight="normal", color=style.TEXT,
    )  # fmt: skip


def _limits(ax: Axes, found: Discovery) -> None:
    """One row per restricted input: its name and the box's range above, then the range of
    its draws (grey) with the box's part of it (coloured), the ends labelled."""
    rows = [(box, lim) for box in found.boxes for lim in box.limits]
    for y, (box, lim) in enumerate(rows):
        colour = style.run_colour(box.number - 1)
        span = lim.highest - lim.lowest or 1.0
        a, b = (lim.low - lim.lowest) / span, (lim.high - lim.lowest) / span
        ax.barh(y, 1.0, left=0.0, height=0.34, color="#EEEEEE", edgecolor="#BBBBBB", lw=0.6)
        ax.barh(y, b - a, left=a, height=0.34, color=colour, alpha=0.85)
        ax.text(-0.008, y, lim.input.shown(lim.lowest), ha="right", va="center", fontsize=9,
                color=style.GREY)  # fmt: skip
        ax.text(1.008, y, lim.input.shown(lim.highest), ha="left", va="center", fontsize=9,
                color=style.GREY)  # fmt: skip
        ax.text(0.0, y - 0.27, f"{box_name(box.number)}: {lim.text()}", ha="left",
                va="bottom", fontsize=10, color=style.TEXT)  # fmt: skip
        ax.text(1.0, y - 0.27, lim.qp_text(), ha="right", va="bottom", fontsize=9,
                color=style.GREY)  # fmt: skip
    ax.set_ylim(len(rows) - 0.6, -1.0)
    ax.set_xlim(-0.12, 1.12)
    ax.set_axis_off()
    ax.set_title(
        "Each box's range of an input (coloured) within the range of its draws (grey)",
        fontsize=10, fontweight="normal", color=style.TEXT,
    )  # fmt: skip


@style.styled
def plot_discover(found: Discovery) -> Figure:
    restricted = sum(len(b.limits) for b in found.boxes)
    height = 5.2 + (0.9 + ROW_IN * restricted if restricted else 0.0)
    fig = style.new_figure(height)
    headline = f"Which assumptions make it likely that {outcome_words(found.outcome)}?"
    footer = (
        f"PRIM over the {len(found.inputs)} uncertain inputs' draws; {found.cases:,} of "
        f"{found.trials:,} trials had the outcome. Coins and hazard times are chance, not "
        "assumptions, so chance caps the density any box can reach."
    )
    style.header(fig, headline, _subtitle(found), footer)
    if restricted:
        top, bottom = fig.subplots(
            2, 1, height_ratios=(4.0, 0.7 + ROW_IN * restricted), gridspec_kw={"hspace": 0.1}
        )
        _limits(bottom, found)
    else:
        top = fig.add_subplot()
    _trajectories(top, found)
    if not found.boxes:
        style.no_data(fig.add_axes((0.2, 0.3, 0.6, 0.3)), "No box: no range of the inputs "
                      "makes the outcome significantly more likely")  # fmt: skip
    style.freeze(fig)
    return fig


def write_discover_charts(found: Discovery, folder: Path) -> list[Path]:
    """`discover.png` and `discover.svg` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return save(plot_discover(found), folder, "discover")
