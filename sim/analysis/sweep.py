"""`sim sweep`: a grid of values addressed by `--set` paths, each point a full run.

Every point is a variant of one scenario (`sim.variants`: the same paths, the same one-line
errors naming the nearest valid paths, comments kept, named `<name>-set-<digest>`), and
every point runs with the same seed and trials. Each quantity has its own random stream
drawn by inverse transform, so trial i is the same world at every point with only the
swept values changed (common random numbers): neighbouring points are paired, and the
change of P(exit) from one value to the next gets a paired interval, far narrower than
the two points' own intervals.

Values are separated by commas outside brackets, braces and quotes, so a YAML flow value
stays whole: `--set p=0.2,0.35` is two points, `--set
hazard_per_year={dist: beta, mean: 0.08, sd: 0.04},{dist: beta, mean: 0.16, sd: 0.08}`
is two points, and `'"a, b"'` is one. Every variant is built and validated before the first
run, so bad input writes nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__, sources
from sim.language import Scenario, loads
from sim.run_folder import (
    CHARTS,
    FORMAT,
    TRIALS,
    Run,
    analysis_folder_name,
    atomic_folder,
    write_json,
)
from sim.variants import Edit, Variant, VariantError, make_variant, parse_set

MAX_POINTS = 50  # each point is a full run
SWEEP_JSON = "sweep.json"
SWEEP_CSV = "sweep.csv"
COMMAND = "sim sweep"

# progress(label, trials) -> advance(n), as for `sim compare`
ProgressFactory = Callable[[str, int], Callable[[int], None]]
# charts(sweep, charts folder): draws the sweep's charts into the folder
ChartWriter = Callable[["Sweep", Path], None]


class SweepError(Exception):
    """Bad input to `sim sweep`: one line for the user; nothing was written."""


@dataclass(frozen=True)
class Axis:
    """One swept path and its values, as typed."""

    path: str
    values: tuple[str, ...]

    @property
    def numbers(self) -> list[float] | None:
        """The values as numbers, when every one is a plain number (an x axis to scale)."""
        try:
            return [float(v) for v in self.values]
        except ValueError:
            return None


_OPEN, _CLOSE = "[{(", "]})"


def split_values(text: str) -> list[str]:
    """Split on commas that are outside brackets, braces and quotes."""
    parts, depth, quote, current = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return parts


def parse_axes(sets: Sequence[str]) -> list[Axis]:
    """`--set PATH=V1,V2,...` texts -> axes; raises SweepError in one line."""
    if not sets:
        raise SweepError("sim sweep: give at least one --set PATH=V1,V2,...")
    axes: list[Axis] = []
    for text in sets:
        try:
            edit = parse_set(text)
        except VariantError as exc:
            raise SweepError(str(exc)) from None
        if edit.path in ("trials", "seed"):
            raise SweepError(
                f"--set {text}: every point runs with the same {edit.path} (that is what "
                f"pairs them); use --{edit.path} to choose it"
            )
        if any(a.path == edit.path for a in axes):
            raise SweepError(f"--set {edit.path}: given twice; list all its values in one --set")
        values = split_values(edit.value)
        if any(not v for v in values):
            raise SweepError(
                f"--set {text}: an empty value; separate values with commas, e.g. "
                f"--set {edit.path}=0.2,0.35,0.5"
            )
        if len(set(values)) != len(values):
            raise SweepError(f"--set {text}: a value is listed twice")
        axes.append(Axis(edit.path, tuple(values)))
    count = math.prod(len(a.values) for a in axes)
    if count > MAX_POINTS:
        sizes = " x ".join(str(len(a.values)) for a in axes)
        raise SweepError(
            f"sim sweep: {sizes} = {count:,} grid points; at most {MAX_POINTS} (each is a full "
            "run): sweep fewer values, or split the sweep"
        )
    return axes


def short(path: str) -> str:
    """The last two parts of a path: enough to name it in a column, legend or headline."""
    return ".".join(path.split(".")[-2:])


@dataclass
class Point:
    """One grid point: its values (one per axis), its variant, and its run once done."""

    values: tuple[str, ...]
    variant: Variant
    run: Run | None = None


@dataclass
class Sweep:
    """A finished sweep: the grid, each point's run, the paired changes, the folder."""

    name: str
    title: str
    axes: list[Axis]
    points: list[Point]
    trials: int
    seed: int
    start: str
    horizon: str
    changes: list[dict[str, Any] | None] = field(default_factory=list)  # one per point
    folder: Path | None = None

    @property
    def notes(self) -> list[str]:
        """What the reader should know about the runs (an engine fallback, once)."""
        return list(
            dict.fromkeys(p.run.engine_note for p in self.points if p.run and p.run.engine_note)
        )

    def rows(self) -> list[dict[str, Any]]:
        """One row a point: the values, P(exit) and P(notice) with Wilson 95% intervals,
        the median exit date, and the paired change from the previous value of the first
        parameter."""
        out = []
        for point, change in zip(self.points, self.changes, strict=True):
            assert point.run is not None
            s = point.run.summary
            row: dict[str, Any] = dict(zip((a.path for a in self.axes), point.values, strict=True))
            row |= {
                "p_exit": s["p_exit"],
                "p_exit_low": s["p_exit_ci95"][0],
                "p_exit_high": s["p_exit_ci95"][1],
                "p_notice": s["p_notice"],
                "p_notice_low": s["p_notice_ci95"][0],
                "p_notice_high": s["p_notice_ci95"][1],
                "median_exit_date": (s["exit_date"] or {}).get("p50"),
                "trials": s["trials"],
                "seed": s["seed"],
            }
            change = change or {}
            row |= {
                "p_exit_change": change.get("value"),
                "p_exit_change_low": (change.get("ci95") or [None, None])[0],
                "p_exit_change_high": (change.get("ci95") or [None, None])[1],
                "exits_gained": change.get("exits_gained"),
                "exits_lost": change.get("exits_lost"),
                "run_folder": str(point.run.folder) if point.run.folder else None,
            }
            out.append(row)
        return out

    @property
    def table(self) -> pd.DataFrame:
        table = pd.DataFrame(self.rows())
        for column in ("exits_gained", "exits_lost"):
            table[column] = table[column].astype("Int64")  # counts, blank where no change
        return table

    def to_json(self) -> dict[str, Any]:
        points = []
        for row, change in zip(self.rows(), self.changes, strict=True):
            points.append(
                {
                    "values": {a.path: row[a.path] for a in self.axes},
                    "p_exit": row["p_exit"],
                    "p_exit_ci95": [row["p_exit_low"], row["p_exit_high"]],
                    "p_notice": row["p_notice"],
                    "p_notice_ci95": [row["p_notice_low"], row["p_notice_high"]],
                    "median_exit_date": row["median_exit_date"],
                    "trials": row["trials"],
                    "run_folder": row["run_folder"],
                    "change_from_previous": change,
                }
            )
        return {
            "format": FORMAT,
            "kind": "sweep",
            "version": __version__,
            "scenario": {"name": self.name, "title": self.title},
            "trials": self.trials,
            "seed": self.seed,
            "start": self.start,
            "horizon": self.horizon,
            "axes": [{"path": a.path, "values": list(a.values)} for a in self.axes],
            "points": points,
            "change_method": CHANGE_METHOD,
            "notes": self.notes,
        }


