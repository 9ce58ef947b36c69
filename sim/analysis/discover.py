"""`sim discover`: scenario discovery. Which ranges of the uncertain inputs make an outcome
likely?

The inputs are the per-trial draws of the quantities whose value is a distribution or an
interval (`sim.draws_file.draws_table` recomputes them from the scenario and seed, joined on
`trial` with `trials.parquet`): the assumptions. The coins (`.u`: a gate's pass or fail, an
effect's coin, a ruling) and the hazard events' times are left out: they are chance, which
no assumption decides. So when chance decides part of an outcome, no box of assumptions
holds only that outcome: the density PRIM can reach is bounded by the chance left once the
assumptions are fixed (a gate with p = 0.35 caps it near 35% unless an input sets p).

PRIM (Friedman and Fisher's Patient Rule Induction Method, as packaged in `prim` from the
EMA Workbench's implementation) peels a box down from all trials, a few percent at a time
along one input, towards trials with the outcome: each step of the peeling trajectory
trades coverage (the share of all trials with the outcome that are in the box) for density
(the share of the box's trials that have it). The box reported is the densest step that
keeps at least `min_coverage` of the cases the box started from (of steps within 1% of that
density, the one that covers most); then the box's trials are
set aside and the next box is sought among the rest, while one is at least twice as dense
as what is left (the first box need only be denser than all trials). A peeled box restricts
many inputs a little, most of them by chance; each restriction whose quasi-p value (Bryant
and Lempert 2010: a one-sided binomial test of the box against the box without that
restriction) is above 0.05 is dropped, the weakest first, each drop re-testing the rest,
so that what is reported is what the outcome depends on.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__, sources
from sim.draws import quantities
from sim.language import Scenario
from sim.language.values import Kind, Value
from sim.outcomes import Outcome
from sim.run_folder import CHARTS, FORMAT, Run, analysis_folder_name, atomic_folder, write_json

NOTICE = "notice"  # a notice was deposited (whatever came of it)
OUTCOMES = (*(o.value for o in Outcome), NOTICE)
MAX_BOXES = 3
MIN_CASES = 20  # fewer cases left and no further box is sought
ENRICHMENT = 2.0  # a further box must be this many times as dense as the trials left
MIN_COVERAGE = 0.5
MAX_TRIALS = 100_000  # PRIM reads at most this many trials (the first ones): ~1 s a 1,000
PEEL_ALPHA = 0.05  # PRIM's defaults (Friedman and Fisher; the EMA Workbench)
MASS_MIN = 0.05
DENSITY_TIE = 0.01  # densities within 1% of the highest count as the highest
QP_MAX = 0.05  # a restriction with a larger quasi-p value is dropped from its box

DISCOVER_JSON = "discover.json"
BOXES_CSV = "boxes.csv"
TRAJECTORY_CSV = "trajectory.csv"

ProgressFactory = Callable[[str, int], Callable[[int], None]]
ChartWriter = Callable[["Discovery", Path], None]


class DiscoverError(Exception):
    """Bad input to `sim discover`: one line for the user; nothing was written."""


@dataclass(frozen=True)
class Input:
    """An uncertain input: its draw column and what kind of quantity it is."""

    name: str  # e.g. routes.unilateral_notice.gates.decides_to_defy_1250a.delay
    kind: Kind

    @property
    def column(self) -> str:
        return f"draw.{self.name}"

    def shown(self, x: float) -> str:
        """A bound as a reader reads it: days, a probability, a rate a year, a count."""
        if self.kind is Kind.DURATION:
            return f"{x:,.0f} days"
        if self.kind is Kind.RATE:
            return f"{x:.3f} a year"
        if self.kind is Kind.COUNT:
            return f"{x:,.0f}"
        return f"{x:.3f}"


def uncertain_inputs(scenario: Scenario) -> list[Input]:
    """The quantities whose value is a distribution or interval, in scenario order."""
    out = []
    for q in quantities(scenario):
        if q.value is not None and q.is_drawn:
            value: Value = q.value
            out.append(Input(q.name, value.kind))
    return out


def _inputs_of(scenario: Scenario) -> list[Input]:
    inputs = uncertain_inputs(scenario)
    if not inputs:
        raise DiscoverError(
            f"sim discover: {scenario.name} has no uncertain input (every probability, delay, "
            "count and rate is a constant), so there is no assumption to discover; give some "
            "a distribution or an interval (a to b)"
        )
    return inputs


def cases(trials: pd.DataFrame, outcome: str) -> np.ndarray:
    """The trials with the outcome (`notice`: a notice was deposited)."""
    if outcome == NOTICE:
        return np.isfinite(trials["notice_day"].to_numpy(dtype=float))
    return (trials["outcome"] == outcome).to_numpy()


@dataclass
class Limit:
    input: Input
    low: float
    high: float
    lowest: float  # the input's range among all trials
    highest: float
    qp: float  # quasi-p value of the restriction (Bryant and Lempert 2010)

    @property
    def side(self) -> str:
        lower, upper = self.low > self.lowest, self.high < self.highest
        return "both" if lower and upper else "lower" if lower else "upper"

    def text(self) -> str:
        if self.side == "lower":
            return f"{self.input.name} >= {self.input.shown(self.low)}"
        if self.side == "upper":
            return f"{self.input.name} <= {self.input.shown(self.high)}"
        return f"{self.input.shown(self.low)} <= {self.input.name} <= {self.input.shown(self.high)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.input.name,
            "min": self.low,
            "max": self.high,
            "restricts": self.side,
            "input_min": self.lowest,
            "input_max": self.highest,
            "quasi_p": self.qp,
        }

    def qp_text(self) -> str:
        return f"quasi-p {self.qp:.2g}" if self.qp >= 1e-16 else "quasi-p < 1e-16"


@dataclass
class Box:
    """One PRIM box at its chosen step, and the whole peeling trajectory it came from."""

    number: int
    limits: list[Limit]
    coverage: float
    density: float
    mass: float
    trials: int  # trials in the box
    cases: int  # of which with the outcome
    step: int  # the chosen step of the peeling trajectory
    trajectory: pd.DataFrame  # step, coverage, density, mass, restricted
    dropped: list[str]  # inputs whose restriction at that step was not significant
    among: float  # share of cases among the trials the box was sought in (outside earlier boxes)

    def to_json(self) -> dict[str, Any]:
        return {
            "box": self.number,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "trials": self.trials,
            "cases": self.cases,
            "step": self.step,
            "limits": [lim.to_json() for lim in self.limits],
            "dropped": self.dropped,
            "share_among_trials_sought": self.among,
            "trajectory": self.trajectory.to_dict(orient="records"),
        }


@dataclass
class Discovery:
    name: str
    title: str
    seed: int
    trials: int
    start: str
    horizon: str
    outcome: str
    cases: int
    inputs: list[Input]
    boxes: list[Box]
    min_coverage: float
    run_folder: Path | None
    notes: list[str] = field(default_factory=list)
    folder: Path | None = None

    @property
    def base_rate(self) -> float:
        return self.cases / self.trials

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": "discover",
            "version": __version__,
            "scenario": {"name": self.name, "title": self.title},
            "run_folder": str(self.run_folder) if self.run_folder else None,
            "trials": self.trials,
            "seed": self.seed,
            "start": self.start,
            "horizon": self.horizon,
            "outcome": self.outcome,
            "cases": self.cases,
            "base_rate": self.base_rate,
            "inputs": [i.name for i in self.inputs],
            "method": {
                "algorithm": "PRIM (package prim), peel_alpha 0.05, paste_alpha 0.05, "
                "mass_min 0.05, objective lenient1",
                "box_choice": f"the densest step with coverage >= {self.min_coverage:g} of "
                "the cases the box started from (of steps within 1% of that density, the one "
                "that covers most); then each restriction whose quasi-p value "
                f"(Bryant and Lempert 2010) is above {QP_MAX:g} is dropped, the weakest first",
                "more_boxes": f"up to {MAX_BOXES}: the first if denser than all trials, each "
                f"next at least {ENRICHMENT:g} times as dense as the trials left, while "
                f"{MIN_CASES} cases remain",
            },
            "boxes": [b.to_json() for b in self.boxes],
            "notes": self.notes,
        }

    def boxes_table(self) -> pd.DataFrame:
        rows = [
            {
                "box": b.number,
                "coverage": b.coverage,
                "density": b.density,
                "mass": b.mass,
                **lim.to_json(),
            }
            for b in self.boxes
            for lim in b.limits
        ]
        columns = ["box", "coverage", "density", "mass", "input", "min", "max", "restricts"]
        return pd.DataFrame(rows, columns=[*columns, "input_min", "input_max", "quasi_p"])

    def trajectory_table(self) -> pd.DataFrame:
        parts = [
            b.trajectory.assign(box=b.number, chosen=b.trajectory["step"] == b.step)
            for b in self.boxes
        ]
        if not parts:
            return pd.DataFrame(
                columns=["box", "step", "coverage", "density", "mass", "restricted", "chosen"]
            )
        table = pd.concat(parts, ignore_index=True)
        return table[["box", "step", "coverage", "density", "mass", "restricted", "chosen"]]


def _table(run: Run, inputs: list[Input], limit: int) -> pd.DataFrame:
    """The first `limit` trials: outcome, notice day and each input's draw, on `trial`."""
    import dataclasses

    from sim.draws_file import draws_table

    scenario = run.scenario
    n = min(int(run.summary["trials"]), limit)
    trials = run.trials[["trial", "outcome", "notice_day"]].iloc[:n]
    draws = draws_table(dataclasses.replace(scenario, trials=n))
    draws = draws[["trial", *(i.column for i in inputs)]]
    return trials.merge(draws, on="trial", how="inner", validate="one_to_one")


