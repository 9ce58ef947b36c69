"""The written forms of an uncertain value, and their meaning.

A value is written as a constant (`0.3`, `30d`), a 90% interval (`30d to 180d`), a constant
with its source (`{value: 0.05, source: ...}`) or a distribution (`{dist: beta, mean: .06,
sd: .04, source: ...}`). The mapping forms are pydantic models, so their keys are checked and
the JSON Schema for editors comes from the same definitions.
"""

# No `from __future__ import annotations`: the factory below builds pydantic models whose
# annotations must be evaluated where they are written.

import math
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, create_model

from sim.language.durations import (
    DAYS_PER_MONTH,
    DURATION_HELP,
    DURATION_PATTERN,
    looks_like_duration,
    parse_duration,
)
from sim.language.errors import ScenarioError, did_you_mean
from sim.language.pydantic_errors import first_error
from sim.language.values import (
    Beta,
    Choice,
    Constant,
    Kind,
    LogitNormal,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
    Value,
)

# A number as written in YAML (also inside quotes: `p: "0.5"` is the number 0.5, as a quoted
# date is a date). Only non-negative numbers have a use in a scenario.
NUMBER_PATTERN = r"\+?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_SIGNED_NUMBER = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
_DURATION_TEXT = DURATION_PATTERN.strip("^$")


def _interval_pattern(side: str) -> str:
    return rf"^\s*{side}\s+to\s+{side}\s*$"


INTERVAL_PATTERN = {
    Kind.PROBABILITY: _interval_pattern(NUMBER_PATTERN),
    Kind.DURATION: _interval_pattern(f"(?:{_DURATION_TEXT})"),
    Kind.COUNT: _interval_pattern(NUMBER_PATTERN),
    Kind.RATE: _interval_pattern(NUMBER_PATTERN),
}


def number_in_text(text: str) -> float | None:
    """The number a quoted YAML scalar holds (`"0.5"`), or None if it holds something else."""
    return float(text) if _SIGNED_NUMBER.fullmatch(text) else None


DISTRIBUTIONS = ("uniform", "triangular", "pert", "lognormal", "normal", "beta", "choice")
BETA_KINDS = (Kind.PROBABILITY, Kind.RATE)

_HELP = {
    Kind.PROBABILITY: "a probability: a number in [0, 1], 'a to b', {value: ...} or {dist: ...}",
    Kind.DURATION: f"{DURATION_HELP}, 'a to b', {{value: ...}} or {{dist: ...}}",
    Kind.COUNT: "a count: a number >= 0, 'a to b', {value: ...} or {dist: ...}",
    Kind.RATE: "a rate per year: a number >= 0, 'a to b', {value: ...} or {dist: ...}",
}


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid")


Source = Annotated[
    str | None,
    Field(
        description="Where the number comes from: a seeds/ id, a statute, "
        "a dataset, or 'judgment: why'."
    ),
]


def _interval_type(kind: Kind) -> Any:
    return Annotated[
        str, Field(pattern=INTERVAL_PATTERN[kind], description="90% interval 'a to b'")
    ]


def written(schema_type: Any) -> Any:
    """A field pydantic passes through untouched, documented in the JSON Schema as
    `schema_type`: its meaning is checked here, where the messages can be precise."""
    return Annotated[Any, PlainValidator(lambda v: v, json_schema_input_type=schema_type)]


def _scalar_type(kind: Kind) -> Any:
    if kind is Kind.DURATION:
        return (
            Annotated[str, Field(pattern=DURATION_PATTERN, description=DURATION_HELP)] | Literal[0]
        )
    if kind is Kind.PROBABILITY:
        return Annotated[float, Field(strict=True, ge=0, le=1)]
    return Annotated[float, Field(strict=True, ge=0)]


