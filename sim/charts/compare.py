"""Charts of several runs side by side, for `sim compare`.

Runs are coloured by their position in the comparison (`style.RUN_COLOURS`: Paul Tol's
"bright" palette, blue, red, green, yellow, cyan, purple, grey), never by route or outcome
colours, so a run reads the same in every compare chart. Outcomes keep their own colours.

The difference chart (`when_difference`) shows other - base of P(exit by date) with a 95%
band, either

- paired: both runs have the same trials (same seed, trials and draw layout), so trial i of
  one run is compared with trial i of the other: the band is the t interval of the mean of
  the per-trial differences d_i = 1[other exits by D] - 1[base exits by D] (as
  `scipy.stats.ttest_rel(...).confidence_interval()` gives on the 0/1 indicators). Its
  variance comes from the discordant trials: with b trials exiting only in `other` and c
  only in `base`, sum d_i^2 = b + c; or
- unpaired: independent binomial variances, p_o(1-p_o)/n_o + p_b(1-p_b)/n_b, and a normal
  (Wald) interval.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.charts import data, style
from sim.charts.stopped import outcome_bar
from sim.charts.write import save
from sim.comparison import Comparison
from sim.run_folder import Run


def _labels_line(runs: Sequence[Run], labels: Sequence[str]) -> str:
    parts = [
        f"{label}: {int(r.summary['trials']):,} trials, seed {r.summary['seed']}"
        for r, label in zip(runs, labels, strict=True)
    ]
    return " · ".join(parts)


def _check(runs: Sequence[Run], labels: Sequence[str]) -> None:
    if len(runs) != len(labels):
        raise ValueError(f"{len(runs)} runs but {len(labels)} labels")
    if not runs:
        raise ValueError("no run to chart")


def _exit_dates(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """Each trial's exit date as a day ordinal (NaN where it did not exit), and the trial
    numbers, in trial order."""
    table = data.trials(run, ["trial", "outcome", "exit_day"])
    start = run.scenario.start.toordinal()
    return start + data.day_index(data.exit_days(table)), table["trial"].to_numpy()


def _window(runs: Sequence[Run]) -> tuple[dt.date, dt.date]:
    return min(r.scenario.start for r in runs), max(r.scenario.horizon for r in runs)


def _shared_events(runs: Sequence[Run]) -> list[tuple[dt.date, list[str]]]:
    """Dated events that every run has on the same date, grouped by date, plus each run's
    horizon (one label when they share it)."""
    common = None
    for r in runs:
        events = {(e.name, e.date) for e in r.scenario.dated_events()}
        common = events if common is None else common & events
    groups: dict[dt.date, list[str]] = {}
    for name, date in sorted(common or (), key=lambda x: (x[1], x[0])):
        assert date is not None
        groups.setdefault(date, []).append(style.nice(name))
    for date in sorted({r.scenario.horizon for r in runs}):
        groups.setdefault(date, []).append("horizon")
    return sorted(groups.items())


@style.styled
def when_overlay(runs: list[Run], labels: list[str]) -> Figure:
    """P(exit by date) of every run, overlaid with its 95% band, in the order given."""
    _check(runs, labels)
    fig = style.new_figure(6.6)
    style.header(
        fig,
        "When: the chance that the exit has taken effect by each date",
        _labels_line(runs, labels),
        "Shaded: 95% interval (Wilson score) of each run's share. Dashed lines: dated events "
        "shared by every run; solid: the horizon.",
    )
    ax = fig.add_subplot()
    ends = []
    top = 0.0
    for i, (run, label) in enumerate(zip(runs, labels, strict=True)):
        cal = data.calendar(run)
        c = data.exit_curve(run)
        colour = style.run_colour(i)
        x = cal.edges
        ax.fill_between(
            x, [*c.low, c.low[-1]], [*c.high, c.high[-1]], step="post", color=colour,
            alpha=0.18, lw=0,
        )  # fmt: skip
        ax.step(x, [*c.p, c.p[-1]], where="post", color=colour, lw=2.2, label=style.wrapped(label))
        top = max(top, float(c.high.max()))
        ends.append(
            ax.annotate(
                f"{style.short(label)} {style.pct(c.final)}", xy=(x[-1], c.final), xytext=(6, 0),
                textcoords="offset points", ha="left", va="center", fontsize=10.5,
                fontweight="bold", color=colour, annotation_clip=False,
            )
        )  # fmt: skip
    first, last = _window(runs)
    ax.set_xlim(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    ax.set_ylim(0, max(top * 1.15, 0.01))
    style.percent_axis(ax)
    style.date_axis(ax, np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    ax.set_ylabel("share of trials, by date")
    ax.legend(loc="upper left", title="run", alignment="left")
    marks = style.mark_dates(ax, _shared_events(runs), max(r.scenario.horizon for r in runs))
    style.stagger(fig, ax, marks)
    style.spread_right(fig, ends)
    return fig


@style.styled
def outcomes_side_by_side(runs: list[Run], labels: list[str]) -> Figure:
    """Each run's outcomes as one stacked bar, runs top to bottom in the order given."""
    _check(runs, labels)
    fig = style.new_figure(2.2 + 0.75 * len(runs) + style.HEADER_IN + style.FOOTER_IN)
    style.header(
        fig,
        "How the trials ended, run by run",
        _labels_line(runs, labels),
        "Each bar is all the trials of one run, split by outcome; labels where they fit.",
    )
    ax = fig.add_subplot()
    for run, label in zip(runs, labels, strict=True):
        outcome_bar(ax, data.outcome_counts(run), style.wrapped(label, 40))
    ax.set_ylim(len(runs) - 0.5, -0.5)
    handles = [Patch(color=style.STATE_COLOURS[o], label=style.STATE_LABELS[o]) for o in
               data.outcome_counts(runs[0])]  # fmt: skip
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.02), ncols=3,
              borderaxespad=0)  # fmt: skip
    style.freeze(fig)
    from sim.charts.stopped import fit_labels

    fit_labels(fig, ax)
    return fig


