"""The `sim` command: parse, call, print. No simulation logic lives here."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

# Nothing heavy at import: `sim run` starts its workers' forkserver first thing, and the
# scenario language (pydantic, scipy) alone takes most of a second to import.
from sim import __version__, bundled, forkserver, interrupts

if TYPE_CHECKING:
    from sim.language import Scenario, ScenarioError

EXIT_BAD_INPUT = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _stopped(message: str, code: int) -> NoReturn:
    """A command stopped by a signal (its folder already removed): one line, then the exit
    (`interrupts.finish`: at once if a killed pool's thread would hold the exit up)."""
    click.echo(message, err=True)
    interrupts.finish(code)


@contextlib.contextmanager
def _writing(out: Path, nothing: str, folder: str = "") -> Iterator[None]:
    """Around a command that writes a folder under `out` (which it removes again if it
    fails): SIGINT, SIGTERM and SIGHUP stop it, and every way it can fail that is not the
    command's own gives one line saying that `nothing` was written. Enter it before the
    progress bar, so that the bar is gone before the line is printed."""
    from sim.runner import WorkerLost

    try:
        with interrupts.stopped_by_signals():
            yield
    except NotADirectoryError as exc:
        _fail(f"sim: --out {out}: {exc.filename} is a file, not a folder")
    except WorkerLost as exc:
        click.echo(f"sim: {exc}; {nothing} was written", err=True)
        sys.stderr.flush()
        # a killed worker can leave the pool's queue threads blocked, and the interpreter
        # would wait for them at exit; the folder is already removed
        os._exit(1)
    except OSError as exc:
        _fail(f"sim: cannot write {folder}under {out}: {exc.strerror or exc}", 1)
    except interrupts.Interrupted as exc:
        _stopped(f"sim: stopped by {exc.name}; {nothing} was written", exc.exit_status)
    except KeyboardInterrupt:
        _stopped(f"sim: interrupted; {nothing} was written", 130)


def _progress_by_label(bar: Progress) -> Callable[[str, int], Callable[[int], None]]:
    """For a command that runs several scenarios: a bar line each (`label: trials`)."""

    def progress(label: str, total: int) -> Callable[[int], None]:
        task = bar.add_task(f"{label}: trials", total=total)
        return lambda n: bar.advance(task, n)

    return progress


MAX_SHOWN = 50  # problems printed per file; the rest are counted


def _dates(text: str | None) -> list[dt.date]:
    """`--at 2027-06-30,2028-01-01` -> dates; anything else is one line and exit 2."""
    if not text:
        return []
    out = []
    for part in text.split(","):
        try:
            out.append(dt.date.fromisoformat(part.strip()))
        except ValueError:
            _fail(f"sim: --at {part.strip()!r}: expected dates YYYY-MM-DD, comma-separated")
    return out


def _progress_bar() -> Progress:
    """The trials bar on stderr (nothing when stderr is not a terminal)."""
    err = Console(stderr=True)
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def _problems(exc: ScenarioError) -> str:
    """Every problem of a file, one a line, at most MAX_SHOWN."""
    errors = exc.errors
    lines = [str(e) for e in errors[:MAX_SHOWN]]
    if len(errors) > MAX_SHOWN:
        lines.append(f"{errors[0].file}: ... and {len(errors) - MAX_SHOWN} more problems")
    return "\n".join(lines)


def _load_scenario(arg: str | None, strict: bool) -> Scenario:
    """Resolve SCENARIO, say which file it is, load it, print its warnings (stderr)."""
    from sim.language import ScenarioError, load

    try:
        resolved = bundled.resolve(arg)
    except bundled.NotFound as exc:
        _fail(str(exc))
    for note in resolved.notes():
        click.echo(note, err=True)
    try:
        loaded = load(resolved.path, strict=strict)
    except ScenarioError as exc:
        _fail(_problems(exc))
    for warning in loaded.warnings:
        click.echo(str(warning), err=True)
    return loaded


STRICT_HELP = "Treat warnings as errors (exit status 2)."


class OneLineErrors(click.Group):
    """Click's usage errors in one line (`sim run: Invalid value for '--workers': ...`),
    exit status 2, like every other bad input."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs.pop("standalone_mode", True):
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "sim"
            _fail(f"{where}: {exc.format_message()} (see {where} --help)", exc.exit_code)
        except click.ClickException as exc:
            _fail(f"sim: {exc.format_message()}", exc.exit_code)
        except click.Abort:
            _fail("sim: aborted", 1)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(
    cls=OneLineErrors,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
)
@click.version_option(__version__, prog_name="sim")
@click.pass_context
def main(ctx: click.Context) -> None:
    """withdrawal-sim: how likely a US exit from NATO is, and how long it would take."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@main.command()
@click.argument("scenario", required=False)
@click.option("--trials", type=click.IntRange(min=1), help="Override the scenario's trials.")
@click.option("--seed", type=click.IntRange(min=0), help="Override the scenario's seed.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),  # a file here is refused in one line, not by click
    default=Path("outputs"),
    show_default=True,
    help="Where run folders go (<out>/<name>/<run id>/).",
)
@click.option("--workers", type=click.IntRange(min=1), help="Processes to use [default: all cores]")
@click.option(
    "--at",
    "at_text",
    metavar="DATES",
    help="Also report P(exit by) and P(notice by) these dates (YYYY-MM-DD, comma-separated).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the run folder and the summary JSON on stdout."
)
@click.option("--strict", is_flag=True, help=STRICT_HELP)
@click.option("--no-charts", is_flag=True, help="Skip the charts (charts/ stays empty).")
@click.option(
    "--engine",
    type=click.Choice(["vector", "des"]),
    default="vector",
    show_default=True,
    help="vector: numpy, fast; des: the simpy reference. Both give the same trials.",
)
@click.option("--no-trials", is_flag=True, help="Write no trials.parquet (the summary is whole).")
@click.option("--draws", is_flag=True, help="Keep every draw.* column in trials.parquet.")
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run on a Dask cluster (tcp://HOST:PORT) instead of local processes.",
)
@click.option(
    "--precision",
    type=float,
    metavar="H",
    help="Run whole blocks of 65,536 trials until P(exit)'s 95% interval is within +-H "
    "(e.g. 0.001); --trials is then the most to run [default: 10,000,000].",
)
def run(
    scenario: str | None,
    trials: int | None,
    seed: int | None,
    out: Path,
    workers: int | None,
    at_text: str | None,
    as_json: bool,
    strict: bool,
    no_charts: bool,
    engine: str,
    no_trials: bool,
    draws: bool,
    scheduler: str | None,
    precision: float | None,
) -> None:
    """Run SCENARIO (a YAML file or a bundled name; default: the bundled baseline)."""
    if scheduler is None:
        # the workers' imports (and the charts'), while this process does its own
        forkserver.start(workers, charts=not (no_charts or no_trials))
    from sim import runner, terminal  # numpy, pandas, simpy: imported only for a run
    from sim.precision import sentence

    loaded = _load_scenario(scenario, strict)
    at = _dates(at_text)
    total = loaded.trials if trials is None else trials
    label = f"{loaded.name}: trials"
    if precision is not None:  # the count is known only at the end
        total, label = None, f"{loaded.name}: trials until P(exit) +-{precision:g}"
    bar = _progress_bar()
    try:
        with _writing(out, "nothing", "the run folder "), bar:
            task = bar.add_task(label, total=total)
            result = runner.run(
                loaded,
                out=out,
                trials=trials,
                seed=seed,
                workers=workers,
                progress=lambda n: bar.advance(task, n),
                at=at,
                charts=not no_charts,
                engine=engine,
                keep_trials=not no_trials,
                keep_draws=draws,
                scheduler=scheduler,
                precision=precision,
            )
    except runner.RunOptionError as exc:
        _fail(f"sim: {exc}")
    if result.engine_note is not None:
        click.echo(f"sim: {result.engine_note}", err=True)
    if result.precision is not None:
        click.echo(f"sim: {sentence(result.precision)}", err=True)
    if as_json:
        shown = {"run_folder": str(Path(result.folder).resolve()), **result.summary}
        if result.precision is not None:
            shown["precision"] = result.precision
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        terminal.print_summary(Console(), result.summary, result.folder)


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option("--strict", is_flag=True, help=STRICT_HELP)
def validate(files: tuple[str, ...], strict: bool) -> None:
    """Check scenario FILES (or bundled names): every problem, one a line; warnings too.
    Exit status 2 if any file is bad."""
    from sim.language import ScenarioError, load

    bad = 0
    for arg in files:
        try:
            path = bundled.resolve(arg).path
            s = load(path, strict=strict)
        except bundled.NotFound as exc:
            click.echo(str(exc), err=True)
            bad += 1
            continue
        except ScenarioError as exc:
            click.echo(_problems(exc), err=True)
            bad += 1
            continue
        for warning in s.warnings:
            click.echo(str(warning), err=True)
        click.echo(
            f"{path}: ok ({s.name}: {len(s.events)} events, {len(s.routes)} routes, "
            f"{s.trials:,} trials, {s.start} to {s.horizon})"
            + (f", {len(s.warnings)} warning(s)" if s.warnings else "")
        )
    if bad:
        sys.exit(EXIT_BAD_INPUT)


@main.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion)."""
    from sim.language import json_schema

    click.echo(json.dumps(json_schema(), indent=2))


@main.command()
def scenarios() -> None:
    """List the bundled scenarios, then the history replays: name, title and the file."""
    from sim.language import ScenarioError, load

    for name in [*bundled.names(), *bundled.history_names()]:
        path = bundled.find(name)
        assert path is not None
        try:
            title = load(path).title
        except ScenarioError as exc:
            title = f"(invalid: {exc.message})"
        click.echo(f"{name:24s} {title}\n{'':24s} {path}")


@main.command()
@click.argument("name")
@click.option(
    "--from",
    "origin",
    default=bundled.DEFAULT,
    show_default=True,
    help="The bundled scenario (or file) to copy.",
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(),
    show_default=True,
    help="Where to write NAME.yaml.",
)
def new(name: str, origin: str, folder: Path) -> None:
    """Copy a bundled scenario to an editable NAME.yaml (with `name: NAME`)."""
    from sim import scaffold

    try:
        created = scaffold.new(name, origin, folder)
    except scaffold.ScaffoldError as exc:
        _fail(str(exc))
    click.echo(f"wrote {created.path} (a copy of {created.origin}, name: {created.path.stem})")
    if created.schema is not None:
        click.echo(f"wrote {created.schema} (the JSON Schema its $schema line points to)")
    click.echo(f"edit it, then: sim run {created.path}")


@main.command()
@click.argument("run_folder", type=click.Path(path_type=Path))
@click.option(
    "--given",
    "given",
    multiple=True,
    required=True,
    metavar="CONDITION",
    help="A condition on a trial, e.g. 'routes.hr6508_119th.gates.house_floor passed' "
    "(repeatable; all must hold).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
def query(run_folder: Path, given: tuple[str, ...], as_json: bool) -> None:
    """Answer P(exit), P(notice) and exit dates among the trials of RUN_FOLDER that meet
    every --given condition."""
    from sim import terminal
    from sim.analysis.query import QueryError
    from sim.analysis.query import query as ask
    from sim.run_folder import RunFolderError, load_run

    try:
        answer = ask(load_run(run_folder), list(given))
    except (QueryError, RunFolderError) as exc:
        _fail(f"sim query: {exc}")
    if as_json:
        click.echo(json.dumps(answer, indent=2, ensure_ascii=False))
    else:
        terminal.print_query(Console(), answer)


@main.command(name="compare")
@click.argument("sources", nargs=-1, metavar="A B [C ...]")
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="PATH=VALUE",
    help="Compare ONE scenario with a variant of itself, e.g. "
    "--set routes.unilateral_notice.gates.decides_to_defy_1250a.p=0.7 (repeatable).",
)
@click.option("--trials", type=click.IntRange(min=1), help="Trials for the scenarios run.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed for the scenarios run.")
@click.option("--workers", type=click.IntRange(min=1), help="Processes to use [default: all cores]")
@click.option(
    "--out",
    type=click.Path(path_type=Path),  # a file here is refused in one line, not by click
    default=Path("outputs"),
    show_default=True,
    help="Where run folders and the compare folder go.",
)
@click.option("--json", "as_json", is_flag=True, help="Print compare.json on stdout.")
@click.option("--no-charts", is_flag=True, help="Skip the charts.")
@click.option("--unpaired", is_flag=True, help="Unpaired intervals even for paired runs.")
def compare_command(
    sources: tuple[str, ...],
    sets: tuple[str, ...],
    trials: int | None,
    seed: int | None,
    workers: int | None,
    out: Path,
    as_json: bool,
    no_charts: bool,
    unpaired: bool,
) -> None:
    """Compare runs: each of A B ... is a run folder or a scenario (file or bundled name),
    run first with the first one's seed and trials. Prints each run's P(exit), P(notice),
    P(exit) by each shared dated event and median exit date, and each run's difference to
    the first with a 95% interval (paired when the runs share their random numbers); writes
    <out>/compare-<names>-<time>/."""
    from sim import compare_runs, compare_text, runner  # numpy, pandas: only for a comparison

    bar = _progress_bar()
    progress = _progress_by_label(bar)

    try:
        with _writing(out, "no compare folder"), bar:
            result = compare_runs.compare_runs(
                list(sources),
                sets=list(sets),
                trials=trials,
                seed=seed,
                workers=workers,
                out=out,
                charts=None if no_charts else compare_charts(),
                progress=progress,
                unpaired=unpaired,
            )
    except compare_runs.CompareError as exc:
        _fail(str(exc))
    except runner.RunOptionError as exc:
        _fail(f"sim compare: {exc}")
    if as_json:
        click.echo(json.dumps(result.comparison.to_json(), indent=2, ensure_ascii=False))
        click.echo(str(result.folder), err=True)
    else:
        compare_text.print_comparison(Console(), result.comparison, result.folder)


@main.command(name="sweep")
@click.argument("scenario")
@click.option(
    "--set",
    "sets",
    multiple=True,
    required=True,
    metavar="PATH=V1,V2,...",
    help="A path (as for sim compare --set) and its values, comma-separated outside "
    "brackets and braces, e.g. --set routes.unilateral_notice.gates.decides_to_defy_1250a.p="
    "0.2,0.35,0.5 (repeatable: a grid).",
)
@click.option("--trials", type=click.IntRange(min=1), help="Trials at every point.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed at every point.")
@click.option("--workers", type=click.IntRange(min=1), help="Processes to use [default: all cores]")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="Where the points' run folders and the sweep folder go.",
)
@click.option("--json", "as_json", is_flag=True, help="Print sweep.json on stdout.")
@click.option("--no-charts", is_flag=True, help="Skip the sweep chart.")
def sweep_command(
    scenario: str,
    sets: tuple[str, ...],
    trials: int | None,
    seed: int | None,
    workers: int | None,
    out: Path,
    as_json: bool,
    no_charts: bool,
) -> None:
    """Run SCENARIO (a file, a bundled name or a run folder) at every point of a grid of
    --set values, all with the same seed and trials (paired); print and write P(exit) and
    P(notice) with 95% intervals at each point, and the paired change between neighbouring
    points, into <out>/sweep-<name>-<time>/."""
    from sim import runner
    from sim.analysis import sweep as sweeping
    from sim.analysis.sweep_text import print_sweep

    bar = _progress_bar()
    progress = _progress_by_label(bar)

    try:
        with _writing(out, "no sweep folder"), bar:
            done = sweeping.run_sweep(
                scenario,
                list(sets),
                trials=trials,
                seed=seed,
                workers=workers,
                out=out,
                charts=None if no_charts else sweep_charts(),
                progress=progress,
            )
    except sweeping.SweepError as exc:
        _fail(str(exc))
    except runner.RunOptionError as exc:
        _fail(f"sim sweep: {exc}")
    if as_json:
        click.echo(json.dumps(done.to_json(), indent=2, ensure_ascii=False))
        click.echo(str(done.folder), err=True)
    else:
        print_sweep(Console(), done)


@main.command(name="discover")
@click.argument("source", metavar="SCENARIO|RUN")
@click.option(
    "--outcome",
    default="exited",
    show_default=True,
    help="exited, notice_pending, revoked, voided, blocked, no_move, or notice (a notice "
    "was deposited).",
)
@click.option(
    "--min-coverage",
    type=float,
    default=0.5,
    show_default=True,
    help="Each box is the densest step of its peeling trajectory that keeps this share of "
    "the cases it started from.",
)
@click.option("--trials", type=click.IntRange(min=1), help="Trials, for a scenario run first.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed, for a scenario run first.")
@click.option("--workers", type=click.IntRange(min=1), help="Processes to use [default: all cores]")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="Where the run folder (for a scenario) and the discover folder go.",
)
@click.option("--json", "as_json", is_flag=True, help="Print discover.json on stdout.")
@click.option("--no-charts", is_flag=True, help="Skip the chart.")
def discover_command(
    source: str,
    outcome: str,
    min_coverage: float,
    trials: int | None,
    seed: int | None,
    workers: int | None,
    out: Path,
    as_json: bool,
    no_charts: bool,
) -> None:
    """Scenario discovery: PRIM boxes of the uncertain inputs' ranges in which an outcome
    is likely, with coverage and density and the peeling trajectory. SCENARIO (a file or
    bundled name) is run first; a RUN folder is read as it is. Writes
    <out>/discover-<name>-<time>/."""
    from sim import runner
    from sim.analysis import discover as discovering
    from sim.analysis.discover_text import print_discovery

    bar = _progress_bar()
    progress = _progress_by_label(bar)

    try:
        with _writing(out, "no discover folder"), bar:
            found = discovering.run_discover(
                source,
                outcome,
                min_coverage=min_coverage,
                trials=trials,
                seed=seed,
                workers=workers,
                out=out,
                charts=None if no_charts else discover_charts(),
                progress=progress,
            )
    except discovering.DiscoverError as exc:
        _fail(str(exc))
    except runner.RunOptionError as exc:
        _fail(f"sim discover: {exc}")
    if as_json:
        click.echo(json.dumps(found.to_json(), indent=2, ensure_ascii=False))
        click.echo(str(found.folder), err=True)
    else:
        print_discovery(Console(), found)


def discover_charts() -> Callable[..., None]:
    """The discovery chart's writer (matplotlib is imported only when it draws)."""
    from sim.api import discover_chart_writer

    return discover_chart_writer()


