"""The `sim` command: parse, call, print. No simulation logic lives here."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from sim import __version__, bundled
from sim.language import Scenario, ScenarioError, json_schema, load

EXIT_BAD_INPUT = 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _resolve(arg: str | None) -> Path:
    """A path, or the name of a bundled scenario; nothing means the default scenario."""
    if arg is None:
        path = bundled.find(bundled.DEFAULT)
        if path is None:
            _fail(f"sim: the bundled scenario {bundled.DEFAULT!r} is missing from this install")
        return path
    path = Path(arg)
    if path.exists():
        return path
    found = bundled.find(arg)
    if found is not None:
        return found
    names = ", ".join(bundled.names()) or "none"
    _fail(f"{arg}: no such file, nor a bundled scenario (bundled: {names})")


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


def _load(path: Path) -> Scenario:
    try:
        return load(path)
    except ScenarioError as exc:
        _fail(str(exc))


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


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sim")
def main() -> None:
    """withdrawal-sim: how likely a US exit from NATO is, and how long it would take."""


@main.command()
@click.argument("scenario", required=False)
@click.option("--trials", type=click.IntRange(min=1), help="Override the scenario's trials.")
@click.option("--seed", type=click.IntRange(min=0), help="Override the scenario's seed.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
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
def run(
    scenario: str | None,
    trials: int | None,
    seed: int | None,
    out: Path,
    workers: int | None,
    at_text: str | None,
    as_json: bool,
    engine: str,
    no_trials: bool,
    draws: bool,
    scheduler: str | None,
) -> None:
    """Run SCENARIO (a YAML file or a bundled name; default: the bundled baseline)."""
    from sim import runner, terminal  # numpy, pandas, simpy: imported only for a run

    loaded = _load(_resolve(scenario))
    at = _dates(at_text)
    total = loaded.trials if trials is None else trials
    err = Console(stderr=True)
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    try:
        with bar:
            task = bar.add_task(f"{loaded.name}: trials", total=total)
            result = runner.run(
                loaded,
                out=out,
                trials=trials,
                seed=seed,
                workers=workers,
                progress=lambda n: bar.advance(task, n),
                at=at,
                engine=engine,
                keep_trials=not no_trials,
                keep_draws=draws,
                scheduler=scheduler,
            )
    except runner.RunOptionError as exc:
        _fail(f"sim: {exc}")
    except runner.WorkerLost as exc:
        click.echo(f"sim: {exc}; nothing was written", err=True)
        sys.stderr.flush()
        # a killed worker can leave the pool's queue threads blocked, and the interpreter
        # would wait for them at exit; the run folder is already removed
        os._exit(1)
    except OSError as exc:
        _fail(f"sim: cannot write the run folder under {out}: {exc.strerror or exc}", 1)
    except KeyboardInterrupt:
        _fail("sim: interrupted; nothing was written", 130)
    if result.engine_note is not None:
        click.echo(f"sim: {result.engine_note}", err=True)
    if as_json:
        shown = {"run_folder": str(Path(result.folder).resolve()), **result.summary}
        click.echo(json.dumps(shown, indent=2, ensure_ascii=False))
    else:
        terminal.print_summary(Console(), result.summary, result.folder)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES; print one line each. Exit status 2 if any is bad."""
    bad = 0
    for path in files:
        try:
            s = load(path)
        except ScenarioError as exc:
            click.echo(str(exc), err=True)
            bad += 1
            continue
        click.echo(
            f"{path}: ok ({s.name}: {len(s.events)} events, {len(s.routes)} routes, "
            f"{s.trials:,} trials, {s.start} to {s.horizon})"
        )
    if bad:
        sys.exit(EXIT_BAD_INPUT)


@main.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion)."""
    click.echo(json.dumps(json_schema(), indent=2))


@main.command()
def scenarios() -> None:
    """List the bundled scenarios."""
    for name in bundled.names():
        path = bundled.find(name)
        assert path is not None
        try:
            title = load(path).title
        except ScenarioError as exc:
            title = f"(invalid: {exc.message})"
        click.echo(f"{name:24s} {title}")


@main.command()
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
