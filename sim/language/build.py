"""Give a scenario its meaning: parse every value, resolve every event name, and check what
the schema cannot (dates in order, sums, unique names).

It reads the plain YAML data part by part rather than the validated `ScenarioIn`, so that a
structural mistake in one gate does not hide a bad value in the next: every part that is
well formed is checked, and every problem goes into one `Problems`. A part that is not well
formed is skipped here (the structural check has already reported it), and so is any check
that depends on it; a name whose definition is broken still counts as defined, so that one
mistake is not reported again at every use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sim.language.errors import Path, Problems, ScenarioError, did_you_mean
from sim.language.model import (
    MOMENTS,
    Appeal,
    Challenge,
    Effect,
    Event,
    Gate,
    RateChange,
    Reference,
    Route,
    Scenario,
    Treaty,
    Votes,
)
from sim.language.pydantic_errors import all_errors
from sim.language.references import build_references
from sim.language.schema import (
    FILE_SAFE_PATTERN,
    NAME_PATTERN,
    ChallengeIn,
    EffectIn,
    EventIn,
    GateIn,
    RateChangeIn,
    ScenarioIn,
    TreatyIn,
    iso_date,
)
from sim.language.value_parsing import number_in_text, parse_value
from sim.language.values import Constant, Kind, Value

M = TypeVar("M", bound=BaseModel)


def _part(model: type[M], raw: Any) -> M | None:
    """`raw` as `model`, or None if it is malformed (the structural check reports why)."""
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


def _value(raw: Any, kind: Kind, path: Path, problems: Problems) -> Value | None:
    with problems.at(path):
        return parse_value(raw, kind)
    return None


_NAME_RULES = {
    NAME_PATTERN: "must start with a letter and use only letters, digits, _ and -",
    FILE_SAFE_PATTERN: "must be file-safe: start with a letter or digit, then letters, "
    "digits, _ . and -, at most 100 in all",
}


def _name(
    name: str, what: str, path: Path, problems: Problems, pattern: str = NAME_PATTERN
) -> None:
    if not re.fullmatch(pattern, name):
        problems.add(ScenarioError(f"{what} {name!r} {_NAME_RULES[pattern]}", path))


def _event_ref(name: Any, events: dict[str, Event | None], path: Path) -> str:
    if not isinstance(name, str) or name not in events:
        known = ", ".join(events) or "none defined"
        raise ScenarioError(
            f"unknown event {name!r}{did_you_mean(str(name), events)}; events: {known}", path
        )
    return name


def _until(raw: Any, gates: list[str] | None, path: Path) -> str | None:
    """A `dies_on` effect's gate: a gate of the same route."""
    if raw is None:
        return None
    if gates is None:
        raise ScenarioError("'until' belongs in a route's dies_on, not in revoked_by", path)
    if raw not in gates:
        known = ", ".join(gates) or "none"
        raise ScenarioError(
            f"unknown gate {raw!r}{did_you_mean(str(raw), gates)}; this route's gates: {known}",
            path,
        )
    return str(raw)


def _effect(
    raw: Any,
    events: dict[str, Event | None],
    path: Path,
    problems: Problems,
    gates: list[str] | None = None,
) -> Effect | None:
    if isinstance(raw, str):
        with problems.at():
            return Effect(_event_ref(raw, events, path), Constant(Kind.PROBABILITY, 1.0))
        return None
    if not isinstance(raw, dict):
        problems.add(ScenarioError("expected an event name or {event: name, p: probability}", path))
        return None
    try:
        form = EffectIn.model_validate(raw)
    except ValidationError as exc:
        for error in all_errors(exc, EffectIn, lambda loc: None):
            problems.add(error.within(path))
        return None
    p = _value(form.p, Kind.PROBABILITY, (*path, "p"), problems)
    if p is not None and form.source and p.source is None:
        p = p.with_source(form.source)
    until: str | None = None
    with problems.at() as caught:
        until = _until(form.until, gates, (*path, "until"))
    with problems.at():
        event = _event_ref(form.event, events, (*path, "event"))
        return Effect(event, p, until) if p is not None and not caught.failed else None
    return None


