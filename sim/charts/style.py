"""One look for every chart: palettes, figure and header, axes formats, labels that never
overlap.

Colours (colour-blind safe):

- Each outcome and each state has one fixed colour in every chart and every run
  (`STATE_COLOURS`, Okabe & Ito's palette, plus a light grey for "no move", the state in
  which nothing happened).
- Each route takes its colour from its position in the scenario's `routes:` list
  (`ROUTE_COLOURS[i % 9]`, Paul Tol's "muted" palette): the first route is always indigo,
  the second cyan, and so on, so a route keeps its colour across charts and across runs
  of the same scenario or of an edited copy that keeps the route order. A tenth route
  reuses the first colour.
- Runs side by side (`sim compare`) take `RUN_COLOURS[i % 7]` by their position in the
  comparison (Paul Tol's "bright" palette), so they never look like routes or outcomes.

Figures are `matplotlib.figure.Figure` objects on an Agg canvas, never pyplot, so nothing
is registered globally and a chart function has no side effect; the style is applied with
`rc_context` around each chart (`styled`), so the caller's matplotlib settings are left
alone.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from sim.outcomes import Outcome
from sim.run_folder import Run

# -- colours ---------------------------------------------------------------------------------

STATE_COLOURS: dict[str, str] = {
    Outcome.EXITED.value: "#D55E00",  # vermillion
    Outcome.NOTICE_PENDING.value: "#E69F00",  # orange
    Outcome.REVOKED.value: "#56B4E9",  # sky blue
    Outcome.VOIDED.value: "#CC79A7",  # reddish purple
    Outcome.BLOCKED.value: "#0072B2",  # blue
    "under_way": "#009E73",  # bluish green
    Outcome.NO_MOVE.value: "#D4D4D4",  # light grey: nothing happened
}
STATE_LABELS: dict[str, str] = {
    Outcome.EXITED.value: "exited",
    Outcome.NOTICE_PENDING.value: "notice pending",
    Outcome.REVOKED.value: "notice revoked",
    Outcome.VOIDED.value: "notice voided by a court",
    Outcome.BLOCKED.value: "blocked (every route failed or died)",
    "under_way": "a route under way",
    Outcome.NO_MOVE.value: "no move",
}
OUTCOME_LABELS: dict[str, str] = {
    **STATE_LABELS,
    Outcome.NO_MOVE.value: "no move (no notice; a route open or never started)",
}
# A notice deposited (pending or not) is drawn in the colour of a pending notice.
NOTICE_COLOUR = STATE_COLOURS[Outcome.NOTICE_PENDING.value]
EXIT_COLOUR = STATE_COLOURS[Outcome.EXITED.value]

ROUTE_COLOURS: tuple[str, ...] = (  # Paul Tol "muted", in Tol's order
    "#332288",  # indigo
    "#88CCEE",  # cyan
    "#44AA99",  # teal
    "#117733",  # green
    "#999933",  # olive
    "#DDCC77",  # sand
    "#CC6677",  # rose
    "#882255",  # wine
    "#AA4499",  # purple
)
RUN_COLOURS: tuple[str, ...] = (  # Paul Tol "bright"
    "#4477AA",  # blue
    "#EE6677",  # red
    "#228833",  # green
    "#CCBB44",  # yellow
    "#66CCEE",  # cyan
    "#AA3377",  # purple
    "#BBBBBB",  # grey
)
# How a trial leaves a route's funnel (see `data.LOSSES`); greys and hatches, so that they
# never read as an outcome or a route.
LOSS_STYLES: dict[str, dict[str, Any]] = {
    "failed": {"facecolor": "#555555", "edgecolor": "#555555", "label": "failed the gate"},
    "died": {
        "facecolor": "#FFFFFF",
        "hatch": "////",
        "edgecolor": "#555555",
        "label": "died on an event",
    },
    "superseded": {
        "facecolor": "#FFFFFF",
        "hatch": "....",
        "edgecolor": "#555555",
        "label": "superseded by another route's notice",
    },
    "active": {  # such a trial ends as "no move" (unless another route filed): its grey
        "facecolor": STATE_COLOURS[Outcome.NO_MOVE.value],
        "edgecolor": "#555555",
        "label": "still under way at the horizon",
    },
}
GREY = "#666666"
TEXT = "#222222"


def ink(background: str) -> str:
    """Text colour readable on `background`: white on dark colours, near-black on light."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(background)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45 else TEXT


