"""What the commands that take "a scenario or a run" accept, and how each is read.

`sim compare`, `sim sweep` and `sim discover` (and the Python API) take, for each argument:
a `Run` or a `Scenario` already in memory, YAML text (anything with a line break), a run
folder, a scenario file, or the name of a bundled scenario, in that order of precedence.
One function reads them all, so that every command accepts the same things and words the
same failure the same way; each command turns `SourceError` into its own error type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim import bundled
from sim.language import Scenario, ScenarioError, load, loads
from sim.run_folder import SUMMARY, Run, RunFolderError, load_run

TEXT = "<text>"  # the file name messages give YAML text passed as a string


class SourceError(Exception):
    """An argument that is no scenario or run, or one that does not load: one line."""


@dataclass(frozen=True)
class Resolved:
    """A scenario or a finished run, and the name messages give it (its file or folder)."""

    thing: Scenario | Run
    file: str


def resolve(source: str | Path | Scenario | Run) -> Resolved:
    if isinstance(source, Scenario):
        return Resolved(source, "<scenario>")
    if isinstance(source, Run):
        return Resolved(source, str(source.folder or "<run>"))
    if isinstance(source, str) and "\n" in source:
        return Resolved(_loaded(lambda: loads(source, TEXT)), TEXT)
    path = Path(source)
    if path.is_dir():
        try:
            return Resolved(load_run(path), str(path))
        except RunFolderError as exc:
            raise SourceError(f"{exc}{_not_a_run_hint(path)}") from None
    found = path if path.exists() else bundled.find(str(source))
    if found is None:
        names = ", ".join(bundled.names()) or "none"
        raise SourceError(
            f"{source}: no such run folder or scenario file, nor a bundled scenario "
            f"(bundled: {names})"
        )
    return Resolved(_loaded(lambda: load(found)), str(found))


def _loaded(reading: Callable[[], Scenario]) -> Scenario:
    try:
        return reading()
    except ScenarioError as exc:
        raise SourceError(str(exc)) from None


def _not_a_run_hint(folder: Path) -> str:
    """For a folder that is not a run but holds some (a scenario's folder of runs)."""
    inner = sorted(p for p in folder.iterdir() if p.is_dir() and (p / SUMMARY).is_file())
    return f"; it holds run folders, e.g. {inner[-1]}" if inner else ""
