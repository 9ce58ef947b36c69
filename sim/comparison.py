"""Differences between runs, with 95% intervals: paired when the runs share their random
numbers, unpaired otherwise. Pure: reads runs (their summaries and trials tables), writes
nothing.

Why paired. Two variants of a scenario run with the same seed, trials and draw layout see
the same random numbers in every unchanged part (common random numbers: every quantity has
its own named stream and is drawn by inverse transform), so trial i of one run and trial i of
the other are the same "world" with one judgment changed. The difference trial by trial then
carries only the edit's effect, and its variance is far smaller than the sum of the two runs'
variances that an unpaired interval must use. For a probability the per-trial difference of
the 0/1 indicators is -1, 0 or +1, and its variance comes from the discordant trials only.

What the libraries ship (checked 2026-11): scipy 1.17 has no paired proportion interval, but
`scipy.stats.ttest_rel(b, a).confidence_interval()` is the t interval of the mean per-trial
difference, which is the paired interval used here for the 0/1 indicators (at thousands of
trials it equals the normal (Wald) interval for paired proportions, mean +- z * sd / sqrt(n),
to the fourth decimal). statsmodels is not a dependency: its released versions offer unpaired
two-sample intervals (`confint_proportions_2indep`) and McNemar's test; a paired Newcombe
interval (`confint_proportions_paired`) appears only in its development documentation. So the
paired interval is the t interval computed here with numpy and `scipy.stats.t` (the same
numbers as `ttest_rel`, which a test checks, but defined when every difference is zero), and
the unpaired one is Newcombe's hybrid score interval (1998, his method 10: from the two Wilson
intervals), which keeps its coverage near 0 and 1 where the normal interval does not.

Median exit date: a bootstrap over trials (2,000 resamples, percentile interval, fixed seed
so the same runs give the same interval); paired resampling draws the same trial indices for
both runs. Each resample's median is read from how often each exit was drawn (the same
bootstrap as taking medians of resampled exit days), a batch of resamples at a time so memory
stays small, and without scipy.stats.bootstrap's BCa jackknife, which would take n medians.
It is null when either run has fewer than `MIN_EXITS` exits: a median of a handful of dates
has no useful interval.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim import __version__
from sim.outcomes import NOTICE_OUTCOMES, Outcome
from sim.run_folder import FORMAT, Run

MIN_EXITS = 20
RESAMPLES = 2000
BOOTSTRAP_SEED = 20261127
Z_LEVEL = 0.95

PAIRED_T = "paired t interval of the per-trial differences (= scipy.stats.ttest_rel)"
NEWCOMBE = "unpaired Newcombe hybrid score interval (from the two Wilson intervals)"
PAIRED_BOOT = f"paired bootstrap over trials ({RESAMPLES:,} resamples, percentile)"
UNPAIRED_BOOT = f"unpaired bootstrap over each run's trials ({RESAMPLES:,} resamples, percentile)"


@dataclass(frozen=True)
class Difference:
    """A run's value minus the first run's, with its 95% interval."""

    value: float
    ci95: tuple[float, float]
    paired: bool
    method: str

    @property
    def within_noise(self) -> bool:
        return self.ci95[0] <= 0.0 <= self.ci95[1]

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "ci95": [self.ci95[0], self.ci95[1]],
            "paired": self.paired,
            "within_noise": self.within_noise,
            "method": self.method,
        }


@dataclass(frozen=True)
class Metric:
    metric: str  # p_exit, p_notice, p_exit_by.<event>, median_exit_date
    label: str
    kind: str  # probability | date
    values: list[Any]  # per run: a probability, or an ISO date (None if nothing exited)
    differences: list[Difference | None]  # None for the first run, or when undefined

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "label": self.label,
            "kind": self.kind,
            "values": self.values,
            "differences": [d.to_json() if d else None for d in self.differences],
        }


@dataclass(frozen=True)
class Comparison:
    """What `compare.json` holds: the runs, one row per metric, and notes for the reader."""

    runs: list[dict[str, Any]]
    metrics: list[Metric]
    notes: list[str] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        return [r["label"] for r in self.runs]

    def metric(self, name: str) -> Metric:
        return next(m for m in self.metrics if m.metric == name)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": "compare",
            "version": __version__,
            "runs": self.runs,
            "metrics": [m.to_json() for m in self.metrics],
            "notes": self.notes,
        }


# --- intervals --------------------------------------------------------------------------


def paired_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, tuple[float, float]]:
    """Mean of b - a trial by trial, and its t interval (`ttest_rel(b, a)`'s interval)."""
    from scipy import stats

    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    n = d.size
    mean = float(d.mean())
    if n < 2:
        return mean, (-1.0, 1.0)  # one trial: anything a difference of shares can be
    se = float(d.std(ddof=1)) / math.sqrt(n)
    half = float(stats.t.ppf(0.5 + Z_LEVEL / 2, n - 1)) * se
    return mean, (mean - half, mean + half)


def wilson_interval(k: int, n: int) -> tuple[float, float]:
    from sim.summary import wilson

    low, high = wilson(k, n)
    return low, high


def newcombe_interval(k1: int, n1: int, k2: int, n2: int) -> tuple[float, tuple[float, float]]:
    """p2 - p1 and Newcombe's hybrid score interval (1998, method 10)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1)
    l2, u2 = wilson_interval(k2, n2)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, (low, high)


def _weighted_medians(days: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """np.median of the multiset in which days[j] appears weights[r, j] times, per row r."""
    order = np.argsort(days, kind="stable")
    days, cum = days[order], np.cumsum(weights[:, order], axis=1, dtype=np.int32)
    m = cum[:, -1]
    out = np.full(len(m), np.nan)
    ok = m > 0
    lo_rank, hi_rank = (m - 1) // 2, m // 2  # 0-based ranks of the middle element(s)
    lo = (cum <= lo_rank[:, None]).sum(axis=1)
    hi = (cum <= hi_rank[:, None]).sum(axis=1)
    lo, hi = np.minimum(lo, days.size - 1), np.minimum(hi, days.size - 1)
    out[ok] = (days[lo[ok]] + days[hi[ok]]) / 2
    return out


def _resample_counts(rng: np.random.Generator, n: int, size: int) -> np.ndarray:
    """How often each of n trials is drawn in each of `size` bootstrap resamples."""
    idx = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
    return np.bincount(idx.ravel(), minlength=size * n).reshape(size, n).astype(np.int32)


def median_difference(
    days_a: np.ndarray, days_b: np.ndarray, *, paired: bool, offset: float = 0.0
) -> tuple[float, float]:
    """95% bootstrap interval of median(b) + offset - median(a), in days.

    `days_a`, `days_b`: exit day of every trial (NaN when it does not exit), trial i of one
    paired with trial i of the other when `paired`. `offset` turns days into one calendar
    (the start of b minus the start of a)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    in_a, in_b = np.isfinite(days_a), np.isfinite(days_b)
    batch = max(1, min(100, 2_000_000 // max(days_a.size, days_b.size)))  # ~16 MB at a time
    diffs = []
    for start in range(0, RESAMPLES, batch):
        size = min(batch, RESAMPLES - start)
        wa = _resample_counts(rng, days_a.size, size)
        wb = wa if paired else _resample_counts(rng, days_b.size, size)
        med_a = _weighted_medians(days_a[in_a], wa[:, in_a])
        med_b = _weighted_medians(days_b[in_b], wb[:, in_b])
        diffs.append(med_b + offset - med_a)
    found = np.concatenate(diffs)
    found = found[np.isfinite(found)]
    low, high = np.percentile(found, [100 * (1 - Z_LEVEL) / 2, 100 * (1 + Z_LEVEL) / 2])
    return float(low), float(high)


# --- runs -------------------------------------------------------------------------------


def _draw_columns(run: Run) -> frozenset[str]:
    return frozenset(c for c in run.trials.columns if c.startswith("draw."))


def pairing(first: Run, other: Run) -> str | None:
    """None when trial i of both runs used the same random numbers; else why not."""
    a, b = first.summary, other.summary
    if a["seed"] != b["seed"]:
        return f"seeds differ ({a['seed']} and {b['seed']})"
    if a["trials"] != b["trials"]:
        return f"trial counts differ ({a['trials']:,} and {b['trials']:,})"
    if a.get("version") != b.get("version"):
        return f"written by different versions ({a.get('version')} and {b.get('version')})"
    if not (first.has_trials and other.has_trials):
        return "a run kept no trials table"
    only = _draw_columns(first) ^ _draw_columns(other)
    if only:
        shown = ", ".join(sorted(c.removeprefix("draw.") for c in only)[:3])
        return f"draw layouts differ ({shown} drawn in only one)"
    return None


def _exit_days(run: Run) -> np.ndarray:
    t = run.trials
    days = t["exit_day"].to_numpy(dtype=float).copy()
    days[t["outcome"].to_numpy() != Outcome.EXITED.value] = np.nan
    return days


def _indicator(run: Run, metric: str, event_date: str | None = None) -> np.ndarray:
    t = run.trials
    outcome = t["outcome"].to_numpy()
    if metric == "p_notice":
        return np.isin(outcome, [o.value for o in NOTICE_OUTCOMES]).astype(float)
    exited = outcome == Outcome.EXITED.value
    if event_date is None:
        return exited.astype(float)
    day = (dt.date.fromisoformat(event_date) - dt.date.fromisoformat(run.summary["start"])).days
    with np.errstate(invalid="ignore"):
        return (exited & (t["exit_day"].to_numpy(dtype=float) < day + 1)).astype(float)


def _count(run: Run, p: float) -> int:
    return round(p * run.summary["trials"])


def _run_row(run: Run, label: str) -> dict[str, Any]:
    s = run.summary
    return {
        "label": label,
        "name": s["name"],
        "title": s.get("title", s["name"]),
        "folder": str(run.folder) if run.folder is not None else None,
        "seed": s["seed"],
        "trials": s["trials"],
        "start": s["start"],
        "horizon": s["horizon"],
        "scenario_sha256": s.get("scenario_sha256"),
    }


def shared_events(runs: Sequence[Run]) -> tuple[list[tuple[str, str]], list[str]]:
    """Dated events within every run's horizon with one date in all: (name, date), by
    date; and the names left out because their dates differ."""
    first = runs[0].summary
    shared, differ = [], []
    for name in first["p_exit_by"]:
        date = first["event_dates"][name]
        if not all(name in r.summary["p_exit_by"] for r in runs):
            continue
        if all(r.summary["event_dates"][name] == date for r in runs):
            shared.append((name, date))
        else:
            differ.append(name)
    return sorted(shared, key=lambda e: e[1]), differ


def _probability(
    runs: Sequence[Run],
    paired: Sequence[bool],
    metric: str,
    label: str,
    values: list[float],
    event_date: str | None = None,
) -> Metric:
    diffs: list[Difference | None] = [None]
    first = runs[0]
    for run, value, is_paired in zip(runs[1:], values[1:], paired[1:], strict=True):
        if is_paired:
            _, ci = paired_interval(
                _indicator(first, metric, event_date), _indicator(run, metric, event_date)
            )
            # the mean per-trial difference is value - values[0]; written so, both
            # pairings show the same digits for the same runs
            diffs.append(Difference(value - values[0], ci, True, PAIRED_T))
        else:
            k1, n1 = _count(first, values[0]), first.summary["trials"]
            k2, n2 = _count(run, value), run.summary["trials"]
            d, ci = newcombe_interval(k1, n1, k2, n2)
            diffs.append(Difference(d, ci, False, NEWCOMBE))
    return Metric(metric, label, "probability", values, diffs)


def _median_metric(
    runs: Sequence[Run], labels: Sequence[str], paired: Sequence[bool], notes: list[str]
) -> Metric:
    values = [(r.summary["exit_date"] or {}).get("p50") for r in runs]
    diffs: list[Difference | None] = [None]
    first = runs[0]
    start_a = dt.date.fromisoformat(first.summary["start"])
    few = [
        r.summary["outcomes"][Outcome.EXITED.value] < MIN_EXITS or not r.has_trials for r in runs
    ]
    for i, (run, is_paired) in enumerate(zip(runs[1:], paired[1:], strict=True), start=1):
        if few[0] or few[i]:
            diffs.append(None)
            continue
        a, b = first.summary, run.summary
        offset = (dt.date.fromisoformat(b["start"]) - start_a).days
        value = b["days_to_exit"]["p50"] + offset - a["days_to_exit"]["p50"]
        ci = median_difference(_exit_days(first), _exit_days(run), paired=is_paired, offset=offset)
        diffs.append(Difference(value, ci, is_paired, PAIRED_BOOT if is_paired else UNPAIRED_BOOT))
    if any(few):
        shown = ", ".join(lab for lab, f in zip(labels, few, strict=True) if f)
        notes.append(
            f"median exit date: no interval where a run has fewer than {MIN_EXITS} exits "
            f"or no trials table ({shown})"
        )
    return Metric("median_exit_date", "Median exit date, among exits", "date", values, diffs)


def compare(
    runs: Sequence[Run], labels: Sequence[str] | None = None, *, unpaired: bool = False
) -> Comparison:
    """Every metric of every run, and each later run's difference to the first.

    A run is paired with the first when they share seed, trials, version and draw layout
    (`pairing`); `unpaired=True` forces unpaired intervals, to see what pairing gains."""
    if len(runs) < 2:
        raise ValueError("compare needs at least two runs")
    labels = list(labels) if labels is not None else [r.name for r in runs]
    notes: list[str] = []
    is_paired = [True]
    for label, run in zip(labels[1:], runs[1:], strict=True):
        why = pairing(runs[0], run)
        if unpaired:
            why = "asked for (--unpaired)"
        is_paired.append(why is None)
        if why is not None:
            notes.append(f"{label} vs {labels[0]}: unpaired intervals: {why}")

    horizons = {r.summary["horizon"] for r in runs}
    starts = {r.summary["start"] for r in runs}
    if len(horizons) > 1 or len(starts) > 1:
        spans = ", ".join(
            f"{lab} {r.summary['start']} to {r.summary['horizon']}"
            for lab, r in zip(labels, runs, strict=True)
        )
        notes.append(
            f"the runs cover different periods ({spans}): P(exit by the horizon) compares "
            "different spans of time; P(exit) by a shared dated event compares like with like"
        )

    metrics = [
        _probability(
            runs, is_paired, "p_exit", "P(exit by the horizon)", [r.summary["p_exit"] for r in runs]
        ),
        _probability(
            runs,
            is_paired,
            "p_notice",
            "P(notice deposited)",
            [r.summary["p_notice"] for r in runs],
        ),
    ]
    events, differ = shared_events(runs)
    for name, date in events:
        metrics.append(
            _probability(
                runs,
                is_paired,
                f"p_exit_by.{name}",
                f"P(exit by {name}, {date})",
                [r.summary["p_exit_by"][name] for r in runs],
                event_date=date,
            )
        )
    if differ:
        notes.append(f"not compared, dated differently in the runs: {', '.join(differ)}")
    metrics.append(_median_metric(runs, labels, is_paired, notes))
    rows = [_run_row(r, lab) for r, lab in zip(runs, labels, strict=True)]
    return Comparison(rows, metrics, notes)