def _forms(kind: Kind) -> dict[str, type[BaseModel]]:
    """The mapping forms for one kind of value: `value` plus one model per distribution."""
    s = written(_scalar_type(kind))
    name = kind.value.capitalize()
    number = written(float)

    def model(title: str, **fields: Any) -> type[BaseModel]:
        return create_model(f"{title}{name}", __base__=_Form, source=(Source, None), **fields)

    forms = {
        "value": model("Fixed", value=(written(_scalar_type(kind) | _interval_type(kind)), ...)),
        "uniform": model("Uniform", dist=(Literal["uniform"], ...), min=(s, ...), max=(s, ...)),
        "triangular": model(
            "Triangular",
            dist=(Literal["triangular"], ...),
            min=(s, ...),
            mode=(s, ...),
            max=(s, ...),
        ),
        "pert": model(
            "Pert", dist=(Literal["pert"], ...), min=(s, ...), mode=(s, ...), max=(s, ...)
        ),
        "lognormal": model(
            "Lognormal", dist=(Literal["lognormal"], ...), p5=(s, ...), p95=(s, ...)
        ),
        "normal": model("Normal", dist=(Literal["normal"], ...), mean=(s, ...), sd=(s, ...)),
        "beta": model(
            "Beta",
            dist=(Literal["beta"], ...),
            a=(number, None),
            b=(number, None),
            mean=(number, None),
            sd=(number, None),
        ),
        "choice": model(
            "Choice",
            dist=(Literal["choice"], ...),
            values=(written(list[_scalar_type(kind)]), ...),
            weights=(written(list[float] | None), None),
        ),
    }
    if kind not in BETA_KINDS:  # beta draws lie in [0, 1]
        del forms["beta"]
    return forms


FORMS: dict[Kind, dict[str, type[BaseModel]]] = {kind: _forms(kind) for kind in Kind}


def input_type(kind: Kind) -> Any:
    """The written forms of a `kind` value as one type, for the JSON Schema."""
    forms = FORMS[kind]
    dists = Annotated[
        Union[tuple(forms[d] for d in DISTRIBUTIONS if d in forms)],  # noqa: UP007
        Field(discriminator="dist"),
    ]
    fixed = forms["value"]
    return _scalar_type(kind) | _interval_type(kind) | fixed | dists


def _check(ok: bool, message: str, *path: str | int) -> None:
    if not ok:
        raise ScenarioError(message, tuple(path))


def _in_range(x: float, kind: Kind, *path: str | int) -> float:
    if kind is Kind.PROBABILITY:
        _check(0 <= x <= 1, f"a probability must be between 0 and 1, got {x:g}", *path)
    else:
        _check(x >= 0, f"must be >= 0, got {x:g}", *path)
    _check(math.isfinite(x), f"must be a finite number, got {x}", *path)
    return float(x)


def _percent(text: str) -> str:
    """A percentage as the fraction to write instead (a plain number is kept)."""
    text = text.strip()
    if not text.endswith("%"):
        return text
    number = number_in_text(text[:-1])
    return "a fraction" if number is None else f"{number / 100:g}"