def _route_stages(runs: Sequence[Run]) -> dict[str, list[str]]:
    """Every route of any run (first run's order first), and its stages: the gates of every
    run in order of first appearance, then the deposit."""
    routes: dict[str, list[str]] = {}
    for run in runs:
        for name, route in run.scenario.routes.items():
            stages = routes.setdefault(name, [])
            for g in route.gates:
                if g.name not in stages:
                    stages.append(g.name)
    return {r: [*s, "notice"] for r, s in routes.items()}


@style.styled
def funnels_side_by_side(runs: list[Run], labels: list[str]) -> Figure:
    """Per route: the share of all trials that reached each gate and filed the notice, one
    bar per run, so a change at one gate shows where it happens."""
    _check(runs, labels)
    routes = _route_stages(runs)
    found = [{f.route: f for f in data.funnels(r)} for r in runs]
    rows = [len(s) + 1 for s in routes.values()]  # "started", each gate, the deposit
    heights = [0.7 + 0.2 * len(runs) * k for k in rows] or [1.0]
    fig = style.new_figure(sum(heights) + style.HEADER_IN + style.FOOTER_IN + 0.8)
    style.header(
        fig,
        "Route funnels, run by run: share of trials that reached each step",
        _labels_line(runs, labels),
        "started: the route's trigger happened; a gate: the trials that passed it; notice "
        "deposited: the route filed the notice. Shares of all trials of each run.",
    )
    if not routes:
        style.no_data(fig.add_subplot(), "no run has a route")
        style.freeze(fig)
        return fig
    axes = fig.subplots(len(routes), 1, height_ratios=heights, squeeze=False)[:, 0]
    bar = 0.8 / len(runs)
    for ax, (route, stages) in zip(axes, routes.items(), strict=True):
        names = ["started", *[style.nice(g) for g in stages[:-1]], "notice deposited"]
        y = np.arange(len(names))
        top = 0.0
        for i, label in enumerate(labels):
            f = found[i].get(route)
            if f is None:
                continue
            by_gate = {s.name: s.passed for s in f.stages}
            values = [f.started] + [by_gate.get(g, np.nan) for g in stages]
            share = np.array(values, dtype=float) / f.trials
            offset = (i - (len(runs) - 1) / 2) * bar
            ax.barh(y + offset, share, height=bar * 0.9, color=style.run_colour(i),
                    label=style.wrapped(label))  # fmt: skip
            for yy, v in zip(y + offset, share, strict=True):
                if np.isfinite(v):
                    ax.text(v, yy, f" {style.pct(v)}", va="center", ha="left", fontsize=8.5,
                            color=style.TEXT)  # fmt: skip
            top = max(top, float(np.nanmax(share)) if np.isfinite(share).any() else 0.0)
        ax.set_yticks(y, names)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_xlim(0, max(top * 1.18, 0.01))
        style.percent_axis(ax, "x")
        ax.grid(axis="y", visible=False)
        ax.set_title(style.nice(route), loc="left")
    axes[0].legend(loc="lower right", title="run", alignment="left")
    style.freeze(fig)
    return fig


