"""The extended language on the DES engine, against answers worked out by hand: `dies_on`
with `until`, hazard clocks that start `after` an event or the notice deposit, piecewise
hazard rates, `earliest_notice`, `notice_effective_as_of` and appeals.

Tolerances are Monte Carlo standard errors at fixed seeds (support.assert_proportion)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from support import assert_proportion, date_after, gate, route, scenario, share, simulate

from sim.language import ScenarioError, load
from sim.language.model import uses_extensions

ROOT = Path(__file__).resolve().parent.parent
YEAR = 365.25
UNIFORM_0_100 = {"dist": "uniform", "min": "0d", "max": "100d"}


# -- dies_on ... until -------------------------------------------------------------------


def _bill(until: str | None) -> dict:
    effect = (
        {"event": "congress_ends"} if until is None else {"event": "congress_ends", "until": until}
    )
    return route(
        {"name": "signature", "delay": UNIFORM_0_100, "p": 1},
        dies_on=[effect],
        notice_within="30d",
    )


def test_a_signed_act_outlives_its_congress() -> None:
    # signature at U(0, 100); the Congress ends on day 40; the notice comes 30 days later.
    # Without `until` the route dies on day 40 even after the signature: it deposits only
    # when signature + 30 < 40, i.e. P = 0.1. With `until: signature` it dies only when
    # the signature is still pending on day 40: P = 0.4.
    events = {"congress_ends": {"date": date_after(40)}}
    plain = simulate(scenario({"bill": _bill(None)}, events=events, trials=4000))
    signed = simulate(scenario({"bill": _bill("signature")}, events=events, trials=4000))
    assert_proportion(share(plain, "route", "bill"), 0.1, len(plain))
    assert_proportion(share(signed, "route", "bill"), 0.4, len(signed))
    survived = signed[signed["route"] == "bill"]
    assert (survived["gate.bill.signature.day"] < 40).all()
    assert (survived["notice_day"] > 40).mean() > 0.5  # most deposit after the Congress ended


def test_a_gate_passing_at_the_instant_of_the_event_has_not_passed() -> None:
    events = {"congress_ends": {"date": date_after(40)}}
    bill = route(
        gate("signature", "40d"), dies_on=[{"event": "congress_ends", "until": "signature"}]
    )
    t = simulate(scenario({"bill": bill}, events=events, trials=3))
    assert (t["route.bill.status"] == "died").all()
    assert t["gate.bill.signature.result"].isna().all()


# -- hazard clocks that start after an event -----------------------------------------------


def test_a_hazard_clock_starts_at_its_event() -> None:
    # X happens at 100 + Exp(rate 1/year): its median is 100 + 365.25 ln 2 days
    events = {
        "d": {"date": date_after(100)},
        "x": {"hazard_per_year": 1.0, "after": "d"},
    }
    s = scenario({"r": route(starts="after x")}, events=events, trials=4000)
    t = simulate(s)
    started = t["route.r.start_day"]
    assert (started.dropna() >= 100).all()
    # the engine's time for x is a column of the table (it is not a draw)
    assert np.array_equal(t["event.x.day"], started, equal_nan=True)
    assert_proportion(float((started < 100 + YEAR * math.log(2)).mean()), 0.5, len(t))
    assert_proportion(float((started < 100 + YEAR).mean()), 1 - math.exp(-1), len(t))


def test_a_hazard_after_an_event_that_never_happens_never_happens() -> None:
    events = {
        "d": {"date": "2032-01-01"},  # after the horizon
        "x": {"hazard_per_year": 50.0, "after": "d"},
    }
    t = simulate(scenario({"r": route(starts="after x")}, events=events, trials=200))
    assert (t["outcome"] == "no_move").all()
    assert (t["route.r.status"] == "not_started").all()


def test_a_revocation_hazard_runs_while_the_notice_is_pending() -> None:
    # deposit on day 50; the deal comes at rate 0.5/year from the deposit; the notice takes
    # effect 200 days later unless revoked first: P(revoked) = 1 - exp(-0.5 * 200 / 365.25)
    events = {"deal": {"hazard_per_year": 0.5, "after": "notice_deposited"}}
    s = scenario(
        {"r": route(gate("g", "50d"))},
        events=events,
        revoked_by=["deal"],
        notice_period="200d",
        trials=6000,
    )
    t = simulate(s)
    assert_proportion(share(t, "outcome", "revoked"), 1 - math.exp(-0.5 * 200 / YEAR), len(t))
    revoked = t[t["outcome"] == "revoked"]
    assert ((revoked["ended_day"] > 50) & (revoked["ended_day"] < 250)).all()
    assert (revoked["ended_by"] == "deal").all()
    # the time from the deposit is the draw's own exponential: ended = 50 + 365.25 E / 0.5
    expected = 50 + YEAR * revoked["draw.events.deal.exposure"] / 0.5
    assert np.allclose(revoked["ended_day"], expected)


# -- piecewise rates -----------------------------------------------------------------------


def _pressure(later_rate: float, trials: int = 6000) -> object:
    events = {
        "misses": {"date": date_after(100)},
        "moves": {
            "hazard_per_year": 0.5,
            "rate_changes": [{"at": "misses", "hazard_per_year": later_rate}],
        },
    }
    return scenario({"r": route(starts="after moves")}, events=events, trials=trials)


def test_a_piecewise_rate_integrates_its_hazard() -> None:
    # H(t) = 0.5 t / 365.25 up to day 100, then + 2 (t - 100) / 365.25
    t = simulate(_pressure(2.0))  # type: ignore[arg-type]
    day = t["route.r.start_day"]
    assert_proportion(float((day < 100).mean()), 1 - math.exp(-0.5 * 100 / YEAR), len(t))
    h200 = (0.5 * 100 + 2.0 * 100) / YEAR
    assert_proportion(float((day < 200).mean()), 1 - math.exp(-h200), len(t))
    # exactly the inverse of H at the draw's exponential E
    e = t["draw.events.moves.exposure"]
    first = YEAR * e / 0.5
    expected = np.where(first < 100, first, 100 + (YEAR * e - 0.5 * 100) / 2.0)
    inside = day.notna()
    assert np.allclose(day[inside], expected[inside])


def test_raising_a_later_rate_never_delays_the_event() -> None:
    low = simulate(_pressure(0.5, trials=1000))  # type: ignore[arg-type]
    high = simulate(_pressure(3.0, trials=1000))  # type: ignore[arg-type]
    assert (low["draw.events.moves.exposure"] == high["draw.events.moves.exposure"]).all()
    a = low["route.r.start_day"].fillna(np.inf)
    b = high["route.r.start_day"].fillna(np.inf)
    assert (b <= a).all() and (b < a).any()
    assert (b[a < 100] == a[a < 100]).all()  # before the change nothing moves


def test_a_rate_may_start_at_zero_and_change_on_a_date() -> None:
    events = {
        "moves": {
            "hazard_per_year": 0,
            "rate_changes": [{"at": date_after(100), "hazard_per_year": 1.0}],
        }
    }
    t = simulate(scenario({"r": route(starts="after moves")}, events=events, trials=3000))
    day = t["route.r.start_day"]
    assert (day.dropna() >= 100).all()
    assert_proportion(float((day < 100 + YEAR).mean()), 1 - math.exp(-1), len(t))


def test_a_change_before_the_clock_starts_sets_its_first_rate() -> None:
    # the clock starts on day 100; the rate changed from 0.1 to 1.0 on day 50, so from
    # day 100 it runs at 1.0: x = 100 + 365.25 E, P(by day 100 + 365.25) = 1 - exp(-1)
    events = {
        "d": {"date": date_after(100)},
        "x": {
            "hazard_per_year": 0.1,
            "after": "d",
            "rate_changes": [{"at": date_after(50), "hazard_per_year": 1.0}],
        },
    }
    t = simulate(scenario({"r": route(starts="after x")}, events=events, trials=3000))
    x = t["route.r.start_day"]
    assert_proportion(float((x < 100 + YEAR).mean()), 1 - math.exp(-1), len(t))
    inside = x.notna()
    assert np.allclose(x[inside], 100 + YEAR * t.loc[inside, "draw.events.x.exposure"])


def test_a_rate_may_change_at_the_deposit() -> None:
    # y has rate 0 until the notice is deposited (day 20), then 1.0 a year: it revokes the
    # notice at 20 + 365.25 E, before the 1000-day period ends with P = 1 - exp(-1000/365.25)
    events = {
        "y": {
            "hazard_per_year": 0,
            "rate_changes": [{"at": "notice_deposited", "hazard_per_year": 1.0}],
        }
    }
    s = scenario(
        {"r": route(gate("g", "20d"))},
        events=events,
        revoked_by=["y"],
        notice_period="1000d",
        trials=3000,
    )
    t = simulate(s)
    assert_proportion(share(t, "outcome", "revoked"), 1 - math.exp(-1000 / YEAR), len(t))
    revoked = t["outcome"] == "revoked"
    expected = 20 + YEAR * t.loc[revoked, "draw.events.y.exposure"]
    assert np.allclose(t.loc[revoked, "ended_day"], expected)


# -- earliest notice and "as of" -----------------------------------------------------------


def test_no_notice_before_the_earliest_date() -> None:
    # gates pass at U(0, 100); no deposit before day 60: P(deposit on day 60) = 0.6
    s = scenario(
        {"r": route({"name": "g", "delay": UNIFORM_0_100, "p": 1})},
        trials=4000,
        treaty={"earliest_notice": date_after(60)},
    )
    t = simulate(s)
    assert (t["notice_day"] >= 60).all()
    assert_proportion(float((t["notice_day"] == 60).mean()), 0.6, len(t))
    late = t[t["notice_day"] > 60]
    assert (late["notice_day"] == late["gate.r.g.day"]).all()


@pytest.mark.parametrize(("deposit", "as_of", "effective"), [(10, 30, 130), (50, 30, 150)])
def test_a_notice_effective_as_of_a_date(deposit: int, as_of: int, effective: int) -> None:
    # the period runs from the stated date; a notice cannot be backdated
    r = route(gate("g", f"{deposit}d"), notice_effective_as_of=date_after(as_of))
    t = simulate(scenario({"r": r}, trials=2))
    assert (t["notice_day"] == deposit).all()
    assert (t["effective_day"] == effective).all()


# -- appeals -------------------------------------------------------------------------------


def _appealed(appeal_delay: str, horizon: str = "2031-01-01", trials: int = 5000) -> object:
    challenge = {
        "name": "suit",
        "delay": "50d",
        "outcomes": {"voids_notice": 1},
        "appeal": {"delay": appeal_delay, "reverses": 0.6},
    }
    return scenario({"r": route(challenges=[challenge])}, trials=trials, horizon=horizon)


def test_an_appeal_reverses_a_voiding_before_the_effective_date() -> None:
    # voided on day 50, appeal on day 70 reverses with p 0.6: the notice takes effect on
    # day 100 as first set
    t = simulate(_appealed("20d"))  # type: ignore[arg-type]
    assert_proportion(share(t, "outcome", "exited"), 0.6, len(t))
    assert (t.loc[t["outcome"] == "exited", "exit_day"] == 100).all()
    voided = t[t["outcome"] == "voided"]
    assert (voided["ended_day"] == 50).all() and (voided["ended_by"] == "r.suit").all()
    assert (t["challenge.r.suit.ruling"] == "voids_notice").all()
    assert (t["challenge.r.suit.appeal_day"] == 70).all()
    assert ((t["challenge.r.suit.appeal"] == "reverses") == (t["outcome"] == "exited")).all()


def test_a_reversal_at_or_after_the_effective_date_comes_too_late() -> None:
    for delay in ("50d", "60d"):  # day 100 (a tie: the effect comes first) and day 110
        t = simulate(_appealed(delay, trials=300))  # type: ignore[arg-type]
        assert (t["outcome"] == "voided").all()
        assert (t["challenge.r.suit.appeal"] == "reverses").mean() > 0.4


def test_an_appeal_after_the_horizon_is_not_recorded() -> None:
    t = simulate(_appealed("20d", horizon=date_after(60), trials=50))  # type: ignore[arg-type]
    assert (t["outcome"] == "voided").all()
    assert t["challenge.r.suit.appeal"].isna().all()


# -- which scenarios use the extensions; bad input -----------------------------------------


def test_uses_extensions_names_each_construct() -> None:
    # the baseline's bills outlive their Congress once signed; the President's hazard ends
    # at the inauguration
    assert uses_extensions(load(ROOT / "scenarios" / "baseline.yaml")) == [
        "events.rate_changes",
        "dies_on.until",
    ]
    assert uses_extensions(_appealed("20d")) == ["challenges.appeal"]  # type: ignore[arg-type]
    assert uses_extensions(_pressure(1.0)) == ["events.rate_changes"]  # type: ignore[arg-type]
    events = {"congress_ends": {"date": date_after(40)}}
    assert uses_extensions(scenario({"bill": _bill("signature")}, events=events)) == [
        "dies_on.until"
    ]


def _error(events: dict, routes: dict | None = None, revoked_by: list | None = None) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario(routes or {"r": route()}, events=events, revoked_by=revoked_by)
    return str(caught.value)


def test_an_after_cycle_is_one_error() -> None:
    message = _error(
        {
            "a": {"hazard_per_year": 1, "after": "b"},
            "b": {"hazard_per_year": 1, "after": "a"},
        }
    )
    assert "events.a.after: 'after' clocks form a cycle" in message
    assert "a -> b -> a" in message
    assert message.count("cycle") == 1


def test_unordered_dated_rate_changes_are_an_error() -> None:
    message = _error(
        {
            "x": {
                "hazard_per_year": 1,
                "rate_changes": [
                    {"at": date_after(200), "hazard_per_year": 2},
                    {"at": date_after(100), "hazard_per_year": 3},
                ],
            }
        }
    )
    assert "events.x.rate_changes[1].at: rate changes must be listed in date order" in message


def test_until_names_a_gate_of_the_route() -> None:
    events = {"congress_ends": {"date": date_after(40)}}
    bad = route(gate("signature"), dies_on=[{"event": "congress_ends", "until": "signatur"}])
    message = _error(events, {"bill": bad})
    assert "routes.bill.dies_on[0].until: unknown gate 'signatur'" in message
    assert "did you mean 'signature'?" in message
    message = _error(events, revoked_by=[{"event": "congress_ends", "until": "x"}])
    assert "'until' belongs in a route's dies_on" in message


def test_notice_deposited_is_reserved_and_after_is_for_hazards() -> None:
    assert "reserved" in _error({"notice_deposited": {"date": date_after(3)}})
    assert "'after' is for hazard events only" in _error(
        {"d": {"date": date_after(3), "after": "notice_deposited"}}
    )
    assert "did you mean 'notice_deposited'?" in _error(
        {"x": {"hazard_per_year": 1, "after": "notice_deposite"}}
    )


EVERY_CONSTRUCT = """\
name: ext
start: 2027-01-01
horizon: 2029-01-20
treaty: {notice_period: 1y, earliest_notice: 2027-03-01}
events:
  congress_ends: {date: 2027-06-01}
  misses: {date: 2027-09-01}
  moves:
    hazard_per_year: 0.2
    rate_changes: [{at: misses, hazard_per_year: 1.0}, {at: 2028-01-01, hazard_per_year: 2}]
  deal: {hazard_per_year: 0.5, after: notice_deposited}
