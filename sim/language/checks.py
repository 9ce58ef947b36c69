"""Warnings: what a valid scenario says that its author probably did not mean.

Each case here is legal (so an old file keeps running) but silently changes or empties the
answer: weights that get normalised, a distribution clipped so often that a bound becomes a
likely value, an exit made impossible by the horizon, a revocation that can never act, a
source that cites nothing. They are reported, never fatal unless asked (`strict`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from scipy import special

from sim import bundled
from sim.language.errors import Path, ScenarioWarning, did_you_mean
from sim.language.model import Scenario
from sim.language.values import (
    Choice,
    Constant,
    Kind,
    Normal,
    Pert,
    Triangular,
    Uniform,
    Value,
)
from sim.language.yaml_reading import Document, read_yaml

CLIPPED_SHARE = 0.05  # warn when more draws than this land on a bound by clipping
_SOURCE_ID = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*:")


def check(
    scenario: Scenario, doc: Document | None = None, file: str = "<scenario>"
) -> list[ScenarioWarning]:
    """Every warning for `scenario`, in file order; `doc` (the YAML it came from, read again
    from `scenario.source_text` when not given) gives lines and the sources as written."""
    if doc is None and scenario.source_text:
        doc = read_yaml(scenario.source_text)
    found = [
        *_weights(scenario),
        *_clipping(scenario),
        *_horizon(scenario),
        *_revocations(scenario),
        *(_sources(doc.data) if doc is not None else []),
    ]
    for w in found:
        w.file = file
        w.line = doc.line_of(w.path) if doc is not None else None
    return sorted(found, key=lambda w: -1 if w.line is None else w.line)


def _values(s: Scenario) -> Iterator[tuple[Path, Value]]:
    """Every value with the path where it is written."""
    yield ("treaty", "notice_period"), s.treaty.notice_period
    for e in s.events.values():
        if e.hazard_per_year is not None:
            yield ("events", e.name, "hazard_per_year"), e.hazard_per_year
            for i, change in enumerate(e.rate_changes):
                yield ("events", e.name, "rate_changes", i, "hazard_per_year"), change.rate
    for r in s.routes.values():
        here: Path = ("routes", r.name)
        for i, g in enumerate(r.gates):
            yield (*here, "gates", i, "delay"), g.delay
            if g.p is not None:
                yield (*here, "gates", i, "p"), g.p
            if g.votes is not None:
                yield (*here, "gates", i, "votes", "ayes"), g.votes.ayes
        for i, eff in enumerate(r.dies_on):
            yield (*here, "dies_on", i, "p"), eff.p
        yield (*here, "notice_within"), r.notice_within
        for i, c in enumerate(r.challenges):
            yield (*here, "challenges", i, "delay"), c.delay
            if c.appeal is not None:
                yield (*here, "challenges", i, "appeal", "delay"), c.appeal.delay
                yield (*here, "challenges", i, "appeal", "reverses"), c.appeal.reverses
    for i, eff in enumerate(s.revoked_by):
        yield ("notice", "revoked_by", i, "p"), eff.p


def _weights(s: Scenario) -> Iterator[ScenarioWarning]:
    for path, value in _values(s):
        if isinstance(value, Choice) and abs(sum(value.weights) - 1) > 1e-9:
            total = sum(value.weights)
            shares = ", ".join(f"{w / total:.3g}" for w in value.weights)
            yield ScenarioWarning(
                f"choice weights sum to {total:g}, not 1; they are normalised (divided by "
                f"{total:g}: {shares})",
                (*path, "weights"),
            )


def _shown(kind: Kind, x: float) -> str:
    return f"{x:g}d" if kind is Kind.DURATION else f"{x:g}"


def _clipping(s: Scenario) -> Iterator[ScenarioWarning]:
    """A normal's mass beyond a bound, from its CDF: that share of trials sit on the bound."""
    for path, value in _values(s):
        if not isinstance(value, Normal) or value.sd <= 0:
            continue
        below = float(special.ndtr((value.kind.low - value.mean) / value.sd))
        above = 0.0
        if value.kind is Kind.PROBABILITY:
            above = float(1 - special.ndtr((value.kind.high - value.mean) / value.sd))
        field = str(path[-1])
        for share, bound in ((below, value.kind.low), (above, value.kind.high)):
            if share > CLIPPED_SHARE:
                yield ScenarioWarning(
                    f"normal (mean {_shown(value.kind, value.mean)}, sd "
                    f"{_shown(value.kind, value.sd)}) is clipped at {_shown(value.kind, bound)}: "
                    f"{share:.0%} of trials have {field} = {_shown(value.kind, bound)}; "
                    "use a narrower sd, or a distribution inside the range (beta, 'a to b')",
                    path,
                )


