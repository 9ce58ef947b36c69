"""Limits that keep a hostile scenario file from hanging or exhausting the tool.

A scenario is a few kilobytes of data. A file can still be made to cost far more than its
size: nested aliases expand exponentially (a "billion laughs" of 400 bytes stands for 387
million nodes) and deep nesting exhausts the recursion of the YAML composer. So the text is
checked on the parser's event stream, which costs time linear in the text and never
expands an alias, before anything is built from it:

- at most MAX_BYTES of text;
- at most MAX_NODES nodes once every alias is expanded (an anchor may be reused, but not
  multiplied beyond what a real scenario could hold);
- at most MAX_DEPTH levels of nested mappings and lists, aliases expanded (and, checked
  first on the raw text, at most MAX_DEPTH nested brackets outside quotes and comments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    ScalarEvent,
)

from sim.language.errors import ScenarioError

MAX_BYTES = 1024 * 1024  # 1 MiB: the bundled baseline is under 20 KiB
MAX_NODES = 20_000  # keys, values and items, aliases expanded; the baseline has 421
MAX_DEPTH = 50  # nested mappings and lists; a scenario needs about 6


# brackets, and the quoted strings and comments whose brackets do not count
_FLOW = re.compile(r"""[\[\]{}]|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|(?:^|(?<=\s))#[^\n]*""", re.MULTILINE)


def check_flow_depth(text: str) -> None:
    """Refuse brackets nested past MAX_DEPTH from the raw text, before the YAML scanner:
    its look-ahead for keys makes deep `[[[[...` cost seconds before the first event."""
    depth = 0
    for found in _FLOW.finditer(text):
        char = found.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, found.start()) + 1
                raise _too_deep(line)
        elif char in "]}":
            depth = max(0, depth - 1)


def _too_deep(line: int | None) -> ScenarioError:
    return ScenarioError(
        f"mappings and lists nested more than {MAX_DEPTH} deep; a scenario needs about 6 levels",
        line=line,
    )


def check_size(size: int | None) -> None:
    """Refuse a file longer than MAX_BYTES before reading it as YAML (`None`: longer, of
    unknown size, such as a device or a pipe)."""
    if size is None or size > MAX_BYTES:
        found = "longer than that" if size is None else f"{size:,} bytes"
        raise ScenarioError(
            f"a scenario file may be at most {MAX_BYTES:,} bytes (1 MiB); this one is {found}"
        )


@dataclass
class _Anchored:
    """What an anchor stands for once expanded: its node count and its own depth."""

    nodes: int
    height: int


@dataclass
class _Open:
    """A collection being read: its anchor, the node count at its start, and the deepest
    level reached inside it so far."""

    anchor: str | None
    start: int
    deepest: int


@dataclass
class EventLimits:
    """Fed every parser event in order; raises a ScenarioError at the first limit passed."""

    nodes: int = 0
    depth: int = 0
    aliases: int = 0
    anchors: dict[str, _Anchored] = field(default_factory=dict)
    _open: list[_Open] = field(default_factory=list)

    def see(self, event: Event) -> None:
        line = event.start_mark.line + 1 if event.start_mark is not None else None
        if isinstance(event, CollectionStartEvent):
            self._count(1, line)
            self.depth += 1
            self._reach(self.depth, line)
            anchor = None if event.anchor is None else str(event.anchor)
            self._open.append(_Open(anchor, self.nodes - 1, self.depth))
        elif isinstance(event, CollectionEndEvent):
            done = self._open.pop()
            self.depth -= 1
            if done.anchor is not None:
                self.anchors[done.anchor] = _Anchored(
                    self.nodes - done.start, done.deepest - self.depth
                )
        elif isinstance(event, ScalarEvent):
            self._count(1, line)
            if event.anchor is not None:
                self.anchors[str(event.anchor)] = _Anchored(1, 0)
        elif isinstance(event, AliasEvent):
            # an alias of an anchor still open (a loop) is refused later by the composer
            self.aliases += 1
            target = self.anchors.get(str(event.anchor), _Anchored(1, 0))
            self._count(target.nodes, line)
            self._reach(self.depth + target.height, line)

    def _count(self, n: int, line: int | None) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:
            how = " once its aliases (*name) are expanded" if self.aliases else ""
            fix = ": write the values out or reuse fewer aliases" if self.aliases else ""
            raise ScenarioError(
                f"the file holds more than {MAX_NODES:,} values{how}; a scenario needs far "
                f"fewer (the bundled baseline has about 400){fix}",
                line=line,
            )

    def _reach(self, depth: int, line: int | None) -> None:
        for frame in reversed(self._open):
            if frame.deepest >= depth:
                break  # the outer ones reached it already
            frame.deepest = depth
        if depth > MAX_DEPTH:
            raise _too_deep(line)