def route_colour(run: Run, route: str) -> str:
    """The route's colour, from its position in the scenario's route list."""
    routes = list(run.scenario.routes)
    return ROUTE_COLOURS[routes.index(route) % len(ROUTE_COLOURS)] if route in routes else GREY


def run_colour(index: int) -> str:
    return RUN_COLOURS[index % len(RUN_COLOURS)]


# -- style -----------------------------------------------------------------------------------

DPI = 120
WIDTH = 12.0  # inches: 1,440 px at DPI
RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 8,
    "axes.labelsize": 11,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": "#444444",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E6E6E6",
    "grid.linewidth": 0.8,
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 10,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "hatch.linewidth": 0.7,
    "svg.fonttype": "none",  # real text in SVG: searchable, selectable, small
    "svg.hashsalt": "withdrawal-sim",  # stable ids: the same run gives the same SVG
    "path.simplify": True,
}

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def context() -> Iterator[None]:
    with mpl.rc_context(RC):
        yield


def styled(function: Callable[P, R]) -> Callable[P, R]:
    """Build the chart under the shared style, restoring the caller's settings after."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with context():
            return function(*args, **kwargs)

    return wrapper


HEADER_IN = 0.78  # inches for the headline and the line under it
FOOTER_IN = 0.46  # two lines of footnote


def new_figure(height: float, width: float = WIDTH, footer: bool = True) -> Figure:
    """A figure on an Agg canvas, laid out by constrained layout below a fixed header."""
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    bottom = FOOTER_IN / height if footer else 0.0
    fig.set_layout_engine(
        "constrained",
        rect=(0.0, bottom, 1.0, 1.0 - HEADER_IN / height - bottom),
        w_pad=0.08,
        h_pad=0.08,
    )
    return fig


def header(fig: Figure, headline: str, subtitle: str, footer: str | None = None) -> None:
    """The headline (what the chart shows), the line under it (which run), and a footnote."""
    height = fig.get_figheight()
    top = fig.text(
        0.012,
        1 - 0.12 / height,
        headline,
        ha="left",
        va="top",
        fontsize=15,
        fontweight="bold",
        color=TEXT,
    )
    sub = fig.text(0.012, 1 - 0.47 / height, subtitle, ha="left", va="top", fontsize=11, color=GREY)
    for line, smallest in ((top, 12.0), (sub, 9.0)):
        fit_width(fig, line, smallest)
    if footer:
        import textwrap

        width = int(fig.get_figwidth() * 15.5)  # characters of 9 pt text across the figure
        fig.text(
            0.012,
            0.08 / height,
            "\n".join(textwrap.wrap(footer, width)[:2]),
            ha="left",
            va="bottom",
            fontsize=9,
            color=GREY,
            linespacing=1.3,
        )


def fit_width(fig: Figure, text: Text, smallest: float) -> None:
    """Keep a header line inside the figure: a comparison's labels (`baseline[...]`, one
    per run) can make it longer than any width. Shrink it down to `smallest` points, then
    shorten it with an ellipsis, so that it is never cut off at the right edge."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    limit = fig.bbox.width - 2 * 0.012 * fig.bbox.width

    def width() -> float:
        return float(text.get_window_extent(renderer).width)

    size = float(text.get_fontsize())
    while width() > limit and size > smallest:
        size = max(smallest, size * limit / width(), size - 2.0)
        text.set_fontsize(size)
    full = text.get_text()
    keep = len(full)
    while width() > limit and keep > 12:
        keep = min(keep - 1, int(keep * limit / width()))
        text.set_text(full[: keep - 1].rstrip() + "…")


def short(label: str, chars: int = 28) -> str:
    """A long run label shortened in its middle, keeping its start (the scenario) and its end
    (the last edit): `baseline[hazard_…sd=0.10]`, for labels written on the data."""
    if len(label) <= chars:
        return label
    head = (chars - 1) * 3 // 5
    return f"{label[:head]}…{label[len(label) - (chars - 1 - head) :]}"