def _effects(
    raws: Any,
    events: dict[str, Event | None],
    path: Path,
    problems: Problems,
    gates: list[str] | None = None,
) -> tuple[Effect, ...]:
    if not isinstance(raws, list):
        return ()  # reported by the structural check
    out: list[Effect] = []
    for i, raw in enumerate(raws):
        effect = _effect(raw, events, (*path, i), problems, gates)
        if effect is None:
            continue
        if any(e.event == effect.event for e in out):
            problems.add(ScenarioError(f"event {effect.event!r} is listed twice", (*path, i)))
        out.append(effect)
    return tuple(out)


def _trigger(starts: str, events: dict[str, Event | None], path: Path) -> str | None:
    text = starts.strip()
    if text == "at_start":
        return None
    match = re.fullmatch(r"after\s+(\S+)", text)
    if match is None:
        raise ScenarioError(f"expected 'at_start' or 'after <event>', got {starts!r}", path)
    return _event_ref(match.group(1), events, path)


NEEDED_HELP = (
    "'needed' is the whole number of ayes a gate needs, a constant (or {value: n, source: "
    "...}): for two-thirds of 100 senators write 67"
)


def _needed(raw: Any, path: Path) -> tuple[int, str | None]:
    source = None
    if isinstance(raw, dict):
        for key in raw:
            if key not in ("value", "source"):
                raise ScenarioError(
                    f"unknown key {key!r}{did_you_mean(str(key), ['value', 'source'])}; "
                    "allowed: value, source",
                    (*path, key),
                )
        if "value" not in raw:
            raise ScenarioError(f"missing required key 'value'; {NEEDED_HELP}", path)
        source = raw.get("source")
        raw = raw["value"]
    number = raw
    if isinstance(raw, str):
        number = number_in_text(raw)
    if (
        isinstance(number, bool)
        or not isinstance(number, int | float)
        or number < 0
        or number != int(number)
    ):
        raise ScenarioError(f"{NEEDED_HELP}; got {raw!r}", path)
    if source is not None and not isinstance(source, str):
        raise ScenarioError("a source is text", (*path, "source"))
    return int(number), source


def _gate(g: GateIn, path: Path, problems: Problems) -> Gate | None:
    delay = _value(g.delay, Kind.DURATION, (*path, "delay"), problems)
    if g.votes is None:
        p = _value(g.p, Kind.PROBABILITY, (*path, "p"), problems)
        return Gate(g.name, delay, p=p) if delay is not None and p is not None else None
    needed: tuple[int, str | None] | None = None
    with problems.at():
        needed = _needed(g.votes.needed, (*path, "votes", "needed"))
    ayes = _value(g.votes.ayes, Kind.COUNT, (*path, "votes", "ayes"), problems)
    if needed is None or ayes is None or delay is None:
        return None
    votes = Votes(needed=needed[0], ayes=ayes, source=needed[1] or g.votes.source)
    return Gate(g.name, delay, votes=votes)


def _share(raw: Any) -> float | None:
    number = number_in_text(raw) if isinstance(raw, str) else raw
    if isinstance(number, bool) or not isinstance(number, int | float) or not 0 <= number <= 1:
        return None
    return float(number)