def _trajectory(box: Any) -> pd.DataFrame:
    t = box.peeling_trajectory.reset_index(drop=True)
    return pd.DataFrame(
        {
            "step": np.arange(len(t)),
            "coverage": t["coverage"].astype(float),
            "density": t["density"].astype(float),
            "mass": t["mass"].astype(float),
            "restricted": t["res dim"].astype(int),
        }
    )


def _choose(trajectory: pd.DataFrame, min_coverage: float) -> int:
    """Of the steps that keep `min_coverage` of the box's starting coverage, the one that
    covers most among those within DENSITY_TIE of the highest density (a last peel that
    buys a hair of density for a slice of coverage is mostly noise)."""
    start = float(trajectory["coverage"].iloc[0])
    keep = trajectory[trajectory["coverage"] >= min_coverage * start - 1e-12]
    best = keep[keep["density"] >= (1 - DENSITY_TIE) * keep["density"].max() - 1e-12]
    return int(best.sort_values(["coverage", "step"], ascending=[False, True])["step"].iloc[0])


def _significant(found: Any) -> tuple[pd.DataFrame, list[str]]:
    """The box's restrictions once those that are not significant (quasi-p above QP_MAX)
    are dropped, the weakest first, each drop re-testing the rest; and the dropped names."""
    dropped: list[str] = []
    while True:
        shown = found.limits  # the restricted inputs: min, max, quasi-p value
        weak = shown[shown["qp values"] > QP_MAX]
        if weak.empty:
            return shown, dropped
        name = str(weak["qp values"].idxmax())
        found.drop_restriction(name)  # appends the box without it, and selects it
        dropped.append(name)


