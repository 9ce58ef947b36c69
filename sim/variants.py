"""`--set PATH=VALUE`: a variant of a scenario, edited in its YAML text.

The edit is made on the text (ruamel round trip), not on the validated model, so the
variant's `scenario.yaml` is the user's file with one value changed, comments kept, and the
normal loader validates it: a variant can never hold a value a file could not.

PATH is dotted over the YAML structure. A list item is addressed by its `name` (gates,
challenges), its `event` (`dies_on`, `revoked_by` effects), its text (an effect written as a
bare event name) or its index (`gates.0` or `gates[0]`). VALUE is read as a YAML 1.2 scalar or
flow value (`0.7`, `30d to 90d`, `{dist: beta, mean: 0.1, sd: 0.05}`).

Sources survive a plain number: a scalar set on `{value: X, source: S}` replaces X and keeps
S, and a scalar set on a distribution that carries a source (`{dist: beta, ..., source: S}`)
becomes `{value: X, source: S}`; a mapping replaces the node whole (what you write is what
you get). A `p` set on an effect written as a bare event name turns it into
`{event: NAME, p: VALUE}`. Every edit is listed in a comment at the top of the variant's text,
with the value it replaced, so a reader of the variant's run folder sees what was assumed.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from sim.language import Scenario, ScenarioError, loads
from sim.language.errors import dotted
from sim.language.yaml_reading import without_directives

Key = str | int
_INDEX = re.compile(r"^(.*?)\[(\d+)\]$")
_KEYS_OF_ITEMS = ("name", "event")  # how a list item is named


class VariantError(Exception):
    """A `--set` that cannot be applied: one line naming the `--set`."""


@dataclass(frozen=True)
class Edit:
    """One `--set PATH=VALUE`, as typed."""

    path: str
    value: str

    @property
    def text(self) -> str:
        return f"{self.path}={self.value}"

    @property
    def short(self) -> str:
        """The last two parts of the path: enough to recognise the edit in a label."""
        parts = _split(self.path)
        return ".".join(str(p) for p in parts[-2:]) + f"={self.value}"


def parse_set(text: str) -> Edit:
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise VariantError(f"--set {text}: expected PATH=VALUE, e.g. --set horizon=2030-01-20")
    return Edit(path.strip(), value.strip())


def _split(path: str) -> list[Key]:
    parts: list[Key] = []
    for piece in path.split("."):
        found = _INDEX.match(piece)
        if found:
            if found.group(1):
                parts.append(found.group(1))
            parts.append(int(found.group(2)))
        elif piece.isdigit():
            parts.append(int(piece))
        else:
            parts.append(piece)
    return parts


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    return yaml


_NESTED_KEY = re.compile(r"^( +)[A-Za-z_][\w-]*:", re.MULTILINE)


def _yaml_like(text: str) -> YAML:
    """A round-trip YAML that writes sequences and mappings indented as `text` does, so
    the variant differs from its file only where it was edited."""
    yaml = _yaml()
    try:
        _, sequence, offset = load_yaml_guess_indent(text)
    except YAMLError:
        return yaml
    widths = [len(m.group(1)) for m in _NESTED_KEY.finditer(text)]
    mapping = min(widths) if widths else 2
    if sequence is not None:
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset or 0)
    return yaml


def _item_name(item: Any) -> str | None:
    if isinstance(item, dict):
        for key in _KEYS_OF_ITEMS:
            if isinstance(item.get(key), str):
                return str(item[key])
        return None
    return str(item) if isinstance(item, str) else None


def addressable_paths(data: Any, prefix: str = "") -> Iterator[str]:
    """Every path a `--set` can name in this document (list items by name, else index)."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from addressable_paths(value, path)
    elif isinstance(data, list):
        for i, item in enumerate(data):
            path = f"{prefix}.{_item_name(item) or i}"
            yield path
            if isinstance(item, str):
                yield f"{path}.p"  # a bare effect takes a probability
            yield from addressable_paths(item, path)


def _nearest(path: str, data: Any) -> str:
    paths = list(dict.fromkeys(addressable_paths(data)))
    close = difflib.get_close_matches(path, paths, n=3, cutoff=0.0)
    return ", ".join(close)


def _not_found(edit: Edit, data: Any) -> VariantError:
    return VariantError(
        f"--set {edit.text}: no such path {edit.path!r}; nearest: {_nearest(edit.path, data)}"
    )


def _parse_value(edit: Edit) -> Any:
    try:
        return _yaml().load(edit.value)
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise VariantError(f"--set {edit.text}: the value is not YAML: {problem}") from None