def _challenge(c: ChallengeIn, path: Path, problems: Problems) -> Challenge | None:
    shares: dict[str, float] = {}
    for key in ("voids_notice", "dismissed", "upheld"):
        raw = getattr(c.outcomes, key)
        share = _share(raw)
        if share is None:
            problems.add(
                ScenarioError(
                    f"an outcome share is a constant between 0 and 1, got {raw!r}",
                    (*path, "outcomes", key),
                )
            )
        else:
            shares[key] = share
    if len(shares) == 3 and abs(sum(shares.values()) - 1) > 1e-9:
        problems.add(
            ScenarioError(
                "voids_notice + dismissed + upheld must sum to 1 (a missing one is 0), "
                f"got {sum(shares.values()):g}",
                (*path, "outcomes"),
            )
        )
    delay = _value(c.delay, Kind.DURATION, (*path, "delay"), problems)
    appeal: Appeal | None = None
    if c.appeal is not None:
        a_delay = _value(c.appeal.delay, Kind.DURATION, (*path, "appeal", "delay"), problems)
        reverses = _value(
            c.appeal.reverses, Kind.PROBABILITY, (*path, "appeal", "reverses"), problems
        )
        if a_delay is None or reverses is None:
            return None
        appeal = Appeal(a_delay, reverses, c.appeal.source)
    if delay is None or len(shares) < 3:
        return None
    return Challenge(c.name, delay, source=c.outcomes.source, appeal=appeal, **shares)


def _listed(raw: dict[str, Any], key: str) -> list[Any]:
    items = raw.get(key)
    return items if isinstance(items, list) else []


def _unique_names(items: list[Any], what: str, path: Path, problems: Problems) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            continue
        _name(name, what, (*path, i, "name"), problems)
        if name in seen:
            problems.add(
                ScenarioError(f"{what} name {name!r} is used twice in this route", (*path, i))
            )
        seen.add(name)


def _route(
    name: str,
    raw: Any,
    events: dict[str, Event | None],
    path: Path,
    problems: Problems,
    start: Any = None,
) -> Route | None:
    if not isinstance(raw, dict):
        return None  # reported by the structural check
    ok = True
    trigger = None
    starts = raw.get("starts", "at_start")
    if isinstance(starts, str):
        with problems.at() as caught:
            trigger = _trigger(starts, events, (*path, "starts"))
        ok &= not caught.failed
    gates: list[Gate] = []
    _unique_names(_listed(raw, "gates"), "gate", (*path, "gates"), problems)
    for i, g in enumerate(_listed(raw, "gates")):
        form = _part(GateIn, g)
        gate = _gate(form, (*path, "gates", i), problems) if form else None
        ok &= gate is not None
        if gate is not None:
            gates.append(gate)
    gate_names = [
        g["name"]
        for g in _listed(raw, "gates")
        if isinstance(g, dict) and isinstance(g.get("name"), str)
    ]
    dies_on = _effects(
        raw.get("dies_on", []), events, (*path, "dies_on"), problems, gates=gate_names
    )
    as_of = _date(raw.get("notice_effective_as_of"))
    notice_within = _value(
        raw.get("notice_within", "0d"), Kind.DURATION, (*path, "notice_within"), problems
    )
    challenges: list[Challenge] = []
    _unique_names(_listed(raw, "challenges"), "challenge", (*path, "challenges"), problems)
    for i, c in enumerate(_listed(raw, "challenges")):
        form = _part(ChallengeIn, c)
        challenge = _challenge(form, (*path, "challenges", i), problems) if form else None
        ok &= challenge is not None
        if challenge is not None:
            challenges.append(challenge)
    if not ok or notice_within is None:
        return None
    return Route(
        name=name,
        trigger=trigger,
        gates=tuple(gates),
        dies_on=dies_on,
        notice_within=notice_within,
        challenges=tuple(challenges),
        effective_as_of=as_of,
        effective_as_of_day=None if as_of is None or start is None else (as_of - start).days,
    )


def _date(raw: Any) -> Any:
    try:
        return iso_date(raw)
    except ValueError:
        return None  # reported by the structural check