def wrapped(label: str, chars: int = 60) -> str:
    """A long run label over several lines, for legends and axis labels: whole, unlike the
    labels written on the data (`short`), since the legend is where a reader looks it up."""
    import textwrap

    return "\n".join(textwrap.wrap(label, chars)) or label


def run_line(run: Run) -> str:
    """The scenario's title and name, the trials, the seed and the window."""
    s = run.summary
    title, name = str(s.get("title") or s["name"]), str(s["name"])
    named = title if title == name else f"{title} ({name})"
    return (
        f"{named} · {int(s['trials']):,} trials · seed {s['seed']} · "
        f"{long_date(s['start'])} to {long_date(s['horizon'])}"
    )


def long_date(value: str | dt.date | np.datetime64) -> str:
    """3 Jan 2027: unambiguous to any reader."""
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[D]").item()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return f"{value.day} {value:%b %Y}"


def pct(p: float) -> str:
    """A share as a reader wants to read it: 1.9%, 0.69%, 0.01%, 0%."""
    if p == 0:
        return "0%"
    if p == 1:
        return "100%"
    if p < 0.0001:
        return "<0.01%"
    if p < 0.01:
        return f"{p:.2%}"
    if p > 0.999 and p < 1:
        return ">99.9%"
    return f"{p:.1%}"


def _percent_tick(value: float, _pos: object = None) -> str:
    """0.2%, 0.05%, 5%, 100%: as many decimals as the tick needs, no trailing zeros."""
    text = f"{value * 100:.4f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text}%"


def percent_axis(ax: Axes, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(_percent_tick))


