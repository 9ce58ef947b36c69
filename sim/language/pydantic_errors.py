"""Turn a pydantic ValidationError into ScenarioErrors a person can act on.

pydantic reports every problem with a machine location; a user wants them in file order, in
words, with the keys that would have been allowed, and never the name of an internal class.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.language.errors import Path, ScenarioError, did_you_mean, in_file_order


def _members(tp: Any) -> list[Any]:
    """The alternatives inside Optional/Union/Annotated, flattened."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_members(arg))
        return out
    return [tp]


def _model_at(root: type[BaseModel], loc: Path) -> type[BaseModel] | None:
    """The model class that validates the mapping at `loc`, if the walk can tell."""
    current: list[Any] = [root]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                field = tp.model_fields.get(str(part))
                if field is not None:
                    nxt.extend(_members(field.annotation))
                continue
            origin = typing.get_origin(tp)
            if origin in (list, tuple) and isinstance(part, int):
                nxt.extend(_members(typing.get_args(tp)[0]))
            elif origin is dict and isinstance(part, str):
                nxt.extend(_members(typing.get_args(tp)[1]))
        current = nxt
    models = [tp for tp in current if isinstance(tp, type) and issubclass(tp, BaseModel)]
    return models[0] if models else None


def allowed_keys(root: type[BaseModel], loc: Path) -> list[str]:
    model = _model_at(root, loc)
    return list(model.model_fields) if model else []


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "nothing (null)"
    return repr(value)


def _message(err: dict[str, Any], root: type[BaseModel], loc: Path) -> tuple[Path, str]:
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = allowed_keys(root, loc[:-1])
        hint = did_you_mean(key, allowed)
        listing = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return loc, f"unknown key {key!r}{hint}{listing}"
    if kind == "missing":
        return loc[:-1], f"missing required key {str(loc[-1])!r}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        allowed = allowed_keys(root, loc)
        model = _model_at(root, loc)
        needed = [k for k, f in model.model_fields.items() if f.is_required()] if model else []
        keys = f" (keys: {', '.join(allowed)}" if allowed else ""
        if keys:
            keys += f"; required: {', '.join(needed)})" if needed else ")"
        got = err.get("input")
        fix = "; write its keys under it, indented" if got is None else ""
        return loc, f"expected a mapping{keys}, got {_describe(got)}{fix}"
    if kind == "list_type":
        got = err.get("input")
        return loc, f"expected a list (write [] for none), got {_describe(got)}"
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
            return loc, msg
    msg = msg[0].lower() + msg[1:]
    if kind == "model_type" or kind.endswith("_type") or kind.startswith("literal"):
        msg += f", got {_describe(err.get('input'))}"
    elif "input" in err and not isinstance(err["input"], dict | list):
        msg += f", got {_describe(err['input'])}"
    return loc, msg


def all_errors(
    exc: ValidationError,
    root: type[BaseModel],
    line_of: typing.Callable[[Path], int | None],
) -> list[ScenarioError]:
    """Every problem, in file order (see `in_file_order`).

    A misspelt key is reported once: as the unknown key with its "did you mean", not also as
    the required key it fails to provide."""
    errors = exc.errors()
    typo_for: set[tuple[Path, str]] = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = tuple(err["loc"])
            for key in difflib.get_close_matches(
                str(loc[-1]), allowed_keys(root, loc[:-1]), n=1, cutoff=0.6
            ):
                typo_for.add((loc[:-1], key))
    found: list[ScenarioError] = []
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and (loc[:-1], str(loc[-1])) in typo_for:
            continue
        path, msg = _message(err, root, loc)
        found.append(ScenarioError(msg, path, line=line_of(loc)))
    return in_file_order(found)


def first_error(
    exc: ValidationError,
    root: type[BaseModel],
    line_of: typing.Callable[[Path], int | None],
) -> ScenarioError:
    """The problem that comes first in the file."""
    return all_errors(exc, root, line_of)[0]