CHANGE_METHOD = (
    "P(exit) at this point minus at the previous value of the first parameter (the other "
    "parameters the same), trial by trial: paired t interval of the per-trial differences "
    "(= scipy.stats.ttest_rel); exits_gained/exits_lost count the trials that exit here "
    "and not there, and the reverse"
)


@dataclass(frozen=True)
class Plan:
    """A checked sweep: the base scenario (and the run folder it came from, if any), the
    axes, and every grid point's variant."""

    base: Scenario
    run: Run | None
    axes: list[Axis]
    points: list[Point]


def plan(source: str | Path | Scenario | Run, sets: Sequence[str]) -> Plan:
    """Every grid point's variant, built and validated; runs nothing, writes nothing.
    Points are in grid order: the first parameter varies fastest."""
    axes = parse_axes(sets)
    try:
        found = sources.resolve(source)
    except sources.SourceError as exc:
        raise SweepError(str(exc)) from None
    run: Run | None = None
    if isinstance(found.thing, Run):
        run, base = found.thing, loads(found.thing.scenario_text, found.file)
    else:
        base = found.thing
    text, file = base.source_text, found.file
    points = []
    for combo in itertools.product(*(a.values for a in reversed(axes))):
        values = tuple(reversed(combo))
        edits = [Edit(a.path, v) for a, v in zip(axes, values, strict=True)]
        try:
            variant = make_variant(text, edits, file, command=COMMAND)
        except VariantError as exc:
            raise SweepError(str(exc)) from None
        points.append(Point(values, variant))
    return Plan(base, run, axes, points)


