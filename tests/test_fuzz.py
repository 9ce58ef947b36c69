"""Fuzzing the scenario loader: mutated bundled scenarios and random YAML either load or
raise a ScenarioError whose every line is `file[:line]: ...`; never another exception, never
a hang.

CI runs a few hundred examples. For more (each test gets N):

    SIM_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from test_cli import GOOD

from sim import bundled
from sim.language import ScenarioError, loads

EXAMPLES = int(os.environ.get("SIM_FUZZ_EXAMPLES", "0"))
HANG_SECONDS = 10  # far above any honest load; only a hang gets there
FILE = "fuzz.yaml"
ONE_LINE = re.compile(rf"^{re.escape(FILE)}(:\d+)?: [^\n]+$")

BUNDLED = sorted(bundled.folder().glob("*.yaml"))
TEXTS = [GOOD, *(p.read_text(encoding="utf-8") for p in BUNDLED)]
PUNCTUATION = [*":-[]{},#&*!|>'\"%@`?\t\n ", ": ", "- ", "\n  ", "---\n", "...", "~"]
PUNCTUATION += ["&a ", "*a", "<<: *a\n", "!!str ", "\r", "\u2028"]  # anchors, merges, tags


def fuzz_settings(examples: int) -> Any:
    return settings(
        max_examples=EXAMPLES or examples,
        deadline=timedelta(seconds=HANG_SECONDS),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=not EXAMPLES,  # CI: the same examples every time
        database=None,
    )


@contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Fail a load that runs past `seconds` (the deadline alone waits for it to end)."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"loading took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check(text: str) -> None:
    """Loads, or every line of its ScenarioError is one `file[:line]: ...` message."""
    with no_hang():
        try:
            loads(text, FILE)
        except ScenarioError as exc:
            lines = [str(e) for e in exc.errors]
            assert lines, "a ScenarioError with no problem"
            for line in lines:
                assert ONE_LINE.match(line), repr(line)
            assert str(exc).splitlines() == lines


# --- mutations of real scenarios -----------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["1y", "30d to 90d", "0d", "-5d", "2026-02-30", "after e", "0.5", "1e999"]),
)


def _data(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _dump(data: Any) -> str:
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.dump(data, out)
    return out.getvalue()


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*path, i)
            yield from _paths(value, (*path, i))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutated_data(draw: st.DrawFn) -> str:
    """Parse a scenario, then delete, retype, swap and rename its parts, and write it back."""
    data = _data(draw(st.sampled_from(TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(data))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        action = draw(st.sampled_from(["delete", "retype", "swap", "rename", "nest"]))
        if action == "delete":
            del parent[key]
        elif action == "retype":
            parent[key] = draw(SCALARS | st.lists(SCALARS, max_size=3) | st.just({}))
        elif action == "swap":
            other = draw(st.sampled_from(paths))
            if other[: len(path)] == path or path[: len(other)] == other:
                continue  # one holds the other: a swap would make a loop
            other_parent = _parent(data, other)
            with contextlib.suppress(KeyError, IndexError, TypeError):
                parent[key], other_parent[other[-1]] = other_parent[other[-1]], parent[key]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(key)
        elif action == "nest":
            twin = copy.deepcopy(parent[key])  # not shared: a later swap could make a loop
            parent[key] = {"value": parent[key], draw(st.text(max_size=8)): twin}
    return _dump(data)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """Edit a scenario's text: truncate it, insert punctuation, duplicate or drop lines."""
    text = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        action = draw(st.sampled_from(["truncate", "insert", "duplicate", "drop", "indent"]))
        at = draw(st.integers(0, max(0, len(text) - 1)))
        n = draw(st.integers(0, len(lines) - 1))
        if action == "truncate":
            text = text[:at]
        elif action == "insert":
            text = text[:at] + draw(st.sampled_from(PUNCTUATION)) + text[at:]
        elif action == "duplicate":
            text = "\n".join([*lines[: n + 1], lines[n], *lines[n + 1 :]])
        elif action == "drop":
            text = "\n".join(lines[:n] + lines[n + 1 :])
        else:
            text = "\n".join([*lines[:n], "  " + lines[n], *lines[n + 1 :]])
    return text


@fuzz_settings(100)
@given(mutated_text())
def test_mutated_text_loads_or_says_what_is_wrong(text: str) -> None:
    check(text)


@fuzz_settings(30)
@given(mutated_data())
def test_mutated_data_loads_or_says_what_is_wrong(text: str) -> None:
    check(text)


# --- random YAML ----------------------------------------------------------------------------

KEYS = st.sampled_from(
    ["name", "start", "horizon", "trials", "seed", "treaty", "events", "routes", "gates", "p"]
) | st.text(max_size=10)
YAML_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


@fuzz_settings(100)
@given(st.dictionaries(KEYS, YAML_VALUES, max_size=8) | YAML_VALUES)
def test_random_yaml_loads_or_says_what_is_wrong(data: Any) -> None:
    check(_dump(data))


@fuzz_settings(150)
@given(st.lists(st.sampled_from([*PUNCTUATION, "a", "1", "é", "\x00", "\ufeff"])).map("".join))
def test_random_text_loads_or_says_what_is_wrong(text: str) -> None:
    check(text)


def test_a_gate_without_a_name_is_one_line_not_a_crash() -> None:
    """Found by the fuzz test: a nameless gate in a route that also has dies_on."""
    from sim.language import ScenarioError, loads

    text = (
        "name: s\nstart: 2027-01-01\nhorizon: 2028-01-01\ntreaty: {notice_period: 1y}\n"
        "events: {e: {date: 2027-06-01}}\n"
        "routes:\n  r:\n    dies_on: [e]\n    gates:\n      - {delay: 10d, p: 0.5}\n"
    )
    try:
        loads(text, "s.yaml")
    except ScenarioError as exc:
        assert "missing required key 'name'" in str(exc)
        assert all(line.startswith("s.yaml:") for line in str(exc).splitlines())
    else:
        raise AssertionError("a gate without a name was accepted")