def sweep_charts() -> Callable[..., None]:
    """The sweep chart's writer (matplotlib is imported only when it draws)."""
    from sim.api import sweep_chart_writer

    return sweep_chart_writer()


def compare_charts() -> Callable[..., None]:
    """The compare charts' writer (matplotlib is imported only when it draws)."""
    from sim.api import compare_chart_writer

    return compare_chart_writer()


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Where to write the HTML file [default: FOLDER/report.html]",
)
def report(folder: Path, out: Path | None) -> None:
    """Write one self-contained HTML report of FOLDER (a run or a compare folder)."""
    from sim import report as reporting
    from sim.run_folder import RunFolderError

    try:
        path = reporting.write(folder, out)
    except (RunFolderError, reporting.OutputError) as exc:
        _fail(str(exc))
    except OSError as exc:
        target = out if out is not None else folder / reporting.REPORT
        _fail(f"sim: cannot write {target}: {exc.strerror or exc}", 1)
    click.echo(f"Report: {path}")


@main.command(name="trace")
@click.argument("scenario", required=False)
@click.option("--trial", type=int, help="The trial to narrate (0-based, as in trials.parquet).")
@click.option("--outcome", help="Narrate the first trial that ended so, e.g. exited, revoked.")
@click.option("--trials", type=click.IntRange(min=1), help="Trials, as the run used them.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed, as the run used it.")
@click.option("--json", "as_json", is_flag=True, help="Print the trace as JSON records.")
@click.option("--strict", is_flag=True, help=STRICT_HELP)
def trace_command(
    scenario: str | None,
    trial: int | None,
    outcome: str | None,
    trials: int | None,
    seed: int | None,
    as_json: bool,
    strict: bool,
) -> None:
    """Narrate one trial of SCENARIO from its draws, dated line by line."""
    import dataclasses

    from sim.trace import TraceError, first_with_outcome, trace

    if (trial is None) == (outcome is None):
        _fail("sim trace: give exactly one of --trial N and --outcome NAME")
    loaded = _load_scenario(scenario, strict)
    loaded = dataclasses.replace(
        loaded,
        trials=loaded.trials if trials is None else trials,
        seed=loaded.seed if seed is None else seed,
    )
    try:
        number = trial if trial is not None else first_with_outcome(loaded, str(outcome))
        told = trace(loaded, number)
    except TraceError as exc:
        _fail(f"sim trace: {exc}")
    if as_json:
        click.echo(json.dumps(told.as_json(), indent=2, ensure_ascii=False))
        return
    click.echo(f"{told.scenario}, trial {told.trial} (seed {loaded.seed}): {told.outcome}")
    for line in told.lines:
        click.echo(f"{line.date}  {line.text}")