def _prim() -> Any:
    """The `prim` package: an optional extra, since it is GPL-3.0-or-later and the rest of
    the project (MIT) installs without it."""
    try:
        import prim
    except ImportError:
        raise DiscoverError(
            "sim discover needs the optional package prim (GPL-3.0-or-later): "
            "pip install 'withdrawal-sim[discover]'"
        ) from None
    return prim


def find_boxes(
    x: pd.DataFrame, y: np.ndarray, inputs: list[Input], min_coverage: float
) -> list[Box]:
    """PRIM boxes for y (booleans) over the columns of x (one per input, same order)."""
    prim = _prim()

    logging.getLogger("prim").setLevel(logging.WARNING)
    data = x[[i.column for i in inputs]].astype(float).set_axis([i.name for i in inputs], axis=1)
    lowest, highest = data.min(), data.max()
    by_name = {i.name: i for i in inputs}
    total = int(y.sum())
    boxes: list[Box] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas FutureWarnings from inside prim
        finder = prim.Prim(
            data, y.astype(bool), threshold=0.5, threshold_type=">",
            peel_alpha=PEEL_ALPHA, paste_alpha=PEEL_ALPHA, mass_min=MASS_MIN,
        )  # fmt: skip
        remaining = np.ones(len(y), dtype=bool)
        while len(boxes) < MAX_BOXES and int(y[remaining].sum()) >= (MIN_CASES if boxes else 1):
            rate_left = float(y[remaining].mean())
            found = finder.find_box()
            if found is None:
                break
            trajectory = _trajectory(found)
            step = _choose(trajectory, min_coverage)
            found.select(step)
            shown, dropped = _significant(found)
            inside = np.zeros(len(y), dtype=bool)
            inside[found.yi] = True
            k, n = int(y[inside].sum()), int(inside.sum())
            enough = ENRICHMENT * rate_left if boxes else rate_left
            if shown.empty or n == 0 or k / n <= enough:
                break  # no restriction holds up, or not dense enough against what is left
            limits = [
                Limit(by_name[str(name)], float(row["min"]), float(row["max"]),
                      float(lowest[name]), float(highest[name]), float(row["qp values"]))
                for name, row in shown.iterrows()
            ]  # fmt: skip
            limits.sort(key=lambda lim: lim.qp)
            boxes.append(
                Box(len(boxes) + 1, limits, k / total, k / n, n / len(y), n, k, step,
                    trajectory, dropped, rate_left)
            )  # fmt: skip
            remaining &= ~inside
    return boxes