def _find_item(items: list[Any], key: Key) -> int | None:
    if isinstance(key, int):
        return key if 0 <= key < len(items) else None
    for i, item in enumerate(items):
        if _item_name(item) == key:
            return i
    return None


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _shown(value: Any, limit: int = 60) -> str:
    """A value as one short line of YAML, for the comment that records an edit."""
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "source"}
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    value = _plain(value)
    yaml.default_flow_style = True
    yaml.width = 4096
    yaml.dump(value, out)
    text = " ".join(out.getvalue().replace("...", "").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _apply(data: Any, edit: Edit, original: Any) -> tuple[tuple[Key, ...], str]:
    """Apply one edit in place; return the loader's path to the edited node and the old
    value (as text, for the comment). `original` is the unedited document, for
    suggestions."""
    parts = _split(edit.path)
    new = _parse_value(edit)
    node, parent, key = data, None, None
    where: list[Key] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, dict) and isinstance(part, str):
            if part not in node and not last:
                raise _not_found(edit, original)
            parent, key = node, part
            node = node.get(part)
            where.append(part)
        elif isinstance(node, list):
            index = _find_item(node, part)
            if index is None:
                raise _not_found(edit, original)
            parent, key, node = node, index, node[index]
            where.append(index)
        elif isinstance(node, str) and last and part == "p" and isinstance(parent, list):
            # a bare effect `- end_congress` given a probability
            assert isinstance(key, int)
            parent[key] = CommentedMap([("event", node), ("p", new)])
            return (*where, "p"), "1 (always)"
        else:
            raise _not_found(edit, original)
    assert parent is not None and key is not None
    old = "(absent)" if isinstance(parent, dict) and key not in parent else _shown(node)
    if isinstance(node, dict) and not isinstance(new, dict):
        if "value" in node:
            node["value"] = new
            return (*where, "value"), old
        if "source" in node:
            parent[key] = CommentedMap([("value", new), ("source", node["source"])])
            return tuple(where), old
    parent[key] = new
    return tuple(where), old


@dataclass(frozen=True)
class Variant:
    """A scenario edited by `--set`s: its text (comments kept), and the validated model."""

    text: str
    scenario: Scenario
    edits: tuple[Edit, ...]
    base_name: str

    @property
    def label(self) -> str:
        return f"{self.base_name}[{', '.join(e.short for e in self.edits)}]"


def variant_name(name: str, edits: Sequence[Edit]) -> str:
    """The base name plus a short digest of the edits: its own run folders, never mixed
    with the original's, and the same folder name for the same edits."""
    digest = hashlib.sha256("\n".join(e.text for e in edits).encode("utf-8")).hexdigest()
    return f"{name}-set-{digest[:6]}"


def make_variant(
    text: str, edits: Sequence[Edit], file: str = "<scenario>", command: str = "sim compare"
) -> Variant:
    """Apply `edits` in order to scenario `text`; raise VariantError (one line) if a path
    does not exist or the edited scenario is invalid. `command` names what made the variant
    in the comment lines at its top."""
    if not edits:
        raise ValueError("a variant needs at least one edit")
    base = loads(text, file)  # the caller has a valid scenario; this is its name and title
    plain = without_directives(text)
    yaml = _yaml_like(plain)
    data = yaml.load(plain)
    original = yaml.load(plain)
    places = [_apply(data, edit, original) for edit in edits]
    touched = {str(p[0][0]) for p in places if p[0]}
    if "name" not in touched:
        data["name"] = variant_name(base.name, edits)
    if "title" not in touched:
        shown = ", ".join(e.short for e in edits)
        if "title" in data:
            data["title"] = f"{base.title} [{shown}]"
        else:
            data.insert(list(data).index("name") + 1, "title", f"{base.title} [{shown}]")
    out = io.StringIO()
    yaml.dump(data, out)
    header = "".join(
        f"# {command} --set {e.text} (was {old})\n"
        for e, (_, old) in zip(edits, places, strict=True)
    )
    edited = header + out.getvalue()
    try:
        scenario = loads(edited, file)
    except ScenarioError as exc:
        raise _blame(exc, edits, places, original) from None
    return Variant(edited, scenario, tuple(edits), base.name)


def _blame(
    exc: ScenarioError,
    edits: Sequence[Edit],
    places: Sequence[tuple[tuple[Key, ...], str]],
    original: Any,
) -> VariantError:
    """Name the `--set` that made the scenario invalid (the one whose node holds the error)."""
    culprits = [
        e
        for e, (where, _) in zip(edits, places, strict=True)
        if exc.path[: len(where)] == where or where[: len(exc.path)] == exc.path
    ]
    if exc.message.startswith("unknown key") and culprits:
        return _not_found(culprits[-1], original)
    named = culprits[-1:] or list(edits)
    field = f"{dotted(exc.path)}: " if exc.path else ""
    return VariantError(f"--set {'; --set '.join(e.text for e in named)}: {field}{exc.message}")
