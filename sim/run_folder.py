"""Run folders and compare folders: written atomically, read back whole.

A folder is assembled under a hidden temporary name beside its final place and renamed into
place only when complete, so a reader (a chart, `sim compare`, `sim report`, the Python API)
finds a folder whole or not at all. Reading checks that the folder is one this version can
read and says in one line what is wrong when it is not.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.language import Scenario, ScenarioError, loads

# What a run folder holds and how; a reader refuses a folder of another format.
FORMAT = 2
SUMMARY = "summary.json"
TRIALS = "trials.parquet"
SCENARIO = "scenario.yaml"
RUN_INFO = "run.json"
CHARTS = "charts"
COMPARE = "compare.json"


class RunFolderError(Exception):
    """A folder that cannot be read as a run (or compare) folder: one line for the user."""


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _place(tmp: Path, parent: Path, name: str) -> Path:
    """Rename the finished folder into place under a name never used before."""
    for attempt in range(1, 1000):
        final = parent / (name if attempt == 1 else f"{name}-{attempt}")
        if final.exists():
            continue
        try:
            tmp.rename(final)
            return final
        except OSError:
            if not final.exists():
                raise
    raise RuntimeError(f"no free folder name under {parent}")


@dataclass
class FolderWriter:
    """A folder being written: files go into `tmp`; `final` is set once it is in place."""

    tmp: Path
    final: Path | None = None


def analysis_folder_name(kind: str, name: str, now: dt.datetime | None = None) -> str:
    """`<kind>-<name>-<UTC time>`, the name of a compare, sweep, discover or sensitivity
    folder: sorted by time within a kind; the name made safe for any file system (at most
    80 characters of letters, digits, `_`, `.` and `-`)."""
    now = now or dt.datetime.now(dt.UTC)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80].rstrip("-.")
    return f"{kind}-{safe}-{now:%Y%m%dT%H%M%SZ}"


@contextmanager
def atomic_folder(parent: Path, name: str) -> Iterator[FolderWriter]:
    """Write into a hidden folder beside `parent/name`; rename it into place on success,
    remove it on any failure (including Ctrl-C)."""
    created = _missing_folders(parent)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    tmp = parent / f".partial-{name}-{stamp}-{os.getpid()}"
    writer = FolderWriter(tmp)
    try:
        tmp.mkdir(parents=True)  # parents too: another run may have just removed `parent`
        yield writer
        writer.final = _place(tmp, parent, name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_if_empty(created)
        raise


def _missing_folders(parent: Path) -> list[Path]:
    """The folders to create for `parent`, innermost first; a file where one of them should
    be is a NotADirectoryError naming it (the user gave a file as the output folder)."""
    missing = []
    for folder in (parent, *parent.parents):
        if folder.is_dir():
            break
        if folder.exists() or folder.is_symlink():
            raise NotADirectoryError(
                errno.ENOTDIR, "a file, not a folder, is where a folder should be", str(folder)
            )
        missing.append(folder)
    return missing


def _remove_if_empty(folders: list[Path]) -> None:
    """Remove the folders a failed write created (innermost first), unless another run
    has put something in them meanwhile."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{path}: cannot read ({exc})") from None
    if not isinstance(data, dict):
        raise RunFolderError(f"{path}: expected a JSON object")
    return data


def check_format(folder: Path, info: dict[str, Any], what: str = "run") -> None:
    found = info.get("format")
    if found != FORMAT:
        from sim import __version__

        made_by = info.get("version", "an unknown version")
        raise RunFolderError(
            f"{folder}: a {what} folder written by withdrawal-sim {made_by} (format {found}); "
            f"this version ({__version__}) reads format {FORMAT}: run the scenario again"
        )


@dataclass
class Run:
    """A finished run: its summary, its scenario as run, and (read on first use) its trials.

    Built by `load_run` from a folder, or in memory by the runner; charts and comparisons
    read only this, so whatever they show can be recomputed from what a run wrote."""

    summary: dict[str, Any]
    scenario_text: str
    folder: Path | None = None
    engine_note: str | None = None  # set when the run fell back from the engine asked for
    precision: dict[str, Any] | None = None  # a run to a --precision: where it stopped
    _trials: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return str(self.summary["name"])

    @property
    def trials(self) -> pd.DataFrame:
        if self._trials is None:
            if self.folder is None or not (self.folder / TRIALS).is_file():
                raise RunFolderError(
                    f"{self.folder}: this run kept no {TRIALS} (run without --no-trials)"
                )
            self._trials = pd.read_parquet(self.folder / TRIALS)
        return self._trials

    @property
    def has_trials(self) -> bool:
        return self._trials is not None or (
            self.folder is not None and (self.folder / TRIALS).is_file()
        )

    def knowing(self, scenario: Scenario) -> Run:
        """This run, told its scenario as already parsed (by the runner, which has it):
        parsing and checking the text again takes a fifth of a second."""
        self.__dict__["scenario"] = scenario  # what `scenario` would have cached
        return self

    @cached_property
    def scenario(self) -> Scenario:
        shown = str(self.folder / SCENARIO) if self.folder else "<run>"
        try:
            return loads(self.scenario_text, shown)
        except ScenarioError as exc:
            raise RunFolderError(str(exc)) from None


def load_run(folder: str | Path) -> Run:
    """Read a run folder back; a RunFolderError says in one line why it cannot be."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(f"{folder}: no such run folder")
    if not (folder / SUMMARY).is_file() or not (folder / SCENARIO).is_file():
        if (folder / COMPARE).is_file():
            raise RunFolderError(f"{folder}: a compare folder, not a run folder")
        raise RunFolderError(
            f"{folder}: not a run folder (a run folder holds {SUMMARY} and {SCENARIO})"
        )
    info = _read_json(folder / RUN_INFO) if (folder / RUN_INFO).is_file() else {}
    check_format(folder, info)
    summary = _read_json(folder / SUMMARY)
    text = (folder / SCENARIO).read_text(encoding="utf-8")
    return Run(summary=summary, scenario_text=text, folder=folder, precision=info.get("precision"))
