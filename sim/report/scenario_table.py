"""The scenario as a table a reader can audit: every value, as written, beside its source.

The table walks the YAML text itself (composed nodes, not the validated model) so that each
value is shown exactly as the author wrote it. A `source:` key on a mapping belongs to that
mapping's value: `{value: 0.3, source: ...}` and `{dist: beta, ..., source: ...}` are one
value with its source; on any other mapping (an event's `{date, source}`, a `votes` mapping,
challenge `outcomes`) the source covers every value inside that has none of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from sim.language.yaml_reading import without_directives

# Shown in the report's heading instead (they say what was run, not what was assumed).
_HEADING_KEYS = frozenset({"name", "title", "description", "trials", "seed"})
# Keys that name a list item; they become part of the path instead of rows.
_ITEM_NAMES = ("name", "event")


@dataclass(frozen=True)
class Row:
    path: str  # e.g. routes.unilateral_notice.gates.decides_to_defy_1250a.p
    value: str  # as written
    source: str | None  # None: the scenario gives no source for this value

    @property
    def group(self) -> str:
        """The part of the scenario it belongs to: `routes.<name>`, `events`, `treaty`...;
        empty for a top-level value (`start`, `horizon`)."""
        parts = self.path.split(".")
        if len(parts) == 1:
            return ""
        return ".".join(parts[:2]) if parts[0] == "routes" and len(parts) > 2 else parts[0]

    @property
    def parts(self) -> list[str]:
        return self.path.split(".")


class ScenarioTextError(ValueError):
    """The scenario text cannot be read as YAML."""


def _pairs(node: MappingNode) -> list[tuple[str, Node]]:
    return [(str(k.value), v) for k, v in node.value if isinstance(k, ScalarNode)]


def _text(node: ScalarNode) -> str:
    """The scalar as written; ruamel marks the folds of a `>` scalar with BEL characters."""
    return str(node.value).replace("\a", "")


def _scalar(node: Node | None) -> str | None:
    return _text(node) if isinstance(node, ScalarNode) else None


def _flow(node: Node) -> str:
    """A value as one line of flow YAML, without its source."""
    if isinstance(node, ScalarNode):
        return _text(node)
    if isinstance(node, SequenceNode):
        return "[" + ", ".join(_flow(item) for item in node.value) + "]"
    if isinstance(node, MappingNode):
        inner = ", ".join(f"{k}: {_flow(v)}" for k, v in _pairs(node) if k != "source")
        return "{" + inner + "}"
    return ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _item_key(item: Node, index: int) -> str:
    if isinstance(item, MappingNode):
        named = dict(_pairs(item))
        for key in _ITEM_NAMES:
            name = _scalar(named.get(key))
            if name:
                return name
    return f"[{index}]"


def _walk(node: Node, path: str, source: str | None, out: list[Row], item: bool) -> None:
    if isinstance(node, MappingNode):
        pairs = _pairs(node)
        keys = {k for k, _ in pairs}
        own = _scalar(dict(pairs).get("source"))
        here = own if own is not None else source
        if "value" in keys:  # {value: X, source: ...}
            out.append(Row(path, _flow(dict(pairs)["value"]), here))
            return
        if "dist" in keys:  # a distribution with its parameters
            out.append(Row(path, _flow(node), here))
            return
        for key, value in pairs:
            if key == "source" or (item and key in _ITEM_NAMES):
                continue
            if not path and key in _HEADING_KEYS:
                continue
            _walk(value, _join(path, key), here, out, item=False)
    elif isinstance(node, SequenceNode):
        for index, element in enumerate(node.value):
            if isinstance(element, ScalarNode):  # e.g. dies_on: [end_119th_congress]
                out.append(Row(path, _text(element), source))
            else:
                _walk(element, _join(path, _item_key(element, index)), source, out, item=True)
    elif isinstance(node, ScalarNode):
        out.append(Row(path, _text(node), source))


def rows(text: str) -> list[Row]:
    """Every value of a scenario text, in file order."""
    try:
        node = YAML(typ="rt").compose(without_directives(text))
    except YAMLError as exc:
        raise ScenarioTextError(f"not valid YAML: {str(exc).splitlines()[0]}") from None
    out: list[Row] = []
    if node is not None:
        _walk(node, "", None, out, item=False)
    return out