def _events(raw: Any, start: Any, problems: Problems) -> dict[str, Event | None]:
    """Every event by name; None for one whose definition is broken."""
    events: dict[str, Event | None] = {}
    if not isinstance(raw, dict):
        return events
    for name, spec in raw.items():
        path: Path = ("events", name)
        _name(name, "event", path, problems)
        if name in MOMENTS:
            problems.add(
                ScenarioError(
                    f"{name!r} is reserved for the run's own moment; name the event otherwise",
                    path,
                )
            )
        events[name] = None
        e = _part(EventIn, spec)
        if e is None:
            continue
        if e.date is not None and (e.after is not None or e.rate_changes):
            key = "after" if e.after is not None else "rate_changes"
            problems.add(
                ScenarioError(f"'{key}' is for hazard events only; this event has a date", path)
            )
            continue
        if e.date is not None:
            if start is None:
                continue
            if e.date < start:
                problems.add(
                    ScenarioError(
                        f"{e.date} is before start {start}; dated events must be on or after it",
                        (*path, "date"),
                    )
                )
                continue
            events[name] = Event(name, date=e.date, day=(e.date - start).days, source=e.source)
        else:
            rate = _value(e.hazard_per_year, Kind.RATE, (*path, "hazard_per_year"), problems)
            if rate is not None:
                events[name] = Event(name, hazard_per_year=rate, source=e.source)
    return events


def _moment_ref(name: Any, events: dict[str, Event | None], path: Path) -> str:
    """An event or one of the run's own moments (`notice_deposited`)."""
    if isinstance(name, str) and name in MOMENTS:
        return name
    known = [*events, *MOMENTS]
    if not isinstance(name, str) or name not in events:
        raise ScenarioError(
            f"unknown event {name!r}{did_you_mean(str(name), known)}; events and moments: "
            + ", ".join(known),
            path,
        )
    return name


