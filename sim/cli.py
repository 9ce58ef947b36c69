"""The `sim` command: parse, call, print. No simulation logic lives here."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

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


def _load(path: Path) -> Scenario:
    try:
        return load(path)
    except ScenarioError as exc:
        _fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--json", "as_json", is_flag=True, help="Print the summary JSON on stdout.")
@click.option("--no-charts", is_flag=True, help="Skip the charts (charts/ stays empty).")
def run(
    scenario: str | None,
    trials: int | None,
    seed: int | None,
    out: Path,
    workers: int | None,
    as_json: bool,
    no_charts: bool,
) -> None:
    """Run SCENARIO (a YAML file or a bundled name; default: the bundled baseline)."""
    from sim import runner, terminal  # numpy, pandas, simpy: imported only for a run

    loaded = _load(_resolve(scenario))
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
                charts=not no_charts,
            )
    except OSError as exc:
        _fail(f"sim: cannot write the run folder under {out}: {exc.strerror or exc}", 1)
    except KeyboardInterrupt:
        _fail("sim: interrupted; nothing was written", 130)
    if as_json:
        click.echo(json.dumps(result.summary, indent=2, ensure_ascii=False))
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