def discover(
    run: Run, outcome: str = Outcome.EXITED.value, min_coverage: float = MIN_COVERAGE
) -> Discovery:
    """PRIM boxes of `outcome` over the run's uncertain inputs; DiscoverError when there is
    nothing to discover (no uncertain input, no trial with the outcome, or every one)."""
    if outcome not in OUTCOMES:
        raise DiscoverError(f"--outcome {outcome!r}: allowed: {', '.join(OUTCOMES)}")
    if not 0 < min_coverage <= 1:
        raise DiscoverError(f"--min-coverage {min_coverage:g}: a share in (0, 1], e.g. 0.5")
    scenario = run.scenario
    inputs = _inputs_of(scenario)
    if not run.has_trials:
        raise DiscoverError(
            f"{run.folder}: this run kept no trials.parquet (run without --no-trials)"
        )
    table = _table(run, inputs, MAX_TRIALS)
    y = cases(table, outcome)
    notes = []
    if int(run.summary["trials"]) > MAX_TRIALS:
        notes.append(
            f"PRIM read the first {MAX_TRIALS:,} of the run's {int(run.summary['trials']):,} trials"
        )
    k = int(y.sum())
    if k == 0 or k == len(y):
        which = "no trial" if k == 0 else "every trial"
        raise DiscoverError(
            f"sim discover: {which} of {len(y):,} ended {outcome!r}: there is no region to find; "
            f"choose another --outcome ({', '.join(OUTCOMES)})"
        )
    if k < MIN_CASES:
        notes.append(
            f"only {k} trials ended {outcome!r}: the boxes rest on very few cases; run more trials"
        )
    s = run.summary
    boxes = find_boxes(table, y, inputs, min_coverage)
    return Discovery(
        scenario.name, scenario.title, int(s["seed"]), len(y), s["start"], s["horizon"], outcome,
        k, inputs, boxes, min_coverage, run.folder, notes,
    )  # fmt: skip


def _source(source: str | Path | Scenario | Run) -> Scenario | Run:
    try:
        return sources.resolve(source).thing
    except sources.SourceError as exc:
        raise DiscoverError(str(exc)) from None


def run_discover(
    source: str | Path | Scenario | Run,
    outcome: str = Outcome.EXITED.value,
    *,
    min_coverage: float = MIN_COVERAGE,
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | Path = Path("outputs"),
    write: bool = True,
    charts: ChartWriter | None = None,
    progress: ProgressFactory | None = None,
) -> Discovery:
    """Discover the boxes of a run folder, or of a scenario run first (into `out`, as
    `sim run` would, without charts); then write `out/discover-<name>-<time>/`."""
    _prim()  # before anything runs or is written
    thing = _source(source)
    if outcome not in OUTCOMES:
        raise DiscoverError(f"--outcome {outcome!r}: allowed: {', '.join(OUTCOMES)}")
    if not 0 < min_coverage <= 1:
        raise DiscoverError(f"--min-coverage {min_coverage:g}: a share in (0, 1], e.g. 0.5")
    if isinstance(thing, Run) and (trials is not None or seed is not None):
        raise DiscoverError(
            "sim discover: --trials and --seed are for a scenario run first; a run folder "
            "keeps its own"
        )
    if isinstance(thing, Scenario):
        _inputs_of(thing)  # say so before running anything
        from sim import runner

        n = trials or thing.trials
        advance = progress(thing.name, n) if progress is not None else None
        thing = runner.run(
            thing, out=Path(out), trials=n, seed=seed, workers=workers, progress=advance,
            charts=False,
        )  # fmt: skip
    found = discover(thing, outcome, min_coverage)
    if write:
        found.folder = write_folder(found, Path(out), charts)
    return found


def folder_name(name: str, now: dt.datetime | None = None) -> str:
    return analysis_folder_name("discover", name, now)


def write_folder(found: Discovery, out: Path, charts: ChartWriter | None = None) -> Path:
    """`out/discover-<name>-<time>/` atomically: discover.json, boxes.csv, trajectory.csv,
    charts/."""
    with atomic_folder(out, folder_name(found.name)) as folder:
        write_json(folder.tmp / DISCOVER_JSON, found.to_json())
        found.boxes_table().to_csv(folder.tmp / BOXES_CSV, index=False)
        found.trajectory_table().to_csv(folder.tmp / TRAJECTORY_CSV, index=False)
        (folder.tmp / CHARTS).mkdir()
        if charts is not None:
            charts(found, folder.tmp / CHARTS)
    assert folder.final is not None
    return folder.final
