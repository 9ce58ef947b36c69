"""`sim new`: start an editable scenario from a bundled one.

A copy keeps the original's comments and sources (they are the documentation of every
number) but gets its own name, so that its runs never land among the original's. Its first
line, `# yaml-language-server: $schema=scenario.schema.json`, points at a schema file beside
it, so the schema is written there too: editors then check the copy where it is.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim import bundled
from sim.language import ScenarioError, json_schema, loads
from sim.language.schema import FILE_SAFE_PATTERN
from sim.language.yaml_reading import read_yaml

SCHEMA_FILE = "scenario.schema.json"
_SCHEMA_LINE = re.compile(r"^#\s*yaml-language-server:\s*\$schema=(\S+)\s*$", re.MULTILINE)


class ScaffoldError(Exception):
    """One line saying why nothing was written."""


@dataclass(frozen=True)
class Created:
    path: Path
    origin: Path
    schema: Path | None  # the schema file written or refreshed beside the copy


def _renamed(text: str, name: str) -> str:
    """`text` with its top-level `name:` value replaced, comments and layout kept."""
    doc = read_yaml(text)
    line = doc.lines.get(("name",))
    if line is None:
        raise ScaffoldError("the original has no top-level 'name:' line to rename")
    lines = text.split("\n")
    old = lines[line - 1]
    match = re.match(r"^(name:[ \t]*)(\S[^#]*?|)([ \t]*(#.*)?)$", old)
    if match is None:
        raise ScaffoldError(f"cannot rename the original's name line: {old!r}")
    lines[line - 1] = f"{match[1]}{name}{match[3]}"
    return "\n".join(lines)


def _write_new(path: Path, text: str) -> None:
    """Write `text` to `path` whole, never over an existing file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.link(tmp, path)  # fails if path exists: no overwrite, even in a race
    finally:
        os.unlink(tmp)


def _write_schema(folder: Path) -> Path:
    path = folder / SCHEMA_FILE
    text = json.dumps(json_schema(), indent=2) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return path
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{SCHEMA_FILE}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def new(name: str, origin: str = bundled.DEFAULT, folder: Path | None = None) -> Created:
    """Copy the scenario `origin` (a bundled name or a file) to `<folder>/<name>.yaml`."""
    folder = Path() if folder is None else folder
    stem = name[:-5] if name.endswith(".yaml") else name
    if not re.fullmatch(FILE_SAFE_PATTERN, stem) or "/" in name:
        raise ScaffoldError(
            f"sim new: {name!r} is not a scenario name: use letters, digits, _ . and -, "
            "starting with a letter or digit (e.g. sim new my_baseline)"
        )
    if not folder.is_dir():
        raise ScaffoldError(f"sim new: {folder}: no such folder")
    target = folder / f"{stem}.yaml"
    if target.exists():
        raise ScaffoldError(f"sim new: {target} already exists; pick another name or remove it")
    try:
        source = bundled.resolve(origin).path
    except bundled.NotFound as exc:
        raise ScaffoldError(f"sim new: --from {exc}") from None
    text = _renamed(source.read_text(encoding="utf-8"), stem)
    text = _SCHEMA_LINE.sub(f"# yaml-language-server: $schema={SCHEMA_FILE}", text)
    try:
        loads(text, str(target))
    except ScenarioError as exc:
        raise ScaffoldError(f"sim new: the copy of {source} would not be valid: {exc}") from None
    schema = _write_schema(folder) if _SCHEMA_LINE.search(text) else None
    try:
        _write_new(target, text)
    except FileExistsError:
        raise ScaffoldError(f"sim new: {target} already exists") from None
    return Created(target, source, schema)
