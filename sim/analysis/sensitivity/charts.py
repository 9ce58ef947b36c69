"""Charts of a sensitivity analysis, drawn from `sensitivity.json` alone (so a folder read
back draws the same charts), in the project's style (`sim.charts.style`).

Colours are Okabe and Ito's: the 5th-percentile pin is blue and the 95th orange in every
tornado; an index of P(exit) is drawn in the exit's vermillion, of P(notice) in the
notice's orange, of the time to exit in bluish green, as the run charts draw those outcomes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.sensitivity.inputs import count, grouped, label, number
from sim.analysis.sensitivity.result import ranking
from sim.analysis.sensitivity.tornado import by_swing, unchanged
from sim.charts import style
from sim.charts.write import save

LOW_COLOUR = "#0072B2"  # Okabe-Ito blue: the input at its 5th percentile
HIGH_COLOUR = "#E69F00"  # Okabe-Ito orange: at its 95th
METRIC_COLOURS = {
    "p_exit": style.EXIT_COLOUR,
    "p_notice": style.NOTICE_COLOUR,
    "days_to_exit": "#009E73",  # Okabe-Ito bluish green
}
METRIC_TITLES = {
    "p_exit": "P(exit by the horizon)",
    "p_notice": "P(notice deposited)",
    "days_to_exit": "time to exit",
}
MAX_ROWS = 25  # inputs shown; the rest are counted in a line under the chart
ROW_IN = 0.36  # inches a row


def subtitle(data: dict[str, Any], extra: str = "") -> str:
    s = data["scenario"]
    named = s["title"] if s["title"] == s["name"] else f"{s['title']} ({s['name']})"
    line = (
        f"{named} · {int(s['trials']):,} trials · seed {s['seed']} · "
        f"{style.long_date(s['start'])} to {style.long_date(s['horizon'])} · "
        f"{data['engine']} engine"
    )
    return f"{line} · {extra}" if extra else line


def _kinds(data: dict[str, Any]) -> dict[str, str]:
    return {i["name"]: i["kind"] for i in data["inputs"]}


def _row_label(data: dict[str, Any], name: str) -> str:
    i = next(x for x in data["inputs"] if x["name"] == name)
    return f"{label(name)}\n{number(i['kind'], i['p5'])} to {number(i['kind'], i['p95'])}"


def _height(rows: int, panels_extra: float = 0.0) -> float:
    return style.HEADER_IN + style.FOOTER_IN + 1.25 + panels_extra + ROW_IN * 1.25 * rows


def _shown(order: list[str]) -> tuple[list[str], int]:
    return order[:MAX_ROWS], max(0, len(order) - MAX_ROWS)


def _rows_axis(
    ax: Axes,
    data: dict[str, Any],
    names: list[str],
    labels: bool = True,
    notes: Sequence[str] = (),
    chars: int = 0,
    reserve: int = 0,
) -> None:
    """One row an input, top to bottom; `notes` (what is not drawn) in rows of their own
    under the last input, on a white ground (out of the layout, so a long note never
    squeezes the panel). `reserve`: rows of note to leave room for (panels sharing their y
    axis must all leave the same room)."""
    import textwrap

    ax.set_yticks(np.arange(len(names)))
    if labels:
        ax.set_yticklabels([_row_label(data, n) for n in names], fontsize=9.5)
    else:
        ax.tick_params(axis="y", labelleft=False)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    lines = [line for note in notes for line in textwrap.wrap(note, chars or NOTE_CHARS)]
    room = max(len(lines), reserve)
    ax.set_ylim(len(names) - 0.4 + NOTE_ROW * room + (0.25 if room else 0.0), -0.6)
    for k, line in enumerate(lines):
        # a figure text, drawn after every panel: a note may run on across the panels
        ax.figure.text(
            0.006, len(names) - 0.1 + NOTE_ROW * k, line, transform=ax.get_yaxis_transform(),
            ha="left", va="center", fontsize=9, color=style.GREY, in_layout=False, zorder=5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        )  # fmt: skip


NOTE_CHARS = 100  # characters of 9 pt text a line across a panel 8 inches wide
NOTE_ROW = 0.45  # rows a line of note takes


def _note_lines(notes: Sequence[str], chars: int = NOTE_CHARS) -> int:
    import textwrap

    return sum(len(textwrap.wrap(n, chars)) for n in notes)


def _value_text(metric: str, v: float) -> str:
    return style.pct(v) if metric != "days_to_exit" else f"{v:.0f}d"


# -- tornado ----------------------------------------------------------------------------


TORNADO_FOOT = {
    "probability": (
        "Each input pinned at its 5th (blue) and 95th (orange) percentile, the others drawn "
        "as usual, over the same trials. Whiskers: 95% interval of the difference to the "
        "unpinned run, paired trial by trial. Sorted by swing (95th minus 5th)."
    ),
    "days_to_exit": (
        "Median days from start to exit, among the trials that exit, with each input pinned "
        "at its 5th (blue) and 95th (orange) percentile. Whiskers: paired bootstrap 95% "
        "interval of the swing (95th minus 5th). Sorted by the size of the swing."
    ),
}


@style.styled
def plot_tornado(data: dict[str, Any], metric: str = "p_exit") -> Figure:
    """The tornado of one metric: `p_exit`, `p_notice` or `days_to_exit` (median)."""
    ranked = by_swing(data["tornado"]["rows"], metric)
    rows = [r for r in ranked if not unchanged(r, metric)]
    idle = [r["input"] for r in ranked if unchanged(r, metric)]
    shown, hidden = rows[:MAX_ROWS], max(0, len(rows) - MAX_ROWS)
    names = [r["input"] for r in shown]
    days = metric == "days_to_exit"
    notes = [f"and {hidden} more inputs with smaller swings"] if hidden else []
    if idle:
        notes.append(
            f"Not shown: {count(len(idle))} changed no trial at either pin: {grouped(idle)}."
        )
    fig = style.new_figure(_height(max(len(shown), 1) + NOTE_ROW * _note_lines(notes)))
    base = data["tornado"]["rows"][0][metric]["base"]
    what = "the median time to exit" if days else METRIC_TITLES[metric]
    headline = f"Tornado: which assumption moves {what}"
    base_text = f"{base:.0f} days" if days and base is not None else _value_text(metric, base or 0)
    style.header(
        fig,
        headline,
        subtitle(data, f"unpinned: {base_text}"),
        TORNADO_FOOT["days_to_exit" if days else "probability"],
    )
    ax = fig.add_subplot()
    if not shown:
        style.no_data(ax, "Pinning no input changed any trial")
        style.freeze(fig)
        return fig
    _rows_axis(ax, data, names, notes=notes)
    for y, r in enumerate(shown):
        m = r[metric]
        for side, colour, dy in (("low", LOW_COLOUR, -0.17), ("high", HIGH_COLOUR, 0.17)):
            v = m[side]
            if base is None:
                continue
            if v is None:
                ax.annotate(
                    "no exits at this pin", xy=(base, y + dy), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=8.5,
                    color=style.GREY,
                )  # fmt: skip
                continue
            ax.barh(y + dy, v - base, left=base, height=0.32, color=colour, lw=0)
            lo, hi = _whisker(m, side, base, days)
            if lo is not None and hi is not None:
                ax.errorbar(
                    v, y + dy, xerr=[[max(v - lo, 0)], [max(hi - v, 0)]], fmt="none",
                    ecolor="#333333", elinewidth=0.9, capsize=2.5,
                )  # fmt: skip
            right = v >= base
            at = v if lo is None or hi is None else (max(v, hi) if right else min(v, lo))
            ax.annotate(
                _value_text(metric, v), xy=(at, y + dy), xytext=(4 if right else -4, 0),
                textcoords="offset points", ha="left" if right else "right", va="center",
                fontsize=8.5, color="#333333",
            )  # fmt: skip
    if base is not None:
        ax.axvline(base, color="#333333", lw=1.1, zorder=3)
    if days:
        ax.set_xlabel("median days from start to exit, among exits")
    else:
        style.percent_axis(ax, "x")
        ax.set_xlabel(f"{METRIC_TITLES[metric]}, input pinned (vertical line: unpinned)")
    _pad_x(ax)
    from matplotlib.patches import Patch

    ax.legend(
        [Patch(color=LOW_COLOUR), Patch(color=HIGH_COLOUR)],
        ["input at its 5th percentile", "input at its 95th percentile"],
        loc="lower right", ncols=2, bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2,
    )  # fmt: skip
    style.freeze(fig)
    return fig


def _whisker(
    m: dict[str, Any], side: str, base: float, days: bool
) -> tuple[float | None, float | None]:
    """Where a bar's whisker spans: for a probability, the pinned value's paired interval
    (the unpinned value plus the interval of the difference); for the median time, the
    swing's interval, drawn on the 95th-percentile bar (the low bar has none)."""
    if not days:
        lo, hi = m[f"{side}_diff"]["ci95"]
        return base + lo, base + hi
    swing = m["swing"] or {}
    if side == "low" or not swing.get("ci95") or m["low"] is None:
        return None, None
    return m["low"] + swing["ci95"][0], m["low"] + swing["ci95"][1]