def _lowest(value: Value) -> float:
    """The least days a duration can take (its support's lower end, after clipping)."""
    if isinstance(value, Constant):
        return value.value
    if isinstance(value, Uniform | Triangular | Pert):
        return max(value.min, 0.0)
    if isinstance(value, Choice):
        return max(min(value.values), 0.0)
    return 0.0  # lognormal, normal (clipped at 0), ...


def _earliest_after(s: Scenario, t: float, duration: Value) -> float:
    """The earliest time `duration` after t (calendar arithmetic for months and years)."""
    return s.after(t, duration, _lowest(duration))


def earliest_deposit(s: Scenario) -> float | None:
    """The earliest time any route can deposit a notice, or None if none can start in time."""
    times = list(_earliest_deposits(s).values())
    return min(times) if times else None


def _earliest_deposits(s: Scenario) -> dict[str, float]:
    """Each route's earliest deposit, for the routes that can start by the horizon."""
    times: dict[str, float] = {}
    for r in s.routes.values():
        t = 0.0
        if r.trigger is not None:
            event = s.events[r.trigger]
            if event.day is not None:
                if event.day > s.horizon_day:
                    continue  # never happens
                t = float(event.day)
        for g in r.gates:
            t = _earliest_after(s, t, g.delay)
        t = _earliest_after(s, t, r.notice_within)
        if s.treaty.earliest_notice_day is not None:
            t = max(t, float(s.treaty.earliest_notice_day))
        times[r.name] = t
    return times


def _horizon(s: Scenario) -> Iterator[ScenarioWarning]:
    deposit = earliest_deposit(s)
    if deposit is None:
        if s.routes:
            yield ScenarioWarning(
                f"no route can start by the horizon {s.horizon}: each starts after an event "
                "dated later, so P(exit) is 0 by construction",
                ("routes",),
            )
        return
    effect = min(
        _earliest_after(
            s, max(t, float(s.routes[r].effective_as_of_day or t)), s.treaty.notice_period
        )
        for r, t in _earliest_deposits(s).items()
    )
    # A calibration run that asks only about notices or gates (`references:` with no
    # p_exit_by) means to stop before any exit: its P(exit) of 0 is not a mistake.
    asks_only_before_exit = bool(s.references) and all(r.kind != "p_exit_by" for r in s.references)
    if effect >= s.end and not asks_only_before_exit:
        yield ScenarioWarning(
            f"no notice can take effect by the horizon {s.horizon}: the earliest deposit is "
            f"{s.date_of(deposit)} and the notice period puts its effect on "
            f"{s.date_of(effect)} at the earliest, so P(exit) is 0 by construction; move the "
            "horizon later",
            ("horizon",),
        )


def _revocations(s: Scenario) -> Iterator[ScenarioWarning]:
    deposit = earliest_deposit(s)
    if deposit is None:
        return
    for i, eff in enumerate(s.revoked_by):
        event = s.events[eff.event]
        if event.day is not None and event.day <= deposit:
            yield ScenarioWarning(
                f"{eff.event} ({event.date}) can never revoke a notice: a revocation must "
                f"come after the deposit, and the earliest deposit is {s.date_of(deposit)}",
                ("notice", "revoked_by", i),
            )


@functools.cache
def digest_ids() -> frozenset[str]:
    """The ids a `source:` may cite (empty when the digest is not installed)."""
    from ruamel.yaml import YAML

    path = bundled.digest()
    if path is None:
        return frozenset()
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    ids = [c["id"] for a in data.get("articles", []) for c in a.get("claims", [])]
    ids += [p["id"] for p in data.get("primary", [])]
    return frozenset(ids)


def _sources(data: Any, path: Path = ()) -> Iterator[ScenarioWarning]:
    """A `source:` that starts `<id>:` with an id the digest does not have."""
    if isinstance(data, dict):
        for key, item in data.items():
            if key == "source" and isinstance(item, str):
                yield from _source(item, (*path, key))
            else:
                yield from _sources(item, (*path, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _sources(item, (*path, i))


def _source(text: str, path: Path) -> Iterator[ScenarioWarning]:
    ids = digest_ids()
    match = _SOURCE_ID.match(text)
    if not ids or match is None:
        return
    lead = match.group(1)
    if lead.lower() == "judgment" or lead in ids:
        return
    yield ScenarioWarning(
        f"source id {lead!r} is not in the seeds digest{did_you_mean(lead, ids)}; start a "
        "source with an id from seeds/digest.yaml, or with 'judgment:'",
        path,
    )


__all__ = ["CLIPPED_SHARE", "check", "digest_ids", "earliest_deposit"]