def _exited(run: Run) -> np.ndarray:
    assert run.folder is not None
    table = pd.read_parquet(run.folder / TRIALS, columns=["outcome"])
    return (table["outcome"] == "exited").to_numpy()


def paired_changes(axes: Sequence[Axis], points: Sequence[Point]) -> list[dict[str, Any] | None]:
    """For each point after the first value of the first parameter, the paired change of
    P(exit) from the point before it along that parameter."""
    from sim.comparison import paired_interval

    width = len(axes[0].values)
    out: list[dict[str, Any] | None] = []
    previous: np.ndarray | None = None
    for i, point in enumerate(points):
        assert point.run is not None
        exited = _exited(point.run)
        if i % width == 0 or previous is None:
            out.append(None)
        else:
            value, (low, high) = paired_interval(previous, exited)
            out.append(
                {
                    "from": points[i - 1].values[0],
                    "value": value,
                    "ci95": [low, high],
                    "exits_gained": int(np.count_nonzero(exited & ~previous)),
                    "exits_lost": int(np.count_nonzero(previous & ~exited)),
                }
            )
        previous = exited
    return out


def run_sweep(
    source: str | Path | Scenario | Run | Plan,
    sets: Sequence[str],
    *,
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | Path = Path("outputs"),
    write: bool = True,
    charts: ChartWriter | None = None,
    progress: ProgressFactory | None = None,
) -> Sweep:
    """Run every grid point (into `out/<variant name>/`, as `sim run` would, without
    charts), with the source's seed and trials unless given, then write the sweep folder
    `out/sweep-<name>-<time>/` (unless `write=False`). Bad input raises SweepError first."""
    from sim import runner  # numpy, pandas, simpy: only when something runs

    checked = source if isinstance(source, Plan) else plan(source, sets)
    base, run, axes, points = checked.base, checked.run, checked.axes, checked.points
    if run is not None:
        trials = trials or int(run.summary["trials"])
        seed = int(run.summary["seed"]) if seed is None else seed
    n = trials or base.trials
    s = base.seed if seed is None else seed
    for point in points:
        label = f"{base.name}[{', '.join(e.short for e in point.variant.edits)}]"
        advance = progress(label, n) if progress is not None else None
        point.run = runner.run(
            point.variant.scenario,
            out=Path(out),
            trials=n,
            seed=s,
            workers=workers,
            progress=advance,
            charts=False,
        )
    done = Sweep(
        base.name,
        base.title,
        axes,
        points,
        n,
        s,
        base.start.isoformat(),
        base.horizon.isoformat(),
        paired_changes(axes, points),
    )
    if write:
        done.folder = write_folder(done, Path(out), charts)
    return done


def folder_name(name: str, now: dt.datetime | None = None) -> str:
    return analysis_folder_name("sweep", name, now)


def write_folder(sweep: Sweep, out: Path, charts: ChartWriter | None = None) -> Path:
    """`out/sweep-<name>-<time>/` atomically: sweep.csv, sweep.json, charts/."""
    with atomic_folder(out, folder_name(sweep.name)) as folder:
        sweep.table.to_csv(folder.tmp / SWEEP_CSV, index=False)
        write_json(folder.tmp / SWEEP_JSON, sweep.to_json())
        (folder.tmp / CHARTS).mkdir()
        if charts is not None:
            charts(sweep, folder.tmp / CHARTS)
    assert folder.final is not None
    return folder.final