def paired_difference(
    base: np.ndarray, other: np.ndarray, dates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per date D: the mean of d_i = 1[other_i <= D] - 1[base_i <= D] and the half-width of
    its 95% t interval, from sorted arrays (no trials x dates grid).

    sum d_i = other_by - base_by; sum d_i^2 = b + c, the discordant trials (b exit by D in
    `other` only, c in `base` only), and both_by = #(max(base_i, other_i) <= D)."""
    from scipy import stats

    n = base.size
    never = np.inf
    b_ = np.where(np.isnan(base), never, base)
    o_ = np.where(np.isnan(other), never, other)
    by_base = np.searchsorted(np.sort(b_), dates, side="right")
    by_other = np.searchsorted(np.sort(o_), dates, side="right")
    by_both = np.searchsorted(np.sort(np.maximum(b_, o_)), dates, side="right")
    discordant = (by_base - by_both) + (by_other - by_both)
    mean = (by_other - by_base) / n
    var = (discordant - n * mean**2) / (n - 1) if n > 1 else np.zeros_like(mean)
    half = stats.t.ppf(0.975, n - 1) * np.sqrt(np.maximum(var, 0.0) / n) if n > 1 else var
    return mean, half


def unpaired_difference(
    base: np.ndarray, other: np.ndarray, dates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per date: p_other - p_base and the half-width of its 95% Wald interval with
    independent binomial variances."""
    pb = np.searchsorted(np.sort(base[np.isfinite(base)]), dates, side="right") / base.size
    po = np.searchsorted(np.sort(other[np.isfinite(other)]), dates, side="right") / other.size
    se = np.sqrt(pb * (1 - pb) / base.size + po * (1 - po) / other.size)
    return po - pb, data.Z95 * se


@style.styled
def when_difference(base: Run, other: Run, label: str, paired: bool) -> Figure:
    """other - base of P(exit by date), with its 95% band (paired or unpaired, as said in
    the title), over the dates both runs cover."""
    b, b_trials = _exit_dates(base)
    o, o_trials = _exit_dates(other)
    if paired and (b.size != o.size or not np.array_equal(b_trials, o_trials)):
        raise ValueError("a paired difference needs the same trials in both runs")
    first = max(base.scenario.start, other.scenario.start)
    last = min(base.scenario.horizon, other.scenario.horizon)
    if last < first:
        raise ValueError("the two runs share no date")
    days = np.arange(first.toordinal(), last.toordinal() + 1, dtype=float)
    mean, half = (paired_difference if paired else unpaired_difference)(b, o, days)
    kind = "paired, trial by trial" if paired else "unpaired, independent samples"
    fig = style.new_figure(6.2)
    style.header(
        fig,
        f"Difference in the chance of exit by date ({kind})",
        _labels_line([base, other], [base.name, label]),
        (
            "Band: 95% interval of the paired difference (t interval of the per-trial "
            "differences; common random numbers make it narrow). "
            if paired
            else "Band: 95% interval from independent binomial variances (Wald). "
        )
        + "Where the band crosses zero the difference is within Monte Carlo noise.",
    )
    ax = fig.add_subplot()
    x = np.datetime64(first, "D") + np.arange(days.size + 1)
    colour = style.run_colour(1)
    ax.fill_between(x, [*(mean - half), (mean - half)[-1]], [*(mean + half), (mean + half)[-1]],
                    step="post", color=colour, alpha=0.25, lw=0, label="95% interval")  # fmt: skip
    ax.step(
        x, [*mean, mean[-1]], where="post", color=colour, lw=2.2,
        label=style.wrapped(f"{label} minus {base.name}"),
    )  # fmt: skip
    ax.axhline(0, color=style.TEXT, lw=1.0)
    ax.set_xlim(x[0], x[-1])
    lo, hi = float(np.min(mean - half)), float(np.max(mean + half))
    pad = max((hi - lo) * 0.12, 0.002)
    ax.set_ylim(min(lo, 0) - pad, max(hi, 0) + pad)
    _signed_percent_axis(ax)
    style.date_axis(ax, x[0], x[-1])
    ax.set_ylabel("difference in P(exit by date),\npercentage points")
    ax.legend(loc="upper left")
    end = ax.annotate(
        f"{mean[-1] * 100:+.2f} pts\n(±{half[-1] * 100:.2f})", xy=(x[-1], mean[-1]),
        xytext=(6, 0), textcoords="offset points", ha="left", va="center", fontsize=10.5,
        fontweight="bold", color=colour, annotation_clip=False,
    )  # fmt: skip
    end.set_gid(f"final:{float(mean[-1])!r}:{float(half[-1])!r}")
    marks = style.mark_dates(ax, _shared_events([base, other]), last)
    style.stagger(fig, ax, marks)
    return fig


def _signed_percent_axis(ax: Axes) -> None:
    from matplotlib.ticker import FuncFormatter

    def fmt(v: float, _pos: object = None) -> str:
        text = f"{abs(v) * 100:.3f}".rstrip("0").rstrip(".")
        return "0" if text in ("0", "") else f"{'+' if v > 0 else '−'}{text}"

    ax.yaxis.set_major_formatter(FuncFormatter(fmt))


def write_compare_charts(
    runs: list[Run], labels: list[str], folder: Path, paired_flags: list[bool]
) -> list[Path]:
    """Every compare chart as PNG and SVG into `folder`: when_overlay, outcomes, funnels,
    and for each run after the first, when_difference_<k> (k = its 1-based position:
    when_difference_2 is run 2 minus run 1). `paired_flags[i]` says whether run i+2 is
    compared with run 1 trial by trial."""
    _check(runs, labels)
    if len(paired_flags) != len(runs) - 1:
        raise ValueError(
            f"{len(paired_flags)} paired flags for {len(runs) - 1} runs after the first"
        )
    folder.mkdir(parents=True, exist_ok=True)
    paths = save(when_overlay(runs, labels), folder, "when_overlay")
    paths += save(outcomes_side_by_side(runs, labels), folder, "outcomes")
    paths += save(funnels_side_by_side(runs, labels), folder, "funnels")
    for k, (other, label, paired) in enumerate(
        zip(runs[1:], labels[1:], paired_flags, strict=True), start=2
    ):
        paths += save(when_difference(runs[0], other, label, paired), folder,
                      f"when_difference_{k}")  # fmt: skip
    return paths


def write_compare_charts_for(comparison: Comparison, runs: Sequence[Run], folder: Path) -> None:
    """The chart writer `sim compare` calls: labels and pairing as the comparison found
    them, so the difference chart's band is the table's interval."""
    p_exit = comparison.metric("p_exit")
    paired = [bool(d is not None and d.paired) for d in p_exit.differences[1:]]
    write_compare_charts(list(runs), comparison.labels, folder, paired)