routes:
  bill:
    gates: [{name: signature, delay: 10d to 200d, p: 0.5}]
    dies_on: [{event: congress_ends, until: signature}]
    notice_effective_as_of: 2027-04-01
  exec:
    starts: after moves
    gates: [{name: defy, delay: 30d, p: 0.5}]
    challenges:
      - name: suit
        delay: 60d to 200d
        outcomes: {voids_notice: 0.5, dismissed: 0.5}
        appeal: {delay: 30d to 90d, reverses: 0.5}
notice:
  revoked_by: [deal]
"""


def test_the_json_schema_and_the_loader_accept_every_construct() -> None:
    import jsonschema

    from sim.language import json_schema, loads
    from sim.language.yaml_reading import read_yaml

    jsonschema.validate(read_yaml(EVERY_CONSTRUCT).data, json_schema())
    s = loads(EVERY_CONSTRUCT, "ext.yaml")
    assert uses_extensions(s) == [
        "treaty.earliest_notice",
        "events.rate_changes",
        "events.after",
        "dies_on.until",
        "routes.notice_effective_as_of",
        "challenges.appeal",
    ]
    bad = read_yaml(EVERY_CONSTRUCT.replace("reverses: 0.5", "reverses: 1.5")).data
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, json_schema())


def test_sim_query_asks_about_a_clocked_event(tmp_path: Path) -> None:
    # the deal comes at rate 0.5/year from the deposit on day 50; given that it came by day
    # 250 (P = 1 - exp(-0.5 * 200 / 365.25)), the 200-day notice was always revoked
    from sim import runner
    from sim.analysis.query import query
    from sim.run_folder import load_run

    s = scenario(
        {"r": route(gate("g", "50d"))},
        events={"deal": {"hazard_per_year": 0.5, "after": "notice_deposited"}},
        revoked_by=["deal"],
        notice_period="200d",
        trials=3000,
    )
    run = load_run(runner.run(s, out=tmp_path, workers=1, charts=False).folder)
    a = query(run, [f"events.deal happened by {date_after(249)}"])
    assert_proportion(a["share"], 1 - math.exp(-0.5 * 200 / YEAR), a["trials"])
    assert a["p_exit"] == 0.0