def _pad_x(ax: Axes, share: float = 0.12) -> None:
    """Room beside the outermost bars for their value labels."""
    lo, hi = ax.get_xlim()
    span = hi - lo or 1.0
    ax.set_xlim(lo - share * span, hi + share * span)


# -- indices (given data, Sobol) --------------------------------------------------------


def _metrics_with(section: dict[str, Any]) -> list[str]:
    return [m for m, e in section["metrics"].items() if e.get("indices")]


def _index_panels(
    data: dict[str, Any],
    section: dict[str, Any],
    headline: str,
    extra: str,
    footer: str,
    draw: Callable[[Axes, dict[str, dict[str, Any]], list[str], str], None],
    titles: dict[str, str] = METRIC_TITLES,
) -> Figure:
    metrics = _metrics_with(section)
    order, by = ranking(data)
    zero = [n for n in order if _all_zero(section, metrics, n)]
    names, hidden = _shown([n for n in order if n not in zero])
    notes = [f"and {hidden} more inputs"] if hidden else []
    if zero:
        notes.append(
            f"Not shown: {count(len(zero))} with every index exactly 0 (no design point's "
            f"trials changed with them): {grouped(zero)}."
        )
    notes += [
        f"No {titles[m]} panel: {e['note'].removeprefix('no index: ')}."
        for m, e in section["metrics"].items()
        if not e.get("indices") and e.get("note")
    ]
    chars = NOTE_CHARS  # a note runs on across the empty rows of the panels to its right
    note_lines = _note_lines(notes, chars)
    rows = len(names) + NOTE_ROW * note_lines
    fig = style.new_figure(_height(max(rows, 1), 0.2))
    style.header(fig, headline, subtitle(data, extra), footer)
    if not metrics:
        style.no_data(fig.add_subplot(), "No index: " + "; ".join(
            e.get("note", "") for e in section["metrics"].values()
        ))  # fmt: skip
        style.freeze(fig)
        return fig
    axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
    for k, (ax, metric) in enumerate(zip(axes, metrics, strict=True)):
        found = {r["input"]: r for r in section["metrics"][metric]["indices"]}
        shown_notes = notes if k == 0 else ()
        _rows_axis(ax, data, names, k == 0, shown_notes, chars, reserve=note_lines)
        draw(ax, found, names, METRIC_COLOURS[metric])
        ax.axvline(0, color="#333333", lw=1.0, zorder=1.5)
        ax.set_title(titles[metric], loc="left", fontsize=11.5)
        ax.set_xlabel("share of the variance")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        style.percent_axis(ax, "x")
    axes[0].set_ylabel(f"ranked by {by}", fontsize=9.5, color=style.GREY)
    style.freeze(fig)
    return fig