def _num(raw: Any, *path: str | int) -> float:
    """A finite number, written plain or quoted (`"0.5"`)."""
    if isinstance(raw, str) and number_in_text(raw) is not None:
        raw = number_in_text(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        got = "a boolean" if isinstance(raw, bool) else repr(raw)
        hint = ""
        if isinstance(raw, str) and raw.strip().endswith("%"):
            hint = f" (write {_percent(raw)} for {raw.strip()}: no % sign)"
        raise ScenarioError(f"expected a number, got {got}{hint}", tuple(path))
    _check(math.isfinite(raw), f"must be a finite number, got {raw}", *path)
    return float(raw)


def _scalar(raw: Any, kind: Kind, *path: str | int) -> float:
    """A number of the kind's unit (days for durations) inside an interval or distribution."""
    if kind is Kind.DURATION:
        if not isinstance(raw, str):
            if isinstance(raw, int | float) and not isinstance(raw, bool) and raw == 0:
                return 0.0  # the one number that needs no unit
            raise ScenarioError(
                f"a duration needs a unit: {DURATION_HELP}, got {raw!r}", tuple(path)
            )
        try:
            return parse_duration(raw).days
        except ValueError as exc:
            raise ScenarioError(str(exc), tuple(path)) from None
    return _in_range(_num(raw, *path), kind, *path)


def _constant_text(text: str, kind: Kind) -> Constant:
    if kind is not Kind.DURATION:
        hint = ""
        if text.strip().endswith("%"):
            hint = f" (write {_percent(text)} for {text.strip()}: no % sign)"
        raise ScenarioError(f"expected {_HELP[kind]}, got {text!r}{hint}")
    try:
        d = parse_duration(text)
    except ValueError as exc:
        raise ScenarioError(str(exc)) from None
    if not d.is_calendar:
        return Constant(kind, d.days)
    months = d.months
    if abs(months - round(months)) > 1e-9:
        raise ScenarioError(
            f"a constant in months or years must be whole months (1.5y = 18 months), got "
            f"{text.strip()!r}; write days for anything finer"
        )
    return Constant(kind, round(months) * DAYS_PER_MONTH, months=round(months))


def _interval(text: str, kind: Kind) -> Value:
    low_text, high_text = (part.strip() for part in text.split(" to ", 1))
    if kind is not Kind.DURATION and (low_text.endswith("%") or high_text.endswith("%")):
        raise ScenarioError(
            f"expected numbers on both sides of 'a to b', got {text.strip()!r} (write "
            f"{_percent(low_text)} to {_percent(high_text)}: no % sign)"
        )
    low, high = _scalar(low_text, kind), _scalar(high_text, kind)
    if kind is Kind.PROBABILITY:
        _check(0 < low < high < 1, f"'a to b' for a probability needs 0 < a < b < 1, got {text!r}")
        return LogitNormal(kind, low, high)
    _check(0 < low < high, f"'a to b' needs 0 < a < b, got {text!r}")
    return LogNormal(kind, low, high)


def _text(text: str, kind: Kind) -> Value:
    number = number_in_text(text)
    if number is not None and kind is not Kind.DURATION:
        return Constant(kind, _in_range(number, kind))
    if " to " in text:
        return _interval(text, kind)
    if kind is not Kind.DURATION and looks_like_duration(text):
        raise ScenarioError(f"expected {_HELP[kind]}, got a duration {text!r}")
    return _constant_text(text, kind)


def _validated(raw: dict[str, Any], model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise first_error(exc, model, lambda loc: None) from None


def _distribution(raw: dict[str, Any], kind: Kind) -> Value:
    name = raw.get("dist")
    forms = FORMS[kind]
    if not isinstance(name, str) or name not in DISTRIBUTIONS:
        hint = did_you_mean(str(name), DISTRIBUTIONS)
        raise ScenarioError(
            f"unknown distribution {name!r}{hint}; allowed: {', '.join(DISTRIBUTIONS)}", ("dist",)
        )
    if name == "beta" and kind not in BETA_KINDS:
        raise ScenarioError(
            "beta draws lie in [0, 1]: use it for probabilities and rates", ("dist",)
        )
    form = _validated(raw, forms[name])
    src = form.source

    def sc(field: str) -> float:
        return _scalar(getattr(form, field), kind, field)

    if name == "uniform":
        lo, hi = sc("min"), sc("max")
        _check(lo <= hi, f"min ({lo:g}) must not exceed max ({hi:g})", "max")
        return Uniform(kind, lo, hi, source=src)
    if name in ("triangular", "pert"):
        lo, mode, hi = sc("min"), sc("mode"), sc("max")
        _check(lo < hi, f"min ({lo:g}) must be less than max ({hi:g})", "max")
        _check(lo <= mode <= hi, f"mode ({mode:g}) must lie between min and max", "mode")
        cls = Triangular if name == "triangular" else Pert
        return cls(kind, lo, mode, hi, source=src)
    if name == "lognormal":
        p5, p95 = sc("p5"), sc("p95")
        _check(0 < p5 < p95, f"lognormal needs 0 < p5 < p95, got {p5:g} and {p95:g}", "p95")
        return LogNormal(kind, p5, p95, source=src)
    if name == "normal":
        mean = sc("mean")
        sd = _scalar(form.sd, kind if kind is Kind.DURATION else Kind.RATE, "sd")
        return Normal(kind, mean, sd, source=src)
    if name == "beta":
        return _beta(form, kind)
    _check(
        isinstance(form.values, list) and len(form.values) > 0,
        "choice needs a non-empty list of values",
        "values",
    )
    values = [_scalar(v, kind, "values", i) for i, v in enumerate(form.values)]
    if form.weights is None:
        weights = [1.0] * len(values)
    else:
        _check(isinstance(form.weights, list), "weights must be a list of numbers", "weights")
        weights = [_num(w, "weights", i) for i, w in enumerate(form.weights)]
    _check(
        len(weights) == len(values),
        f"{len(weights)} weights for {len(values)} values; give one weight per value",
        "weights",
    )
    _check(
        all(w >= 0 for w in weights) and sum(weights) > 0,
        "weights must be >= 0 with a positive sum",
        "weights",
    )
    return Choice(kind, tuple(values), tuple(float(w) for w in weights), source=src)


def _beta(form: Any, kind: Kind) -> Beta:
    a, b, mean, sd = (
        None if getattr(form, f) is None else _num(getattr(form, f), f)
        for f in ("a", "b", "mean", "sd")
    )
    pair_ab = a is not None or b is not None
    pair_ms = mean is not None or sd is not None
    _check(pair_ab != pair_ms, "beta takes either a and b, or mean and sd", "dist")
    if pair_ab:
        _check(a is not None and a > 0, f"a must be > 0, got {a}", "a")
        _check(b is not None and b > 0, f"b must be > 0, got {b}", "b")
        return Beta(kind, a, b, source=form.source)
    _check(mean is not None and 0 < mean < 1, f"mean must be between 0 and 1, got {mean}", "mean")
    _check(sd is not None and sd > 0, f"sd must be > 0, got {sd}", "sd")
    limit = math.sqrt(mean * (1 - mean))
    _check(sd < limit, f"sd must be below sqrt(mean*(1-mean)) = {limit:.4g}, got {sd:g}", "sd")
    k = mean * (1 - mean) / sd**2 - 1
    return Beta(kind, mean * k, (1 - mean) * k, source=form.source)


def parse_value(raw: Any, kind: Kind) -> Value:
    """A written value -> a Value; errors carry the path inside the value."""
    if isinstance(raw, bool) or raw is None:
        what = "a boolean" if isinstance(raw, bool) else "nothing"
        raise ScenarioError(f"expected {_HELP[kind]}, got {what}")
    if isinstance(raw, int | float):
        return Constant(kind, _scalar(raw, kind))
    if isinstance(raw, str):
        return _text(raw, kind)
    if isinstance(raw, dict):
        if "dist" in raw:
            return _distribution(raw, kind)
        if "value" in raw:
            form = _validated(raw, FORMS[kind]["value"])
            inner = raw["value"]
            if isinstance(inner, dict | list):
                raise ScenarioError(f"expected a number or text here; {_HELP[kind]}", ("value",))
            try:
                value = parse_value(inner, kind)
            except ScenarioError as exc:
                raise exc.within(("value",)) from None
            return value.with_source(form.source)
        keys = ", ".join(map(str, raw))
        raise ScenarioError(
            f"a value mapping needs 'value' or 'dist' (found {keys or 'no keys'}); "
            f"expected {_HELP[kind]}"
        )
    raise ScenarioError(f"expected {_HELP[kind]}, got a list")
