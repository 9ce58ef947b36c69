"""Give a structurally valid scenario its meaning: parse every value, resolve every event
name, and check what the schema cannot (dates in order, sums, unique names)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from sim.language.errors import Path, ScenarioError, did_you_mean
from sim.language.model import (
    Challenge,
    Effect,
    Event,
    Gate,
    Route,
    Scenario,
    Treaty,
    Votes,
)
from sim.language.pydantic_errors import first_error
from sim.language.schema import (
    FILE_SAFE_PATTERN,
    NAME_PATTERN,
    EffectIn,
    GateIn,
    RouteIn,
    ScenarioIn,
)
from sim.language.value_parsing import parse_value
from sim.language.values import Constant, Kind, Value


def _value(raw: Any, kind: Kind, path: Path) -> Value:
    try:
        return parse_value(raw, kind)
    except ScenarioError as exc:
        raise exc.within(path) from None


_NAME_RULES = {
    NAME_PATTERN: "must start with a letter and use only letters, digits, _ and -",
    FILE_SAFE_PATTERN: "must be file-safe: start with a letter or digit, then letters, "
    "digits, _ . and -",
}


def _name(name: str, what: str, path: Path, pattern: str = NAME_PATTERN) -> str:
    if not re.fullmatch(pattern, name):
        raise ScenarioError(f"{what} {name!r} {_NAME_RULES[pattern]}", path)
    return name


def _event_ref(name: Any, events: dict[str, Event], path: Path) -> str:
    if not isinstance(name, str) or name not in events:
        known = ", ".join(events) or "none defined"
        raise ScenarioError(
            f"unknown event {name!r}{did_you_mean(str(name), events)}; events: {known}", path
        )
    return name


def _effects(raws: list[Any], events: dict[str, Event], path: Path) -> tuple[Effect, ...]:
    out: list[Effect] = []
    for i, raw in enumerate(raws):
        here = (*path, i)
        if isinstance(raw, str):
            out.append(Effect(_event_ref(raw, events, here), Constant(Kind.PROBABILITY, 1.0)))
            continue
        if not isinstance(raw, dict):
            raise ScenarioError("expected an event name or {event: name, p: probability}", here)
        try:
            form = EffectIn.model_validate(raw)
        except ValidationError as exc:
            raise first_error(exc, EffectIn, lambda loc: None).within(here) from None
        p = _value(form.p, Kind.PROBABILITY, (*here, "p"))
        if form.source and p.source is None:
            p = p.with_source(form.source)
        out.append(Effect(_event_ref(form.event, events, (*here, "event")), p))
    for i, effect in enumerate(out):
        if any(e.event == effect.event for e in out[:i]):
            raise ScenarioError(f"event {effect.event!r} is listed twice", (*path, i))
    return tuple(out)


def _trigger(starts: str, events: dict[str, Event], path: Path) -> str | None:
    text = starts.strip()
    if text == "at_start":
        return None
    match = re.fullmatch(r"after\s+(\S+)", text)
    if match is None:
        raise ScenarioError(f"expected 'at_start' or 'after <event>', got {starts!r}", path)
    return _event_ref(match.group(1), events, path)


def _needed(raw: Any, path: Path) -> tuple[int, str | None]:
    """`needed` is a constant whole number (plain, or {value: n, source: ...})."""
    value = _value(raw, Kind.COUNT, path)
    if not isinstance(value, Constant) or value.value != int(value.value):
        raise ScenarioError(f"'needed' is a whole number >= 0 (a constant), got {raw!r}", path)
    return int(value.value), value.source


def _gate(g: GateIn, path: Path) -> Gate:
    delay = _value(g.delay, Kind.DURATION, (*path, "delay"))
    if g.votes is None:
        return Gate(g.name, delay, p=_value(g.p, Kind.PROBABILITY, (*path, "p")))
    needed, needed_source = _needed(g.votes.needed, (*path, "votes", "needed"))
    votes = Votes(
        needed=needed,
        ayes=_value(g.votes.ayes, Kind.COUNT, (*path, "votes", "ayes")),
        source=needed_source or g.votes.source,
    )
    return Gate(g.name, delay, votes=votes)


def _challenge(c: Any, path: Path) -> Challenge:
    shares = {}
    for key in ("voids_notice", "dismissed", "upheld"):
        raw = getattr(c.outcomes, key)
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
            raise ScenarioError(
                f"an outcome share is a constant between 0 and 1, got {raw!r}",
                (*path, "outcomes", key),
            )
        shares[key] = float(raw)
    total = sum(shares.values())
    if abs(total - 1) > 1e-9:
        raise ScenarioError(
            f"voids_notice + dismissed + upheld must sum to 1, got {total:g}", (*path, "outcomes")
        )
    return Challenge(
        c.name,
        _value(c.delay, Kind.DURATION, (*path, "delay")),
        source=c.outcomes.source,
        **shares,
    )


def _unique(names: list[str], what: str, path: Path) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        _name(name, what, (*path, i, "name"))
        if name in seen:
            raise ScenarioError(f"{what} name {name!r} is used twice in this route", (*path, i))
        seen.add(name)


def _route(name: str, r: RouteIn, events: dict[str, Event], path: Path) -> Route:
    _unique([g.name for g in r.gates], "gate", (*path, "gates"))
    _unique([c.name for c in r.challenges], "challenge", (*path, "challenges"))
    return Route(
        name=name,
        trigger=_trigger(r.starts, events, (*path, "starts")),
        gates=tuple(_gate(g, (*path, "gates", i)) for i, g in enumerate(r.gates)),
        dies_on=_effects(r.dies_on, events, (*path, "dies_on")),
        notice_within=_value(r.notice_within, Kind.DURATION, (*path, "notice_within")),
        challenges=tuple(
            _challenge(c, (*path, "challenges", i)) for i, c in enumerate(r.challenges)
        ),
    )


def build(s: ScenarioIn, source_text: str = "") -> Scenario:
    _name(s.name, "name", ("name",), FILE_SAFE_PATTERN)
    if s.horizon < s.start:
        raise ScenarioError(
            f"horizon {s.horizon} is before start {s.start}; it must be on or after it",
            ("horizon",),
        )
    events: dict[str, Event] = {}
    for name, e in s.events.items():
        path = ("events", name)
        _name(name, "event", path)
        if e.date is not None:
            if e.date < s.start:
                raise ScenarioError(
                    f"{e.date} is before start {s.start}; dated events must be on or after it",
                    (*path, "date"),
                )
            events[name] = Event(name, date=e.date, day=(e.date - s.start).days, source=e.source)
        else:
            rate = _value(e.hazard_per_year, Kind.RATE, (*path, "hazard_per_year"))
            events[name] = Event(name, hazard_per_year=rate, source=e.source)
    routes = {}
    for name, r in s.routes.items():
        _name(name, "route", ("routes", name))
        routes[name] = _route(name, r, events, ("routes", name))
    return Scenario(
        name=s.name,
        title=s.title or s.name,
        description=s.description,
        start=s.start,
        horizon=s.horizon,
        trials=s.trials,
        seed=s.seed,
        treaty=Treaty(
            s.treaty.name,
            _value(s.treaty.notice_period, Kind.DURATION, ("treaty", "notice_period")),
            s.treaty.source,
        ),
        events=events,
        routes=routes,
        revoked_by=_effects(s.notice.revoked_by, events, ("notice", "revoked_by")),
        source_text=source_text,
    )