def _all_zero(section: dict[str, Any], metrics: list[str], name: str) -> bool:
    """Sobol' indices exactly 0 with a zero interval in every panel: the output did not
    change with this input at any design point."""
    for m in metrics:
        r = next(x for x in section["metrics"][m]["indices"] if x["input"] == name)
        if "ST" not in r or any(r[k] != 0 for k in ("S1", "ST")):
            return False
        if r["S1_ci95"] != [0.0, 0.0] or r["ST_ci95"] != [0.0, 0.0]:
            return False
    return bool(metrics)


def _given_draw(ax: Axes, found: dict[str, dict[str, Any]], names: list[str], colour: str) -> None:
    y = np.arange(len(names))
    s1 = np.array([found[n]["S1"] for n in names])
    lo = np.array([found[n]["ci95"][0] for n in names])
    hi = np.array([found[n]["ci95"][1] for n in names])
    ax.hlines(y, lo, hi, color=colour, lw=2.0, alpha=0.55)
    ax.plot(s1, y, "o", color=colour, ms=6, zorder=3)


@style.styled
def plot_given(data: dict[str, Any]) -> Figure:
    """Each input's first-order index from the run's own trials, per metric."""
    g = data["given"]
    return _index_panels(
        data,
        g,
        "Given data: how much of each outcome's variance each input explains alone",
        "first-order index (RBD-FAST)",
        "Dot: first-order index S1 = Var(E[Y | input]) / Var(Y), from the trials' own draws "
        "(SALib rbd_fast, bias-corrected); line: bootstrap 95% interval. For a 0/1 outcome "
        "most variance is the trials' chance, so indices are small: compare them by rank.",
        _given_draw,
    )