def date_ticks(first: np.datetime64, last: np.datetime64) -> tuple[np.ndarray, list[str]]:
    """Month starts between two dates, every 1, 2, 3, 6 or 12 months (at most 12 ticks),
    labelled 'Apr' or, at each January (or the first tick), the year.

    Computed once with numpy: matplotlib's AutoDateLocator re-runs an rrule at every draw,
    which was a large share of the time spent drawing the charts."""
    lo = np.datetime64(first, "M")
    hi = np.datetime64(last, "M")
    span = int((hi - lo).astype(int)) + 1
    step = next((k for k in (1, 2, 3, 6, 12) if span / k <= 12), 12 * (span // 144 + 1))
    months = np.arange(lo, hi + 1)
    months = months[(months.astype(int) % step) == 0]  # aligned to January
    days = months.astype("datetime64[D]")
    days = days[(days >= first) & (days <= last)]
    labels = []
    for i, d in enumerate(days):
        m = d.astype("datetime64[M]").astype(int) % 12
        year = d.astype("datetime64[Y]").astype(int) + 1970
        labels.append(str(year) if m == 0 or (i == 0 and step < 12) else f"{d.item():%b}")
    return days, labels


def date_axis(ax: Axes, first: np.datetime64, last: np.datetime64) -> None:
    from matplotlib.dates import date2num
    from matplotlib.ticker import FixedFormatter, FixedLocator

    days, labels = date_ticks(first, last)
    ax.xaxis.set_major_locator(FixedLocator(date2num(days)))
    ax.xaxis.set_major_formatter(FixedFormatter(labels))


def plural(k: int, word: str) -> str:
    return f"{k:,} {word}" if k == 1 else f"{k:,} {word}s"


def nice(name: str) -> str:
    """A scenario name as words: end_119th_congress -> end 119th congress."""
    return name.replace("_", " ")


def no_data(ax: Axes, message: str) -> None:
    """An empty panel that says why it is empty."""
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=13,
        color=GREY,
        wrap=True,
    )


# -- labels that never overlap -------------------------------------------------------------


def extent(text: Text, fig: Figure) -> Any:
    """The box of the text itself, in pixels (an annotation's own extent also covers its
    leader line, which may run past other labels)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    if hasattr(text, "update_positions"):
        text.update_positions(renderer)
    return Text.get_window_extent(text, renderer)


def overlapping(texts: Sequence[Text], fig: Figure, gap: float = 0.0) -> list[tuple[int, int]]:
    """Pairs of visible, non-empty texts whose boxes intersect (after drawing the figure)."""
    shown = [t for t in texts if t.get_visible() and t.get_text().strip()]
    boxes = [extent(t, fig).padded(gap / 2) for t in shown]
    return [
        (i, j)
        for i in range(len(boxes))
        for j in range(i + 1, len(boxes))
        if boxes[i].overlaps(boxes[j])
    ]


def event_groups(run: Run) -> list[tuple[dt.date, list[str]]]:
    """The scenario's dated events within the horizon, plus the horizon, grouped by date:
    one label per date however many events fall on it."""
    s = run.scenario
    groups: dict[dt.date, list[str]] = {}
    for event in s.dated_events():
        assert event.date is not None
        groups.setdefault(event.date, []).append(nice(event.name))
    groups.setdefault(s.horizon, []).append("horizon")
    return sorted(groups.items())


def mark_dates(
    ax: Axes,
    groups: Sequence[tuple[dt.date, Sequence[str]]],
    horizon: dt.date | None = None,
    labels: bool = True,
) -> list[Text]:
    """A vertical line at 00:00 of each date, and (if `labels`) its names and date above the
    axes, joined to the line by a leader; `stagger` then lays them out."""
    texts = []
    for date, names in groups:
        x = np.datetime64(date, "D")
        strong = date == horizon
        colour = "#333333" if strong else "#8C8C8C"
        style = "-" if strong else (0, (4, 3))
        ax.axvline(x, color=colour, lw=1.1 if strong else 0.9, ls=style, zorder=1.5)
        if labels:
            texts.append(
                ax.annotate(
                    "\n".join([*names, long_date(date)]),
                    xy=(x, 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(0, LEAD_PT),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=9,
                    color="#333333",
                    linespacing=1.15,
                    annotation_clip=False,
                    in_layout=False,
                    arrowprops={
                        "arrowstyle": "-",
                        "color": colour,
                        "lw": 0.9,
                        "ls": style,
                        "shrinkA": 1,
                        "shrinkB": 0,
                        "relpos": (0.5, 0.0),
                    },
                )
            )
    return texts


LEAD_PT = 5.0  # points between the axes' top and the lowest row of labels
ALIGNS = ("center", "right", "left")
RELPOS = {"center": (0.5, 0.0), "right": (1.0, 0.0), "left": (0.0, 0.0)}


def _span(x: float, width: float, align: str) -> tuple[float, float]:
    if align == "center":
        return x - width / 2, x + width / 2
    return (x - width, x) if align == "right" else (x, x + width)


Placed = tuple[int, str, tuple[float, float]]  # row, alignment, pixel span


def _fits(
    line: float,
    row: int,
    span: tuple[float, float],
    chosen: Sequence[Placed],
    lines: Sequence[float],
    gap: float,
) -> bool:
    a, b = span
    for j, (r, _, (c, d)) in enumerate(chosen):
        if r == row and not (a > d + gap or b < c - gap):
            return False  # the two labels would overlap
        if r < row and c - gap / 2 <= line <= d + gap / 2:
            return False  # our leader would cross label j
        if r > row and a - gap / 2 <= lines[j] <= b + gap / 2:
            return False  # label j's leader would cross us
    return True


def _place(
    chosen: list[Placed],
    lines: Sequence[float],
    widths: Sequence[float],
    bounds: tuple[float, float],
    rows: int,
    gap: float,
    steps: list[int],
) -> bool:
    """Depth-first: place label len(chosen), then the rest; undo and try the next option
    when the rest cannot be placed. `steps` counts down a budget shared by all calls."""
    i = len(chosen)
    if i == len(lines):
        return True
    for row in range(rows):
        for align in ALIGNS:
            steps[0] -= 1
            if steps[0] < 0:
                return False
            span = _span(lines[i], widths[i], align)
            if span[0] < bounds[0] - 1 or span[1] > bounds[1] + 1:
                continue
            if _fits(lines[i], row, span, chosen, lines, gap):
                chosen.append((row, align, span))
                if _place(chosen, lines, widths, bounds, rows, gap, steps):
                    return True
                chosen.pop()
    return False


def plan_rows(
    lines: Sequence[float],
    widths: Sequence[float],
    lo: float,
    hi: float,
    gap: float = 8.0,
    budget: int = 20000,
) -> list[tuple[int, str]] | None:
    """Rows and alignments for labels above vertical lines at pixel x `lines` (sorted), each
    `widths` wide, kept within [lo, hi]: no two labels in a row overlap, and no label's
    leader (its line, continued up to its row) crosses a label in a lower row. Fewest rows
    first, then centred before right- before left-aligned. None if no plan is found within
    `budget` steps (then `stagger` stacks them one per row)."""
    steps = [budget]
    for rows in range(1, len(lines) + 1):
        chosen: list[Placed] = []
        if _place(chosen, lines, widths, (lo, hi), rows, gap, steps):
            return [(r, a) for r, a, _ in chosen]
        if steps[0] < 0:
            return None
    return None


def stagger(fig: Figure, ax: Axes, texts: Sequence[Text], gap_px: float = 8.0) -> None:
    """Lay the figure out once and freeze it, then lay labels above `ax` in rows
    (`plan_rows`) and lower the top of `ax` to make room for them.

    The labels stay out of the layout (`set_in_layout(False)`): they are placed after it,
    so the figure is laid out once (a layout pass was most of the time spent building a
    chart)."""
    for t in texts:
        t.set_in_layout(False)
    freeze(fig)
    if not texts:
        return
    box = ax.get_window_extent()
    for t in texts:
        t.set_horizontalalignment("center")
    found = [(extent(t, fig), t) for t in texts]
    found.sort(key=lambda et: ax.transData.transform((_x(et[1]), 0))[0])
    lines = [float(ax.transData.transform((_x(t), 0))[0]) for _, t in found]
    widths = [e.width for e, _ in found]
    plan = plan_rows(lines, widths, box.x0, box.x1, gap_px)
    if plan is None:  # too many labels for leaders: stack them, one row each
        plan = [(i, "center") for i in range(len(found))]
    rows = max(r for r, _ in plan) + 1
    heights = [
        max((e.height for (e, _), (r, _) in zip(found, plan, strict=True) if r == row), default=0.0)
        for row in range(rows)
    ]
    to_points = 72.0 / fig.dpi
    for (_, t), (row, align) in zip(found, plan, strict=True):
        t.set_horizontalalignment(align)
        t.set_position((0, LEAD_PT + (sum(heights[:row]) + gap_px / 2 * row) * to_points))
        t._arrow_relpos = RELPOS[align]  # type: ignore[attr-defined]  # the leader's foot
    needed = LEAD_PT / to_points + sum(heights) + gap_px / 2 * (rows - 1) + 4
    pos = ax.get_position()
    ax.set_position(
        (pos.x0, pos.y0, pos.width, pos.height - needed / (fig.get_figheight() * fig.dpi))
    )


def _x(t: Text) -> float:
    """The data x of an annotation's line (its `xy`), as a number."""
    from matplotlib.dates import date2num

    x = t.xy[0]  # type: ignore[attr-defined]
    return float(date2num(x)) if isinstance(x, np.datetime64 | dt.date) else float(x)


def freeze(fig: Figure) -> None:
    """Lay the figure out once, then keep that layout: saving twice (PNG and SVG) then costs
    two renders, not two more layouts. Only the layout runs, not a draw: legends take their
    places when the figure is drawn, which nothing placed after this reads."""
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    fig.set_layout_engine("none")


def spread_right(fig: Figure, texts: Sequence[Text], gap_px: float = 2.0) -> None:
    """Move labels at the right end of curves apart vertically where they would touch.
    Call after the layout is frozen."""
    if len(texts) < 2:
        return
    to_points = 72.0 / fig.dpi
    order = sorted(texts, key=lambda t: extent(t, fig).y0)
    floor = None
    for t in order:
        e = extent(t, fig)
        if floor is not None and e.y0 < floor + gap_px:
            dx, dy = t.get_position()
            shift = floor + gap_px - e.y0
            t.set_position((dx, dy + shift * to_points))
            e = extent(t, fig)
        floor = e.y1
