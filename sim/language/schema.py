"""The shape of a scenario file, as pydantic models: which keys exist, which are required,
what their defaults are. It checks structure only; `build.py` gives the values meaning.

The same models give the JSON Schema that editors use for completion (`sim schema`).
"""

# No `from __future__ import annotations`: pydantic evaluates these annotations.

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from sim.language.model import MAX_TRIALS, check_trials
from sim.language.value_parsing import Source, input_type, written
from sim.language.values import Kind

NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]*$"
FILE_SAFE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"  # a folder name: at most 100
STARTS_PATTERN = r"^(at_start|after\s+[A-Za-z][A-Za-z0-9_-]*)$"

Probability = written(input_type(Kind.PROBABILITY))
Duration = written(input_type(Kind.DURATION))
Count = written(input_type(Kind.COUNT))
Rate = written(input_type(Kind.RATE))


DATE_PATTERN = r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$"


def iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD text is a date; pydantic alone would read 20261125 as a timestamp."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"{value.strip()} is not a real date ({exc})") from None


Date = Annotated[
    dt.date,
    BeforeValidator(iso_date),
    Field(description="YYYY-MM-DD", json_schema_extra={"pattern": DATE_PATTERN}),
]


def _quoted_whole(value: Any) -> Any:
    """`"5000"` is read as 5000, as every quoted number is (see value_parsing)."""
    if isinstance(value, str) and re.fullmatch(r"\s*\+?[0-9]+\s*", value):
        return int(value)
    return value


def _exactly_one(*keys: str) -> dict[str, Any]:
    """JSON Schema for 'exactly one of these keys', as the model validators check."""
    return {"oneOf": [{"required": [key]} for key in keys]}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EffectIn(_Section):
    """An event's effect that happens with probability `p` (default 1)."""

    event: str
    p: Probability = 1.0
    source: Source = None
    until: str | None = Field(
        None,
        description="dies_on only: the route dies on the event only while this gate of the "
        "route has not passed",
        json_schema_extra={"pattern": NAME_PATTERN},
    )


Effect = written(str | EffectIn)


class TreatyIn(_Section):
    name: str = Field("treaty", description="The treaty and exit clause being simulated")
    notice_period: Duration = Field(description="Exit takes effect this long after the notice")
    source: Source = None
    earliest_notice: Date | None = Field(
        None, description="No notice may be deposited before this date; a route waits for it"
    )


class RateChangeIn(_Section):
    """From the moment `at` (an event, a run moment, or a date) the hazard runs at this rate."""

    at: Any = Field(
        description="An event name, 'notice_deposited', or a date YYYY-MM-DD",
        json_schema_extra={
            "anyOf": [
                {"type": "string", "pattern": NAME_PATTERN},
                {"type": "string", "pattern": DATE_PATTERN},
            ]
        },
    )
    hazard_per_year: Rate = Field(description="The rate per 365.25 days from that moment")
    source: Source = None


class EventIn(_Section):
    """A dated event (`date`) or one that may happen at any moment (`hazard_per_year`)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=_exactly_one("date", "hazard_per_year")
    )

    date: Date | None = None
    hazard_per_year: Rate = Field(None, description="Rate per 365.25 days from `start`")
    after: str | None = Field(
        None,
        description="Hazard events only: the clock starts when this event (or "
        "'notice_deposited') happens, never if it never does",
        json_schema_extra={"pattern": NAME_PATTERN},
    )
    rate_changes: list[RateChangeIn] = Field(
        default_factory=list,
        description="Hazard events only: piecewise constant rates; dated changes in date order",
    )
    source: Source = None

    @model_validator(mode="after")
    def _one_timing(self) -> "EventIn":
        if (self.date is None) == (self.hazard_per_year is None):
            raise ValueError("an event has exactly one of 'date' and 'hazard_per_year'")
        return self


class VotesIn(_Section):
    needed: Any = Field(
        description="Whole number of ayes needed (a constant, or {value: n, source: ...})",
        json_schema_extra={
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {
                    "type": "object",
                    "properties": {
                        "value": {"type": "integer", "minimum": 0},
                        "source": {"type": "string"},
                    },
                    "required": ["value"],
                    "additionalProperties": False,
                },
            ]
        },
    )
    ayes: Count = Field(description="Ayes cast; drawn, then rounded (halves up)")
    source: Source = None


class GateIn(_Section):
    """One step a route must pass: wait `delay`, then pass with probability `p` or by votes."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_exactly_one("p", "votes"))

    name: str = Field(json_schema_extra={"pattern": NAME_PATTERN})
    delay: Duration = "0d"
    p: Probability = None
    votes: VotesIn | None = None

    @model_validator(mode="after")
    def _one_test(self) -> "GateIn":
        if (self.p is None) == (self.votes is None):
            raise ValueError("a gate has exactly one of 'p' and 'votes'")
        return self


