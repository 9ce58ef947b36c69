"""The Python API for notebooks: the same functions the command line calls.

import sim
r = sim.run("scenarios/baseline.yaml", trials=20_000, seed=1)
r.summary["p_exit"], r.trials.head(), r.folder
r.plot_when()                      # a matplotlib Figure
c = sim.compare([r, "my.yaml"])    # or run folders, bundled names, YAML text
c.table, c.plot_when()
sim.load_run("outputs/baseline/<run id>")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim import bundled
from sim.language import Scenario, ScenarioError, load, loads
from sim.run_folder import Run
from sim.run_folder import load_run as _load_run

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.analysis.discover import Discovery
    from sim.analysis.sensitivity.result import Sensitivity as _Sensitivity
    from sim.analysis.sweep import Sweep
    from sim.compare_runs import Compared


def scenario(source: str | Path | Scenario) -> Scenario:
    """A validated scenario from a path, a bundled name or YAML text (a string holding a
    newline); raises `sim.language.ScenarioError` with every problem of the file."""
    if isinstance(source, Scenario):
        return source
    if isinstance(source, str) and "\n" in source:
        return loads(source, "<text>")
    path = Path(source)
    if path.exists():
        return load(path)
    found = bundled.find(str(source))
    if found is None:
        listing = ", ".join(bundled.names()) or "none"
        raise ScenarioError(
            f"no such file, nor a bundled scenario (bundled: {listing})", file=str(source)
        )
    return load(found)


@dataclass
class Result:
    """A finished run with its charts one call away. `.run` is the underlying record."""

    run: Run

    @property
    def summary(self) -> dict[str, Any]:
        return self.run.summary

    @property
    def trials(self) -> pd.DataFrame:
        return self.run.trials

    @property
    def folder(self) -> Path | None:
        return self.run.folder

    @property
    def scenario(self) -> Scenario:
        return self.run.scenario

    @property
    def precision(self) -> dict[str, Any] | None:
        """For a run to a `precision`: the target, the trials it took, the half-width
        reached and whether it was (run.json's `precision`); None otherwise."""
        return self.run.precision

    def plot_when(self) -> Figure:
        """P(exit by date) and P(notice by date) with 95% bands and the dated events."""
        from sim.charts.when import plot_when

        return plot_when(self.run)

    def plot_stopped(self) -> Figure:
        """Each route's funnel through its gates, and how the trials ended."""
        from sim.charts.stopped import plot_stopped

        return plot_stopped(self.run)

    def plot_states(self) -> Figure:
        """Where each trial stands on each date."""
        from sim.charts.states import plot_states

        return plot_states(self.run)

    def plot_how_long(self) -> Figure:
        """Exit and notice dates by month, with p10/p50/p90."""
        from sim.charts.how_long import plot_how_long

        return plot_how_long(self.run)

    def plot_routes(self) -> Figure:
        """The share of notices by route."""
        from sim.charts.how_long import plot_routes

        return plot_routes(self.run)


def run(
    source: str | Path | Scenario,
    *,
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | Path = "outputs",
    at: Sequence[dt.date | str] = (),
    charts: bool = True,
    precision: float | None = None,
) -> Result:
    """Run a scenario (a path, a bundled name, YAML text or a Scenario) and write its run
    folder under `out`, exactly as `sim run` does. `precision=H` runs whole blocks until
    P(exit)'s 95% interval is within +-H (`trials` is then the most it may run); where it
    stopped is `result.precision`."""
    from sim import runner

    dates = [d if isinstance(d, dt.date) else dt.date.fromisoformat(d) for d in at]
    done = runner.run(
        scenario(source),
        out=Path(out),
        trials=trials,
        seed=seed,
        workers=workers,
        at=dates,
        charts=charts,
        precision=precision,
    )
    return Result(done)


def load_run(folder: str | Path) -> Result:
    """Read a run folder back (raises `sim.run_folder.RunFolderError` if it is not one)."""
    return Result(_load_run(folder))


@dataclass
class Comparison:
    """A finished comparison: the table of values and differences, and its charts."""

    compared: Compared

    @property
    def data(self) -> dict[str, Any]:
        """The content of compare.json."""
        return self.compared.comparison.to_json()

    @property
    def runs(self) -> list[Result]:
        return [Result(r) for r in self.compared.runs]

    @property
    def folder(self) -> Path | None:
        return self.compared.folder

    @property
    def table(self) -> pd.DataFrame:
        """One row a metric: each run's value, then each later run's difference to the first
        with its 95% interval and whether it was paired."""
        rows = []
        labels = [r["label"] for r in self.data["runs"]]
        for metric in self.data["metrics"]:
            row: dict[str, Any] = {"metric": metric["label"]}
            for label, value in zip(labels, metric["values"], strict=True):
                row[label] = value
            for label, diff in zip(labels[1:], metric["differences"][1:], strict=True):
                if diff is None:
                    continue
                row[f"{label} - {labels[0]}"] = diff["value"]
                row[f"{label} - {labels[0]} ci95"] = diff["ci95"]
                row[f"{label} - {labels[0]} paired"] = diff["paired"]
            rows.append(row)
        return pd.DataFrame(rows)

    def plot_when(self) -> Figure:
        """P(exit by date) of every run, overlaid with bands."""
        from sim.charts.compare import when_overlay

        return when_overlay(self.compared.runs, self.compared.labels)


def compare(
    sources: Sequence[str | Path | Result | Run],
    *,
    set: Sequence[str] = (),
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | Path = "outputs",
    write: bool = True,
    charts: bool = True,
) -> Comparison:
    """Compare runs (results, run folders, scenario paths, bundled names, YAML text), as
    `sim compare` does; `set=["PATH=VALUE"]` compares one scenario with its variant."""
    from sim.compare_runs import compare_runs

    args = [s.run if isinstance(s, Result) else s for s in sources]
    compared = compare_runs(
        args,
        sets=list(set),
        trials=trials,
        seed=seed,
        workers=workers,
        out=Path(out),
        write=write,
        charts=compare_chart_writer() if charts else None,
    )
    return Comparison(compared)


@dataclass
class SweepResult:
    """A finished sweep: one row a grid point, the points' runs, the sweep folder."""

    sweep: Sweep

    @property
    def table(self) -> pd.DataFrame:
        """One row a point: the values, P(exit) and P(notice) with 95% intervals, the median
        exit date, the paired change from the previous value of the first parameter, the
        run folder (the same columns as sweep.csv)."""
        return self.sweep.table

    @property
    def data(self) -> dict[str, Any]:
        """The content of sweep.json."""
        return self.sweep.to_json()

    @property
    def runs(self) -> list[Result]:
        return [Result(p.run) for p in self.sweep.points if p.run is not None]

    @property
    def folder(self) -> Path | None:
        return self.sweep.folder

    def plot(self) -> Figure:
        """P(exit) with 95% bands against the first parameter, and the paired changes."""
        from sim.charts.sweep import plot_sweep

        return plot_sweep(self.sweep)


def sweep(
    source: str | Path | Scenario | Result | Run,
    set: Sequence[str],
    *,
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | Path = "outputs",
    write: bool = True,
    charts: bool = True,
) -> SweepResult:
    """Run a scenario (a path, a bundled name, YAML text, a Scenario or a run) at every
    point of the grid `set=["PATH=V1,V2,...", ...]`, as `sim sweep` does."""
    from sim.analysis.sweep import run_sweep

    done = run_sweep(
        source.run if isinstance(source, Result) else source,
        list(set),
        trials=trials,
        seed=seed,
        workers=workers,
        out=Path(out),
        write=write,
        charts=sweep_chart_writer() if charts else None,
    )
    return SweepResult(done)


@dataclass
class DiscoveryResult:
    """A finished scenario discovery: the boxes, their peeling trajectories, the folder."""

    discovery: Discovery

    @property
    def boxes(self) -> pd.DataFrame:
        """One row a box and restricted input: coverage, density, mass, the input's range in
        the box and among all trials, its quasi-p value (the columns of boxes.csv)."""
        return self.discovery.boxes_table()

    @property
    def trajectory(self) -> pd.DataFrame:
        """Every peeling step of every box: coverage, density, mass, inputs restricted."""
        return self.discovery.trajectory_table()

    @property
    def data(self) -> dict[str, Any]:
        """The content of discover.json."""
        return self.discovery.to_json()

    @property
    def folder(self) -> Path | None:
        return self.discovery.folder

    def plot(self) -> Figure:
        """The peeling trajectories and each box's ranges."""
        from sim.charts.discover import plot_discover

        return plot_discover(self.discovery)


def discover(
    source: str | Path | Scenario | Result | Run,
    outcome: str = "exited",
    *,
    min_coverage: float = 0.5,
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | Path = "outputs",
    write: bool = True,
    charts: bool = True,
) -> DiscoveryResult:
    """Scenario discovery with PRIM, as `sim discover` does: of a run (a Result, a run
    folder) or of a scenario run first (a path, a bundled name, YAML text, a Scenario)."""
    from sim.analysis.discover import run_discover

    found = run_discover(
        source.run if isinstance(source, Result) else source,
        outcome,
        min_coverage=min_coverage,
        trials=trials,
        seed=seed,
        workers=workers,
        out=Path(out),
        write=write,
        charts=discover_chart_writer() if charts else None,
    )
    return DiscoveryResult(found)


def discover_chart_writer() -> Any:
    """The function that draws the discovery chart into a discover folder's charts/."""
    from sim.charts.discover import write_discover_charts

    return write_discover_charts


def sweep_chart_writer() -> Any:
    """The function that draws the sweep chart into a sweep folder's charts/."""
    from sim.charts.sweep import write_sweep_charts

    return write_sweep_charts


def compare_chart_writer() -> Any:
    """The function that draws the compare charts into a compare folder."""
    from sim.charts.compare import write_compare_charts_for

    return write_compare_charts_for


@dataclass
class Sensitivity:
    """A finished sensitivity analysis: its table, its data and its charts."""

    result: _Sensitivity

    @property
    def data(self) -> dict[str, Any]:
        """The content of sensitivity.json."""
        return self.result.data

    @property
    def table(self) -> pd.DataFrame:
        """One row an input, most influential first, every method's numbers and intervals."""
        return self.result.table

    @property
    def ranking(self) -> list[str]:
        return self.result.ranking

    @property
    def folder(self) -> Path | None:
        return self.result.folder

    def plot_tornado(self, metric: str = "p_exit") -> Figure:
        """The tornado of `p_exit`, `p_notice` or `days_to_exit` (the median)."""
        from sim.analysis.sensitivity.charts import plot_tornado

        return plot_tornado(self.data, metric)

    def plot_given(self) -> Figure:
        """The given-data first-order indices, per metric."""
        from sim.analysis.sensitivity.charts import plot_given

        return plot_given(self.data)

    def plot_sobol(self) -> Figure:
        """Sobol' first-order and total indices, per metric."""
        from sim.analysis.sensitivity.charts import plot_sobol

        return plot_sobol(self.data)


def sensitivity(
    source: str | Path | Scenario,
    *,
    method: str | Sequence[str] = ("given", "tornado"),
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    sobol_n: int = 128,
    sobol_trials: int = 500,
    out: str | Path = "outputs",
    write: bool = True,
    charts: bool = True,
) -> Sensitivity:
    """Rank a scenario's uncertain inputs (a path, a bundled name, YAML text or a Scenario),
    as `sim sensitivity` does; `method` is any of "given", "tornado", "sobol". Bad input
    raises `sim.analysis.sensitivity.run.SensitivityError` (or a ScenarioError)."""
    from sim.analysis.sensitivity.run import sensitivity as analyse

    methods = [method] if isinstance(method, str) else list(method)
    done = analyse(
        scenario(source),
        methods=methods,
        trials=trials,
        seed=seed,
        workers=workers,
        sobol_n=sobol_n,
        sobol_trials=sobol_trials,
        out=Path(out),
        write=write,
        charts=charts,
    )
    return Sensitivity(done)
