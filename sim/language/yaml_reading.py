"""Read scenario text as YAML 1.2, keeping the line of every key and item.

YAML 1.2 keeps `yes`, `no`, `on` and `off` as words. A `%YAML 1.1` directive would bring
back the old booleans, so directives are ignored. Explicit tags (`!!python/object`, `!!str`,
`!foo`) are refused outright: a scenario is data, and a tag either constructs objects or
hides a type change from the reader. Dates stay text here; the schema checks them, so an
impossible date gets a proper message instead of a parser crash.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError

from sim.language.errors import Path, ScenarioError

_DIRECTIVE = re.compile(r"^%YAML\b.*$", re.MULTILINE)


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves timestamps as their text."""


_Constructor.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda self, node: str(self.construct_scalar(node)),
)


@dataclass(frozen=True)
class Document:
    """Plain Python data (dicts, lists, str, int, float, None) and where each part was."""

    data: Any
    lines: dict[Path, int]

    def line_of(self, path: Path) -> int | None:
        """Line of the deepest part of `path` that exists in the file (1-based)."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return None


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.allow_duplicate_keys = False
    return yaml


def _mark_line(exc: YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def _refuse_tags(text: str) -> None:
    for event in _yaml().parse(text):
        tag = getattr(event, "tag", None)
        if tag is not None:
            shown = str(tag).replace("tag:yaml.org,2002:", "!!")
            raise ScenarioError(
                f"YAML tags are not allowed in a scenario (found {shown}); write plain values",
                line=event.start_mark.line + 1,
            )


def _plain(node: Any, path: Path, lines: dict[Path, int]) -> Any:
    """ruamel's round-trip objects -> plain Python, recording each key's and item's line."""
    if isinstance(node, dict):
        out: dict[Any, Any] = {}
        for key in node:
            if hasattr(node, "lc"):
                lines[(*path, str(key))] = node.lc.key(key)[0] + 1
            out[str(key) if not isinstance(key, str) else key] = _plain(
                node[key], (*path, str(key)), lines
            )
        return out
    if isinstance(node, list):
        items = []
        for i, item in enumerate(node):
            if hasattr(node, "lc"):
                lines[(*path, i)] = node.lc.item(i)[0] + 1
            items.append(_plain(item, (*path, i), lines))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def without_directives(text: str) -> str:
    """The text with `%YAML` directives blanked (lines keep their numbers)."""
    return _DIRECTIVE.sub("", text)


def read_yaml(text: str) -> Document:
    """Parse text; any problem is a ScenarioError with the line where known."""
    text = without_directives(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _refuse_tags(text)
            loaded = _yaml().load(text)
    except ScenarioError:
        raise
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "duplicate key" in problem:
            key = re.search(r'duplicate key "([^"]*)"', str(exc))
            problem = f"duplicate key {key.group(1)!r}" if key else "duplicate key"
            problem += "; each key may appear once in a mapping"
            return _raise(f"{problem}", exc)
        return _raise(f"not valid YAML: {problem}", exc)
    except ValueError as exc:  # e.g. a number ruamel cannot build
        raise ScenarioError(f"not valid YAML: {exc}") from None
    lines: dict[Path, int] = {}
    return Document(_plain(loaded, (), lines), lines)


def _raise(message: str, exc: YAMLError) -> Any:
    raise ScenarioError(message, line=_mark_line(exc)) from None
