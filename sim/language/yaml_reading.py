"""Read scenario text as YAML 1.2, keeping the line of every key and item.

YAML 1.2 keeps `yes`, `no`, `on` and `off` as words. A `%YAML 1.1` directive would bring
back the old booleans, so directives are ignored. Explicit tags (`!!python/object`, `!!str`,
`!foo`) are refused outright: a scenario is data, and a tag either constructs objects or
hides a type change from the reader. Size, alias expansion and nesting are limited
(`sim.language.yaml_limits`) before anything is built. Dates stay text here; the schema
checks them, so an impossible date gets a proper message instead of a parser crash.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import YAMLError

from sim.language.errors import Path, ScenarioError, ScenarioErrors, in_file_order
from sim.language.yaml_limits import EventLimits, check_flow_depth, check_size

_DIRECTIVE = re.compile(r"^%YAML\b.*$", re.MULTILINE)


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves timestamps as their text."""


_Constructor.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda self, node: str(self.construct_scalar(node)),
)


@dataclass(frozen=True)
class Document:
    """Plain Python data (dicts, lists, str, int, float, None) and where each part was.

    `errors` are the YAML mistakes the reader could step over (an unquoted value with a
    colon in it, read as if quoted) so that the rest of the file is still checked."""

    data: Any
    lines: dict[Path, int]
    errors: tuple[ScenarioError, ...] = ()

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
    """The line to show: where an unclosed bracket opened, else where parsing failed."""
    context = str(getattr(exc, "context", "") or "")
    marks = ("context_mark", "problem_mark") if "flow" in context else ("problem_mark",)
    for name in (*marks, "context_mark"):
        mark = getattr(exc, name, None)
        if mark is not None:
            return mark.line + 1
    return None


@dataclass(frozen=True)
class _Places:
    """Where each key, item and mapping starts (0-based line, column), from a lenient load
    that tolerates duplicate keys, so that a tag or a duplicate can be given a field path."""

    keys: list[tuple[int, int, Path]]
    mappings: dict[tuple[int, int], Path]

    def before(self, line: int, col: int) -> Path | None:
        """The key or item nearest before (line, col) in document order."""
        earlier = [k for k in self.keys if (k[0], k[1]) < (line, col)]
        return max(earlier, key=lambda k: (k[0], k[1]))[2] if earlier else None


def _places(text: str) -> _Places | None:
    yaml = _yaml()
    yaml.allow_duplicate_keys = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = yaml.load(text)
    except Exception:  # only an aid to messages: never fail because of it
        return None
    keys: list[tuple[int, int, Path]] = []
    mappings: dict[tuple[int, int], Path] = {}

    def walk(node: Any, path: Path) -> None:
        if isinstance(node, dict) and hasattr(node, "lc"):
            mappings[(node.lc.line, node.lc.col)] = path
            for key in node:
                where = _key_place(node, key)
                if where is not None:
                    keys.append((where[0], where[1], (*path, str(key))))
                walk(node[key], (*path, str(key)))
        elif isinstance(node, list) and hasattr(node, "lc"):
            for i, item in enumerate(node):
                where = node.lc.item(i)
                if where is not None:
                    keys.append((where[0], where[1], (*path, i)))
                walk(item, (*path, i))

    walk(data, ())
    return _Places(keys, mappings)


def _check_events(text: str) -> None:
    """Refuse tags, and a file past the limits of `yaml_limits`, from the parser's events
    alone: nothing is built (and no alias expanded) before the whole file has passed."""
    limits = EventLimits()
    first_tag = None
    for event in _yaml().parse(text):
        limits.see(event)
        if first_tag is None and getattr(event, "tag", None) is not None:
            first_tag = event
    if first_tag is not None:  # only now: locating it loads the file, aliases and all
        shown = str(first_tag.tag).replace("tag:yaml.org,2002:", "!!")
        mark = first_tag.start_mark
        places = _places(text)
        path = places.before(mark.line, mark.column) if places else None
        raise ScenarioError(
            f"YAML tags are not allowed in a scenario (found {shown}); write plain values",
            path or (),
            line=mark.line + 1,
        )


def _key_place(node: Any, key: Any) -> tuple[int, int] | None:
    """Where `key` is written in `node`; None for one merged in by `<<: *anchor`, which is
    written elsewhere (its line is then that of the mapping it is in)."""
    try:
        return node.lc.key(key) if hasattr(node, "lc") else None
    except KeyError:
        return None


def _plain(node: Any, path: Path, lines: dict[Path, int]) -> Any:
    """ruamel's round-trip objects -> plain Python, recording each key's and item's line."""
    if isinstance(node, dict):
        out: dict[Any, Any] = {}
        for key in node:
            where = _key_place(node, key)
            if where is not None:
                lines[(*path, str(key))] = where[0] + 1
            out[str(key)] = _plain(node[key], (*path, str(key)), lines)
        return out
    if isinstance(node, list):
        items = []
        for i, item in enumerate(node):
            where = node.lc.item(i) if hasattr(node, "lc") else None
            if where is not None:
                lines[(*path, i)] = where[0] + 1
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