@main.command(name="draws")
@click.argument("run_folder", type=click.Path(path_type=Path))
def draws(run_folder: Path) -> None:
    """Recompute every trial's draws of RUN_FOLDER into RUN_FOLDER/draws.parquet."""
    from sim.draws_file import write_draws
    from sim.run_folder import RunFolderError

    try:
        path = write_draws(run_folder)
    except RunFolderError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"sim: cannot write draws.parquet in {run_folder}: {exc.strerror or exc}", 1)
    click.echo(str(path))


@main.command(name="sensitivity")
@click.argument("scenario", required=False)
@click.option(
    "--method",
    "methods",
    multiple=True,
    metavar="given|tornado|sobol",
    help="Methods, repeatable or comma-separated [default: given,tornado].",
)
@click.option("--trials", type=click.IntRange(min=1), help="Trials of the unpinned run.")
@click.option("--seed", type=click.IntRange(min=0), help="Override the scenario's seed.")
@click.option("--workers", type=click.IntRange(min=1), help="Processes to use [default: all cores]")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("outputs"),
    show_default=True,
    help="Where the folder goes (<out>/sensitivity-<name>-<time>/).",
)
@click.option("--json", "as_json", is_flag=True, help="Print sensitivity.json on stdout.")
@click.option("--no-charts", is_flag=True, help="Skip the charts.")
@click.option("--strict", is_flag=True, help=STRICT_HELP)
@click.option("--sobol-n", type=int, default=128, show_default=True, help="Sobol base samples.")
@click.option(
    "--sobol-trials", type=int, default=500, show_default=True, help="Trials per Sobol point."
)
@click.option("--engine", type=click.Choice(["vector", "des"]), default="vector", show_default=True)
def sensitivity_command(
    scenario: str | None,
    methods: tuple[str, ...],
    trials: int | None,
    seed: int | None,
    workers: int | None,
    out: Path,
    as_json: bool,
    no_charts: bool,
    strict: bool,
    sobol_n: int,
    sobol_trials: int,
    engine: str,
) -> None:
    """Rank SCENARIO's uncertain inputs by their effect on P(exit), P(notice) and the time to
    exit: given-data indices from one run, a tornado of paired one-at-a-time pins, and
    (--method sobol) Sobol' indices. Writes <out>/sensitivity-<name>-<time>/."""
    from sim.analysis.sensitivity import run as analysis
    from sim.analysis.sensitivity.text import print_sensitivity

    loaded = _load_scenario(scenario, strict)
    bar = _progress_bar()
    progress = _progress_by_label(bar)

    try:
        with _writing(out, "nothing"), bar:
            result = analysis.sensitivity(
                loaded,
                methods=methods or analysis.DEFAULT_METHODS,
                trials=trials,
                seed=seed,
                workers=workers,
                sobol_n=sobol_n,
                sobol_trials=sobol_trials,
                engine=engine,
                out=out,
                charts=not no_charts,
                progress=progress,
            )
    except analysis.SensitivityError as exc:
        where = f"{scenario or bundled.DEFAULT}: " if exc.about_scenario else ""
        _fail(f"sim sensitivity: {where}{exc}")
    if as_json:
        shown = {"folder": str(Path(result.folder).resolve()) if result.folder else None}
        click.echo(json.dumps({**shown, **result.data}, indent=2, ensure_ascii=False))
    else:
        console = Console()
        # a pipe or a file gets the whole table, unwrapped, as a wide terminal shows it
        print_sensitivity(
            console if console.is_terminal else Console(width=180), result.data, result.folder
        )
