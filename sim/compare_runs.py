"""`sim compare` end to end: arguments -> runs -> comparison -> compare folder.

Every argument is checked (run folders read, scenarios and `--set` variants validated)
before anything runs or is written, so bad input leaves nothing behind. Scenarios are run
with the seed and trials of the first argument, so that a scenario and its variant share
their random numbers and the comparison is paired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sim import sources
from sim.compare_text import markdown
from sim.comparison import Comparison, compare
from sim.language import Scenario
from sim.run_folder import (
    CHARTS,
    COMPARE,
    Run,
    analysis_folder_name,
    atomic_folder,
    write_json,
)
from sim.variants import Edit, VariantError, make_variant, parse_set

COMPARE_TABLE = "compare.md"

Source = str | Path | Run
# progress(label, trials) -> advance(n): how a caller shows each scenario's run
ProgressFactory = Callable[[str, int], Callable[[int], None]]
# charts(comparison, runs, charts folder): draws the compare charts into the folder
ChartWriter = Callable[[Comparison, Sequence[Run], Path], None]


class CompareError(Exception):
    """Bad input to `sim compare`: one line for the user; nothing was written."""


@dataclass
class _Item:
    """One thing to compare: a finished run, or a scenario still to run."""

    label: str
    run: Run | None = None
    scenario: Scenario | None = None
    own: frozenset[str] = frozenset()  # of trials/seed, those a --set fixed for itself


@dataclass
class Compared:
    """The result of `compare_runs`: the comparison, the runs in order, the folder."""

    comparison: Comparison
    runs: list[Run]
    folder: Path | None = None
    labels: list[str] = field(default_factory=list)


def _resolve(arg: Source) -> Run | Scenario:
    try:
        return sources.resolve(arg).thing
    except sources.SourceError as exc:
        raise CompareError(str(exc)) from None


def _text_of(thing: Run | Scenario) -> tuple[str, str]:
    """Scenario text to edit, and the file name to show in messages."""
    if isinstance(thing, Run):
        return thing.scenario_text, str(thing.folder or "<run>")
    return thing.source_text, "<scenario>"


def _unique(labels: list[str], items: list[Run | Scenario]) -> list[str]:
    """Labels as given, told apart by run folder (or position) where two are the same."""
    out = []
    for i, (label, thing) in enumerate(zip(labels, items, strict=True)):
        if labels.count(label) > 1:
            folder = thing.folder if isinstance(thing, Run) else None
            label = f"{label}/{folder.name}" if folder is not None else f"{label} ({i + 1})"
        out.append(label)
    return out


def plan(args: Sequence[Source], sets: Sequence[str | Edit] = ()) -> list[_Item]:
    """Check every argument and build what to compare; raises CompareError, runs nothing."""
    edits = [s if isinstance(s, Edit) else parse_set(s) for s in sets] if sets else []
    if edits and len(args) != 1:
        raise CompareError(
            f"sim compare: --set compares ONE scenario with its variant; got {len(args)} arguments"
        )
    if not edits and len(args) < 2:
        raise CompareError(
            "sim compare: give two or more run folders or scenarios to compare, "
            "or one scenario with --set PATH=VALUE"
        )
    things = [_resolve(a) for a in args]
    labels = [t.name for t in things]
    items = [
        _Item(label, run=t) if isinstance(t, Run) else _Item(label, scenario=t)
        for label, t in zip(_unique(labels, things), things, strict=True)
    ]
    if edits:
        text, file = _text_of(things[0])
        try:
            variant = make_variant(text, edits, file)
        except VariantError as exc:
            raise CompareError(str(exc)) from None
        own = frozenset(k for k in ("trials", "seed") for e in edits if e.path == k)
        items.append(_Item(variant.label, scenario=variant.scenario, own=own))
    return items


def _reference(first: _Item, trials: int | None, seed: int | None) -> tuple[int, int]:
    if first.run is not None:
        s = first.run.summary
        return (trials or int(s["trials"])), (int(s["seed"]) if seed is None else seed)
    assert first.scenario is not None
    return (trials or first.scenario.trials), (first.scenario.seed if seed is None else seed)


def compare_runs(
    args: Sequence[Source],
    *,
    sets: Sequence[str | Edit] = (),
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    out: str | Path = Path("outputs"),
    write: bool = True,
    charts: ChartWriter | None = None,
    progress: ProgressFactory | None = None,
    unpaired: bool = False,
) -> Compared:
    """Compare run folders, scenarios (paths, bundled names, YAML text) and `Run`s; with
    `sets`, one scenario with its variant. Scenarios are run first (into `out`, like
    `sim run`), with the first argument's seed and trials; then the compare folder is
    written under `out` (unless `write=False`). Bad input raises CompareError first."""
    from sim import runner  # numpy, pandas, simpy: only when something runs

    items = plan(args, sets)
    ref_trials, ref_seed = _reference(items[0], trials, seed)
    runs: list[Run] = []
    for item in items:
        if item.run is not None:
            runs.append(item.run)
            continue
        assert item.scenario is not None
        n = item.scenario.trials if "trials" in item.own else ref_trials
        s = item.scenario.seed if "seed" in item.own else ref_seed
        advance = progress(item.label, n) if progress is not None else None
        done = runner.run(
            item.scenario, out=Path(out), trials=n, seed=s, workers=workers, progress=advance
        )
        runs.append(done)
    labels = [i.label for i in items]
    comparison = compare(runs, labels, unpaired=unpaired)
    folder = write_folder(comparison, runs, Path(out), charts=charts) if write else None
    return Compared(comparison, runs, folder, labels)


def folder_name(comparison: Comparison, now: dt.datetime | None = None) -> str:
    names = "-".join(dict.fromkeys(r["name"] for r in comparison.runs))
    return analysis_folder_name("compare", names, now)


def write_folder(
    comparison: Comparison,
    runs: Sequence[Run],
    out: Path,
    *,
    charts: ChartWriter | None = None,
) -> Path:
    """Write `out/compare-<names>-<time>/` atomically: compare.json, compare.md, charts/.

    `charts` is the one call site for the compare charts (`sim.charts.compare`); None
    (`--no-charts`) leaves `charts/` empty."""
    with atomic_folder(out, folder_name(comparison)) as folder:
        write_json(folder.tmp / COMPARE, comparison.to_json())
        (folder.tmp / COMPARE_TABLE).write_text(markdown(comparison), encoding="utf-8")
        (folder.tmp / CHARTS).mkdir()
        if charts is not None:
            charts(comparison, runs, folder.tmp / CHARTS)
    assert folder.final is not None
    return folder.final
