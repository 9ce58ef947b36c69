"""Scenario file -> validated Scenario, or one ScenarioError naming file, line and field."""

from __future__ import annotations

from pathlib import Path as FilePath

from pydantic import ValidationError

from sim.language.build import build
from sim.language.errors import ScenarioError
from sim.language.model import Scenario
from sim.language.pydantic_errors import first_error
from sim.language.schema import ScenarioIn
from sim.language.yaml_reading import Document, read_yaml

_EXPECTED = "a scenario is a mapping with at least name, start, horizon, treaty and routes"


def _located(exc: ScenarioError, doc: Document | None, file: str) -> ScenarioError:
    line = exc.line
    if line is None and doc is not None:
        line = doc.line_of(exc.path)
    return ScenarioError(exc.message, exc.path, file=file, line=line)


def loads(text: str, file: str = "<scenario>") -> Scenario:
    """Parse and validate scenario text; `file` is only used in messages."""
    doc: Document | None = None
    try:
        if not text.strip():
            raise ScenarioError(f"the file is empty; {_EXPECTED}")
        doc = read_yaml(text)
        if doc.data is None:
            raise ScenarioError(f"the file holds no YAML data; {_EXPECTED}")
        if not isinstance(doc.data, dict):
            raise ScenarioError(f"the file holds a {type(doc.data).__name__}; {_EXPECTED}")
        try:
            raw = ScenarioIn.model_validate(doc.data)
        except ValidationError as exc:
            raise first_error(exc, ScenarioIn, doc.line_of) from None
        return build(raw, source_text=text)
    except ScenarioError as exc:
        raise _located(exc, doc, file) from None


def load(path: str | FilePath) -> Scenario:
    """Read and validate a scenario file."""
    path = FilePath(path)
    shown = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError("no such file", file=shown) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a scenario file", file=shown) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", file=shown) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text; a scenario is a YAML text file", file=shown) from None
    return loads(text, shown)
