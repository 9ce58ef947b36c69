"""Scenario file -> validated Scenario, or every problem in it at once, each naming file,
line and field (a `ScenarioError`, or a `ScenarioErrors` when there are several)."""

from __future__ import annotations

import dataclasses
from pathlib import Path as FilePath

from sim.language.build import build
from sim.language.checks import check
from sim.language.errors import (
    Problems,
    ScenarioError,
    ScenarioErrors,
    in_file_order,
    raise_if_any,
)
from sim.language.model import Scenario
from sim.language.yaml_limits import MAX_BYTES, check_size
from sim.language.yaml_reading import Document, read_yaml

_EXPECTED = "a scenario is a mapping with at least name, start, horizon, treaty and routes"


def _located(exc: ScenarioError, doc: Document | None, file: str) -> ScenarioError:
    line = exc.line
    if line is None and doc is not None:
        line = doc.line_of(exc.path)
    return exc.located(file, line)


def _read(text: str, file: str) -> Document:
    try:
        if not text.strip():
            raise ScenarioError(f"the file is empty; {_EXPECTED}")
        return read_yaml(text)
    except ScenarioError as exc:
        raise_if_any([_located(e, None, file) for e in exc.errors])
        raise  # unreachable: exc holds at least one error


def loads(text: str, file: str = "<scenario>", *, strict: bool = False) -> Scenario:
    """Parse and validate scenario text; `file` is only used in messages.

    Raises a ScenarioError for one problem, a ScenarioErrors (a ScenarioError too) for
    several. The scenario's `warnings` list what is legal but probably not meant; with
    `strict` they are errors."""
    doc = _read(text, file)
    problems = Problems()
    for error in doc.errors:
        problems.add(error)
    scenario = None
    if doc.data is None:
        problems.add(ScenarioError(f"the file holds no YAML data; {_EXPECTED}"))
    elif not isinstance(doc.data, dict):
        problems.add(ScenarioError(f"the file holds a {type(doc.data).__name__}; {_EXPECTED}"))
    else:
        scenario = build(doc.data, problems, source_text=text)
    raise_if_any(in_file_order(_located(e, doc, file) for e in problems.errors))
    assert scenario is not None
    warnings = tuple(check(scenario, doc, file))
    if strict and warnings:
        raise_if_any([w.as_error() for w in warnings])
    return dataclasses.replace(scenario, warnings=warnings)


def load(path: str | FilePath, *, strict: bool = False) -> Scenario:
    """Read and validate a scenario file (see `loads`)."""
    path = FilePath(path)
    shown = str(path)
    try:
        with path.open("rb") as f:  # never more than the limit, even from /dev/zero
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("no such file", file=shown) from None
    except IsADirectoryError:
        raise ScenarioError("is a directory, not a scenario file", file=shown) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read: {exc.strerror}", file=shown) from None
    if len(data) > MAX_BYTES:
        size = path.stat().st_size if path.is_file() else None
        try:
            check_size(size)
        except ScenarioError as exc:
            raise exc.located(shown, None) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not UTF-8 text; a scenario is a YAML text file", file=shown) from None
    return loads(text, shown, strict=strict)


__all__ = ["ScenarioError", "ScenarioErrors", "load", "loads"]
