"""Conditional questions of a run: "given that the House passes, how likely is an exit?"

A condition is a sentence about one trial that its row in `trials.parquet` can decide:

    routes.<route>.gates.<gate> passed | failed | resolved      (optionally: by YYYY-MM-DD)
    routes.<route> started | active | failed | died | superseded | deposited | not_started
    events.<event> happened                                      (optionally: by YYYY-MM-DD)
    notice by YYYY-MM-DD          exit by YYYY-MM-DD          outcome <outcome>
    route <route>                 (the route that deposited the notice)

Any condition may start with `not`; several conditions (several `--given`, or one joined by
` and `) must all hold. The answer is computed among the trials that meet them, with Wilson
intervals, and says when too few trials meet them to answer, and how many a run would need.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.intervals import wilson_list
from sim.language.errors import did_you_mean
from sim.outcomes import NOTICE_OUTCOMES, Outcome, RouteStatus
from sim.run_folder import Run

# Fewer matching trials than this and the conditional answer is too loose to report alone;
# 400 gives a 95% interval of at most about +-5 percentage points on a conditional share.
ENOUGH = 400

Mask = Callable[[pd.DataFrame], np.ndarray]


class QueryError(ValueError):
    """A condition that cannot be read or names what the run does not have (one line)."""


@dataclass(frozen=True)
class Condition:
    text: str
    mask: Mask


def _date(text: str, start: dt.date) -> float:
    """The first day after date `text`: an outcome is 'by' it when its day is below this."""
    try:
        d = dt.date.fromisoformat(text)
    except ValueError:
        raise QueryError(f"{text!r}: expected a date YYYY-MM-DD") from None
    return float((d - start).days + 1)


def _pick(name: str, known: list[str], what: str, where: str = "") -> str:
    if name not in known:
        raise QueryError(
            f"unknown {what} {name!r}{where}{did_you_mean(name, known)}; "
            f"known: {', '.join(known) or 'none'}"
        )
    return name


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    return table[name].to_numpy()


_BY = r"(?:\s+by\s+(?P<date>\S+))?"
_GATE = re.compile(
    rf"^routes\.(?P<route>[^.\s]+)\.gates\.(?P<gate>[^.\s]+)\s+(?P<verb>passed|failed|resolved){_BY}$"
)
_ROUTE = re.compile(r"^routes\.(?P<route>[^.\s]+)\s+(?P<verb>\w+)$")
_EVENT = re.compile(rf"^events\.(?P<event>[^.\s]+)\s+happened{_BY}$")
_BY_DATE = re.compile(r"^(?P<what>notice|exit)\s+by\s+(?P<date>\S+)$")
_OUTCOME = re.compile(r"^outcome\s+(?P<outcome>\S+)$")
_DEPOSITED_BY = re.compile(r"^route\s+(?P<route>\S+)$")

_ROUTE_VERBS = ["started", *(s.value for s in RouteStatus)]
FORMS = (
    "routes.<route>.gates.<gate> passed|failed|resolved [by DATE]; routes.<route> "
    f"{'|'.join(_ROUTE_VERBS)}; events.<event> happened [by DATE]; notice by DATE; "
    "exit by DATE; outcome <outcome>; route <route>; any of them after 'not'"
)


def _gate_condition(m: re.Match[str], run: Run) -> Mask:
    s = run.scenario
    route = s.routes[_pick(m["route"], list(s.routes), "route")]
    gate = _pick(m["gate"], [g.name for g in route.gates], "gate", f" in route {route.name}")
    base = f"gate.{route.name}.{gate}"
    verb, limit = m["verb"], _date(m["date"], s.start) if m["date"] else math.inf

    def mask(t: pd.DataFrame) -> np.ndarray:
        result = _column(t, f"{base}.result")
        ok = pd.notna(result) if verb == "resolved" else result == verb
        return np.asarray(ok, dtype=bool) & (_column(t, f"{base}.day") < limit)

    return mask


def _route_condition(m: re.Match[str], run: Run) -> Mask:
    route = _pick(m["route"], list(run.scenario.routes), "route")
    verb = m["verb"]
    if verb not in _ROUTE_VERBS:
        raise QueryError(f"routes.{route} {verb!r}: expected one of {', '.join(_ROUTE_VERBS)}")
    if verb == "started":
        return lambda t: np.isfinite(_column(t, f"route.{route}.start_day").astype(float))
    return lambda t: _column(t, f"route.{route}.status") == verb


def _event_condition(m: re.Match[str], run: Run) -> Mask:
    s = run.scenario
    event = s.events[_pick(m["event"], list(s.events), "event")]
    limit = min(_date(m["date"], s.start) if m["date"] else math.inf, s.end)
    if event.day is not None:
        happened = event.day < limit
        return lambda t: np.full(len(t), happened)
    column = f"draw.events.{event.name}.day" if event.is_plain_hazard else f"event.{event.name}.day"

    def mask(t: pd.DataFrame) -> np.ndarray:
        if column in t.columns:
            return _column(t, column) < limit
        # the draws are not kept by default, but the scenario and seed give them again
        from sim.draws_file import draws_table

        draws = draws_table(s).set_index("trial")[column]
        return draws.reindex(t["trial"].to_numpy()).to_numpy() < limit

    return mask


def parse_condition(text: str, run: Run) -> Condition:
    """One condition (no `and`) -> a mask over the trials table; QueryError if unreadable."""
    words = " ".join(text.split())
    negate = words.lower().startswith("not ")
    body = words[4:] if negate else words
    s = run.scenario
    mask: Mask
    if m := _GATE.match(body):
        mask = _gate_condition(m, run)
    elif m := _EVENT.match(body):
        mask = _event_condition(m, run)
    elif m := _ROUTE.match(body):
        mask = _route_condition(m, run)
    elif m := _BY_DATE.match(body):
        limit = _date(m["date"], s.start)
        column = "notice_day" if m["what"] == "notice" else "exit_day"
        mask = lambda t: _column(t, column) < limit  # noqa: E731
    elif m := _OUTCOME.match(body):
        outcome = _pick(m["outcome"], [o.value for o in Outcome], "outcome")
        mask = lambda t: _column(t, "outcome") == outcome  # noqa: E731
    elif m := _DEPOSITED_BY.match(body):
        route = _pick(m["route"], list(s.routes), "route")
        mask = lambda t: _column(t, "route") == route  # noqa: E731
    else:
        raise QueryError(f"cannot read the condition {text!r}; conditions: {FORMS}")
    if negate:
        inner = mask
        mask = lambda t: ~inner(t)  # noqa: E731
    return Condition(words, mask)


def parse_given(texts: list[str], run: Run) -> list[Condition]:
    """Every `--given`, each possibly several conditions joined by ' and '."""
    if not texts:
        raise QueryError("give at least one condition with --given")
    return [
        parse_condition(part, run)
        for text in texts
        for part in re.split(r"\s+and\s+", text.strip())
        if part
    ]


def _percentile_dates(days: np.ndarray, start: dt.date) -> dict[str, str] | None:
    if days.size == 0:
        return None
    p10, p50, p90 = np.percentile(days, [10, 50, 90])
    return {
        k: (start + dt.timedelta(days=math.floor(v))).isoformat()
        for k, v in (("p10", p10), ("p50", p50), ("p90", p90))
    }


def trials_needed(matching: int, trials: int, enough: int = ENOUGH) -> int:
    """About how many trials give `enough` matching ones, at the share seen (its Wilson upper
    bound when none matched)."""
    share = matching / trials if matching else wilson_list(0, trials)[1]
    return math.ceil(enough / share)


def query(run: Run, given: list[str], enough: int = ENOUGH) -> dict[str, Any]:
    """P(exit), P(notice) and exit dates among the trials that meet every condition."""
    conditions = parse_given(given, run)
    table = run.trials
    n = len(table)
    keep = np.ones(n, dtype=bool)
    for c in conditions:
        keep &= c.mask(table)
    k = int(keep.sum())
    sub = table[keep]
    outcome = sub["outcome"].to_numpy()
    exits = int(np.count_nonzero(outcome == Outcome.EXITED.value))
    notices = int(np.isin(outcome, [o.value for o in NOTICE_OUTCOMES]).sum())
    start = run.scenario.start
    answer: dict[str, Any] = {
        "run_folder": str(run.folder) if run.folder else None,
        "name": run.name,
        "given": [c.text for c in conditions],
        "trials": n,
        "matching": k,
        "share": k / n,
        "share_ci95": wilson_list(k, n),
        "p_exit": exits / k if k else None,
        "p_exit_ci95": wilson_list(exits, k) if k else None,
        "p_notice": notices / k if k else None,
        "p_notice_ci95": wilson_list(notices, k) if k else None,
        "exit_date": _percentile_dates(sub["exit_day"].to_numpy()[outcome == "exited"], start),
        "outcomes": {o.value: int(np.count_nonzero(outcome == o.value)) for o in Outcome},
        "enough": k >= enough,
    }
    if k < enough:
        answer["advice"] = (
            f"only {k:,} of {n:,} trials meet the condition (fewer than {enough}): the "
            f"conditional figures are too uncertain; a run of about "
            f"{trials_needed(k, n, enough):,} trials would give {enough} such trials"
        )
    return answer