class OutcomesIn(_Section):
    voids_notice: written(float) = 0.0
    dismissed: written(float) = 0.0
    upheld: written(float) = 0.0
    source: Source = None


class AppealIn(_Section):
    """A higher court that may reverse a ruling voiding the notice."""

    delay: Duration = Field(description="Time from the voiding ruling to the appeal's decision")
    reverses: Probability = Field(description="Probability that the appeal reverses the voiding")
    source: Source = None


class ChallengeIn(_Section):
    """A court challenge filed when this route's notice is deposited."""

    name: str = Field(json_schema_extra={"pattern": NAME_PATTERN})
    delay: Duration = Field(description="Time from the deposit to the ruling")
    outcomes: OutcomesIn
    appeal: AppealIn | None = None


class RouteIn(_Section):
    """A legal path to a notice. Routes race; the first notice wins."""

    starts: str = Field(
        "at_start",
        description="'at_start' or 'after <event>'",
        json_schema_extra={"pattern": STARTS_PATTERN},
    )
    gates: list[GateIn]
    dies_on: list[Effect] = Field(default_factory=list)
    notice_within: Duration = "0d"
    challenges: list[ChallengeIn] = Field(default_factory=list)
    notice_effective_as_of: Date | None = Field(
        None,
        description="The notice period runs from this date when the notice is deposited "
        "on or before it (Taiwan 1978)",
    )


class NoticeIn(_Section):
    revoked_by: list[Effect] = Field(default_factory=list)


class GateByIn(_Section):
    """P(a route's gate passed on or before a date)."""

    route: str = Field(json_schema_extra={"pattern": NAME_PATTERN})
    gate: str = Field(json_schema_extra={"pattern": NAME_PATTERN})
    date: Date


class QuantityIn(_Section):
    """The model figure that answers an external forecast: exactly one of these."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra=_exactly_one("p_notice_by", "p_exit_by", "p_gate_by")
    )

    p_notice_by: Date | None = Field(None, description="P(a notice deposited on or before)")
    p_exit_by: Date | None = Field(None, description="P(the exit took effect on or before)")
    p_gate_by: GateByIn | None = None

    @model_validator(mode="after")
    def _one_quantity(self) -> "QuantityIn":
        given = [k for k in ("p_notice_by", "p_exit_by", "p_gate_by") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "a quantity has exactly one of 'p_notice_by', 'p_exit_by' and 'p_gate_by'"
            )
        return self


class ReferenceIn(_Section):
    """An external forecast shown beside the model figure that answers it (not an input)."""

    question: str = Field(description="The forecast's question, in its own words")
    value: Annotated[float, Field(ge=0, le=1, description="Its probability, 0 to 1")]
    observed: Date = Field(description="The day the value was seen")
    source: str = Field(description="A seeds/digest.yaml id first, then free text")
    quantity: QuantityIn


class ScenarioIn(_Section):
    """A withdrawal-sim scenario."""

    model_config = ConfigDict(extra="forbid", title="withdrawal-sim scenario")

    name: str = Field(
        description="File-safe id; names the output folder",
        json_schema_extra={"pattern": FILE_SAFE_PATTERN},
    )
    title: str | None = None
    description: str | None = None
    start: Date
    horizon: Date
    trials: Annotated[int, BeforeValidator(_quoted_whole), AfterValidator(check_trials)] = Field(
        10000, strict=True, ge=1, json_schema_extra={"maximum": MAX_TRIALS}
    )
    seed: Annotated[int, BeforeValidator(_quoted_whole)] = Field(0, strict=True, ge=0)
    treaty: TreatyIn
    events: dict[str, EventIn] = Field(
        default_factory=dict, json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}}
    )
    routes: dict[str, RouteIn] = Field(
        json_schema_extra={"propertyNames": {"pattern": NAME_PATTERN}}
    )
    notice: NoticeIn = Field(default_factory=NoticeIn)
    references: list[ReferenceIn] = Field(
        default_factory=list,
        description="External forecasts, shown beside the model figure that answers each",
    )


def json_schema() -> dict[str, Any]:
    schema = ScenarioIn.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://withdrawal-sim.invalid/scenario.schema.json",
        **schema,
    }