_COLON_PROBLEMS = ("mapping values are not allowed here", "but got ':'")
QUOTE_HELP = "quote the value: a plain value cannot contain ': '"
_MAX_REPAIRS = 50


def _colon_repair(exc: YAMLError, text: str) -> tuple[str, int, str] | None:
    """For a plain value holding ': ' (`source: judgment: why`): the text with that value
    quoted, the 0-based line, and the quoted value; None for any other YAML error."""
    problem = str(getattr(exc, "problem", "") or "")
    mark = getattr(exc, "problem_mark", None)
    if mark is None or not any(p in problem for p in _COLON_PROBLEMS):
        return None
    lines = text.split("\n")
    if mark.line >= len(lines):
        return None
    line, col = lines[mark.line], mark.column
    sep = line.rfind(": ", 0, col)
    if sep < 0:
        return None
    begin = sep + 2
    while begin < len(line) and line[begin] == " ":
        begin += 1
    if begin >= col or line[begin] in "\"'{[|>&*!":
        return None
    flow = "flow" in str(getattr(exc, "context", "") or "")
    end = len(line)
    for stop in ([",", "}", "]"] if flow else []) + [" #"]:
        at = line.find(stop, col)
        if at >= 0:
            end = min(end, at)
    value = line[begin:end].rstrip()
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines[mark.line] = line[:begin] + quoted + line[begin + len(value) :]
    return "\n".join(lines), mark.line, quoted


def read_yaml(text: str) -> Document:
    """Parse text; a problem that stops the reading is a ScenarioError with the line where
    known. An unquoted value with a colon in it is reported in `errors`, then read as if
    quoted, so that the other mistakes in the file are found in the same pass."""
    check_size(len(text.encode("utf-8")))
    check_flow_depth(text)
    text = without_directives(text)
    repaired: list[tuple[int, str]] = []
    while True:
        try:
            doc = _read(text)
        except _Unreadable as stop:
            fix = _colon_repair(stop.yaml_error, text) if len(repaired) < _MAX_REPAIRS else None
            if fix is None:
                if repaired:  # report what was found before the reader had to stop
                    found = [*_colon_errors(repaired, None), stop.error]
                    raise ScenarioErrors(in_file_order(found)) from None
                raise stop.error from None
            text, line, quoted = fix
            repaired.append((line, quoted))
            continue
        if not repaired:
            return doc
        return Document(doc.data, doc.lines, tuple(_colon_errors(repaired, _places(text))))


def _colon_errors(repaired: list[tuple[int, str]], places: _Places | None) -> list[ScenarioError]:
    errors = []
    for line, quoted in repaired:
        path: Path = ()
        if places is not None:
            on_line = [k for k in places.keys if k[0] == line]
            if on_line:
                path = max(on_line, key=lambda k: k[1])[2]
        errors.append(ScenarioError(f"{QUOTE_HELP}; write {quoted}", path, line=line + 1))
    return errors


class _Unreadable(Exception):
    def __init__(self, error: ScenarioError, yaml_error: YAMLError | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.yaml_error = yaml_error


def _read(text: str) -> Document:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _check_events(text)
            loaded = _yaml().load(text)
    except ScenarioError as exc:
        raise _Unreadable(exc, None) from None
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "duplicate key" in problem:
            raise _Unreadable(_duplicate(exc, text), exc) from None
        error = ScenarioError(f"not valid YAML: {problem}", line=_mark_line(exc))
        raise _Unreadable(error, exc) from None
    except ValueError as exc:  # e.g. a number ruamel cannot build
        raise _Unreadable(ScenarioError(f"not valid YAML: {exc}"), None) from None
    except (NotImplementedError, AssertionError, TypeError, AttributeError, KeyError) as exc:
        # the reader's own limits on odd text (fuzzing found "overlap in comment" after a
        # comment ending in a merge key): one line, not a traceback
        shown = f"{type(exc).__name__}: {str(exc)[:100]}"
        error = ScenarioError(f"not valid YAML: the YAML reader gave up on this text ({shown})")
        raise _Unreadable(error, None) from None
    lines: dict[Path, int] = {}
    return Document(_plain(loaded, (), lines), lines)


def _duplicate(exc: YAMLError, text: str) -> ScenarioError:
    found = re.search(r'duplicate key "([^"]*)"', str(exc))
    key = found.group(1) if found else None
    path: Path = ()
    mapping = getattr(exc, "context_mark", None)
    places = _places(text)
    if places is not None and mapping is not None and key is not None:
        parent = places.mappings.get((mapping.line, mapping.column))
        if parent is not None:
            path = (*parent, key)
    message = f"duplicate key {key!r}" if key else "duplicate key"
    return ScenarioError(
        f"{message}; each key may appear once in a mapping", path, line=_mark_line(exc)
    )