def _rate_changes(
    raws: list[Any], events: dict[str, Event | None], start: Any, path: Path, problems: Problems
) -> tuple[RateChange, ...] | None:
    out: list[RateChange] = []
    ok = True
    last_date = None
    for i, raw in enumerate(raws):
        here: Path = (*path, i)
        form = _part(RateChangeIn, raw)
        if form is None:
            ok = False
            continue
        rate = _value(form.hazard_per_year, Kind.RATE, (*here, "hazard_per_year"), problems)
        if rate is not None and form.source and rate.source is None:
            rate = rate.with_source(form.source)
        at = form.at
        change: RateChange | None = None
        when = at if isinstance(at, dt.date) else _date(at) if isinstance(at, str) else None
        if isinstance(at, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", at) and when is None:
            problems.add(ScenarioError(f"{at.strip()} is not a real date", (*here, "at")))
        elif when is not None:
            if last_date is not None and when < last_date:
                problems.add(
                    ScenarioError(
                        f"rate changes must be listed in date order: {when} is listed after "
                        f"{last_date}",
                        (*here, "at"),
                    )
                )
            last_date = when
            if rate is not None and start is not None:
                change = RateChange(rate, day=(when - start).days, date=when)
        else:
            with problems.at():
                event = _moment_ref(at, events, (*here, "at"))
                dated = events.get(event)
                if dated is not None and dated.date is not None:
                    if last_date is not None and dated.date < last_date:
                        raise ScenarioError(
                            f"rate changes must be listed in date order: {event} "
                            f"({dated.date}) is listed after {last_date}",
                            (*here, "at"),
                        )
                    last_date = dated.date
                if rate is not None:
                    change = RateChange(rate, event=event)
        if change is None:
            ok = False
            continue
        if any(c.key == change.key for c in out):
            problems.add(ScenarioError(f"a rate change at {change.key!r} is listed twice", here))
            ok = False
        out.append(change)
    return tuple(out) if ok else None


def _clocks(
    raw: Any, events: dict[str, Event | None], start: Any, problems: Problems
) -> dict[str, Event | None]:
    """Hazard clocks that start at another event (`after`) and rates that change."""
    if not isinstance(raw, dict):
        return events
    out = dict(events)
    for name, spec in raw.items():
        event = events.get(name)
        if event is None or event.hazard_per_year is None or not isinstance(spec, dict):
            continue
        path: Path = ("events", name)
        after = spec.get("after")
        ok = True
        if after is not None:
            with problems.at() as caught:
                after = _moment_ref(after, events, (*path, "after"))
            ok &= not caught.failed
        changes: tuple[RateChange, ...] | None = ()
        if isinstance(spec.get("rate_changes"), list):
            changes = _rate_changes(
                spec["rate_changes"], events, start, (*path, "rate_changes"), problems
            )
        if not ok or changes is None:
            out[name] = None
            continue
        out[name] = dataclasses.replace(event, after=after, rate_changes=changes)
    for cycle in _after_cycles(out):
        problems.add(
            ScenarioError(
                "'after' clocks form a cycle, so none of them could ever start: "
                + " -> ".join(cycle),
                ("events", cycle[0], "after"),
            )
        )
        for n in cycle:
            out[n] = None
    return out


def _after_cycles(events: dict[str, Event | None]) -> list[list[str]]:
    """Each cycle of `after` references once, starting at its first event in file order."""
    cycles: list[list[str]] = []
    seen: set[str] = set()
    for first in events:
        path: list[str] = []
        name: str | None = first
        while name is not None and name not in seen and name not in path:
            path.append(name)
            e = events.get(name)
            name = e.after if e is not None else None
        if name is not None and name in path:
            cycles.append([*path[path.index(name) :], name])
        seen.update(path)
    return cycles


def build(data: dict[str, Any], problems: Problems, source_text: str = "") -> Scenario | None:
    """The scenario that `data` means, or None when `problems` holds why it has none."""
    try:
        structure: ScenarioIn | None = ScenarioIn.model_validate(data)
    except ValidationError as exc:
        structure = None
        for error in all_errors(exc, ScenarioIn, lambda loc: None):
            problems.add(error)
    name = data.get("name")
    if isinstance(name, str):
        _name(name, "name", ("name",), problems, FILE_SAFE_PATTERN)
    start, horizon = _date(data.get("start")), _date(data.get("horizon"))
    if start is not None and horizon is not None and horizon < start:
        problems.add(
            ScenarioError(
                f"horizon {horizon} is before start {start}; it must be on or after it",
                ("horizon",),
            )
        )
    treaty = _part(TreatyIn, data.get("treaty"))
    period = None
    if treaty is not None:
        period = _value(treaty.notice_period, Kind.DURATION, ("treaty", "notice_period"), problems)
    events = _events(data.get("events", {}), start, problems)
    events = _clocks(data.get("events", {}), events, start, problems)
    routes: dict[str, Route | None] = {}
    raw_routes = data.get("routes")
    if isinstance(raw_routes, dict):
        for route_name, raw in raw_routes.items():
            _name(route_name, "route", ("routes", route_name), problems)
            routes[route_name] = _route(
                route_name, raw, events, ("routes", route_name), problems, start
            )
    notice = data.get("notice")
    revoked_by = _effects(
        notice.get("revoked_by", []) if isinstance(notice, dict) else [],
        events,
        ("notice", "revoked_by"),
        problems,
    )
    references: tuple[Reference, ...] = ()
    if structure is not None:
        references = build_references(
            structure.references, structure.start, structure.horizon, routes, problems
        )
    if problems or structure is None or treaty is None or period is None:
        return None
    return Scenario(
        name=structure.name,
        title=structure.title or structure.name,
        description=structure.description,
        start=structure.start,
        horizon=structure.horizon,
        trials=structure.trials,
        seed=structure.seed,
        treaty=Treaty(
            treaty.name,
            period,
            treaty.source,
            earliest_notice=treaty.earliest_notice,
            earliest_notice_day=None
            if treaty.earliest_notice is None
            else (treaty.earliest_notice - structure.start).days,
        ),
        events={k: v for k, v in events.items() if v is not None},
        routes={k: v for k, v in routes.items() if v is not None},
        revoked_by=revoked_by,
        references=references,
        source_text=source_text,
    )