def _sobol_draw(ax: Axes, found: dict[str, dict[str, Any]], names: list[str], colour: str) -> None:
    y = np.arange(len(names))
    st = np.array([found[n]["ST"] for n in names])
    st_lo = np.array([found[n]["ST_ci95"][0] for n in names])
    st_hi = np.array([found[n]["ST_ci95"][1] for n in names])
    s1 = np.array([found[n]["S1"] for n in names])
    s1_lo = np.array([found[n]["S1_ci95"][0] for n in names])
    s1_hi = np.array([found[n]["S1_ci95"][1] for n in names])
    ax.barh(y, st, height=0.62, color=colour, alpha=0.4, lw=0)
    ax.errorbar(
        st, y + 0.13, xerr=[st - st_lo, st_hi - st], fmt="none", ecolor=colour,
        elinewidth=1.2, capsize=2.5,
    )  # fmt: skip
    ax.hlines(y - 0.13, s1_lo, s1_hi, color="#222222", lw=1.4)
    ax.plot(s1, y - 0.13, "o", color="#222222", ms=5, zorder=3)


@style.styled
def plot_sobol(data: dict[str, Any]) -> Figure:
    """Sobol' first-order and total indices per metric."""
    s = data["sobol"]
    noise = [
        f"{METRIC_TITLES[m]} {e['noise_share']:.0%}"
        for m, e in s["metrics"].items()
        if e.get("indices") and e.get("noise_share") is not None
    ]
    return _index_panels(
        data,
        s,
        "Sobol': each input's share of the variance, alone (S1) and with its interactions (ST)",
        f"N = {s['base_samples']:,}, {s['points']:,} points x {s['trials_per_point']:,} trials",
        "Bar: total index ST (coloured line: its 95% interval); dot: first-order index S1 "
        "(black line: its 95% interval), by SALib's bootstrap. Each design point's value is "
        "over the same trials; the chance in it is part of the variance "
        f"({', '.join(noise) or 'not estimated'}).",
        _sobol_draw,
        {**METRIC_TITLES, "days_to_exit": "mean time to exit"},
    )


def chart_functions(data: dict[str, Any]) -> dict[str, Callable[[], Figure]]:
    """File stem -> chart, for the methods that ran."""
    out: dict[str, Callable[[], Figure]] = {}
    if "tornado" in data:
        out["tornado_p_exit"] = lambda: plot_tornado(data, "p_exit")
        out["tornado_p_notice"] = lambda: plot_tornado(data, "p_notice")
        if any(r["days_to_exit"]["swing"] for r in data["tornado"]["rows"]):
            out["tornado_days_to_exit"] = lambda: plot_tornado(data, "days_to_exit")
    if "given" in data:
        out["given"] = lambda: plot_given(data)
    if "sobol" in data:
        out["sobol"] = lambda: plot_sobol(data)
    return out


def write_charts(data: dict[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for stem, chart in chart_functions(data).items():
        paths += save(chart(), folder, stem)
    return paths
