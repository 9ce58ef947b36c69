"""The DES engine against answers worked out by hand.

Each scenario is small enough that its outcome probabilities and times follow from
elementary probability; tolerances are Monte Carlo standard errors at fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from support import (
    assert_mean,
    assert_proportion,
    date_after,
    day,
    gate,
    route,
    scenario,
    share,
    simulate,
)


def test_gate_chain_probability_is_the_product_and_time_the_sum() -> None:
    s = scenario(
        {"r": route(gate("a", "10d", 0.5), gate("b", "20d", 0.4), gate("c", "5d", 0.9))},
        notice_period="30d",
        trials=8000,
    )
    t = simulate(s)
    n = len(t)
    assert_proportion(share(t, "outcome", "exited"), 0.5 * 0.4 * 0.9, n)
    # where the chain stopped: a fails half the time, b 0.5*0.6, c 0.5*0.4*0.1
    stops = t["route.r.stopped_by"]
    assert_proportion(float((stops == "a").mean()), 0.5, n)
    assert_proportion(float((stops == "b").mean()), 0.3, n)
    assert_proportion(float((stops == "c").mean()), 0.02, n)
    deposited = t[t["outcome"] == "exited"]
    assert (deposited["notice_day"] == 35.0).all()  # 10 + 20 + 5
    assert (deposited["exit_day"] == 65.0).all()  # + 30d notice period
    failed_at_b = t[stops == "b"]
    assert (failed_at_b["route.r.end_day"] == 30.0).all()
    assert (failed_at_b["route.r.gates_passed"] == 1).all()
    assert set(t["outcome"]) == {"exited", "blocked"}


def test_random_delays_add_up() -> None:
    # notice day = U(0,10) + U(20,40) + 7: mean 5 + 30 + 7, variance 100/12 + 400/12
    s = scenario(
        {
            "r": route(
                {"name": "a", "delay": {"dist": "uniform", "min": "0d", "max": "10d"}, "p": 1},
                {"name": "b", "delay": {"dist": "uniform", "min": "20d", "max": "40d"}, "p": 1},
                notice_within="1w",
            )
        },
        trials=6000,
    )
    t = simulate(s)
    assert_mean(t["notice_day"], 42.0, math.sqrt(500 / 12))
    assert t["notice_day"].between(27, 57).all()


def test_dies_on_races_a_uniform_delay() -> None:
    # the gate resolves at U(0, 100) days; the route dies on day 40 if still pending
    events = {"congress_ends": {"date": date_after(40)}}
    delay = {"dist": "uniform", "min": "0d", "max": "100d"}
    s = scenario(
        {"bill": route({"name": "g", "delay": delay, "p": 1}, dies_on=["congress_ends"])},
        events=events,
        trials=8000,
    )
    t = simulate(s)
    assert_proportion(share(t, "route", "bill"), 0.4, len(t))
    died = t["route.bill.status"] == "died"
    assert_proportion(float(died.mean()), 0.6, len(t))
    assert (t.loc[died, "route.bill.stopped_by"] == "congress_ends").all()
    assert (t.loc[died, "route.bill.end_day"] == 40.0).all()
    assert (t.loc[died, "outcome"] == "blocked").all()


def test_dies_on_with_a_probability() -> None:
    # the event kills the pending bill only with p = 0.5: P(deposit) = 0.4 + 0.6 * 0.5
    events = {"congress_ends": {"date": date_after(40)}}
    delay = {"dist": "uniform", "min": "0d", "max": "100d"}
    s = scenario(
        {
            "bill": route(
                {"name": "g", "delay": delay, "p": 1},
                dies_on=[{"event": "congress_ends", "p": 0.5}],
            )
        },
        events=events,
        trials=8000,
    )
    t = simulate(s)
    assert_proportion(share(t, "route", "bill"), 0.7, len(t))


def test_two_routes_race_and_the_first_notice_wins() -> None:
    # A ~ U(0,100), B ~ U(50,150): P(B < A) = integral_50^100 (a-50)/100 da/100 = 1/8
    a = {"dist": "uniform", "min": "0d", "max": "100d"}
    b = {"dist": "uniform", "min": "50d", "max": "150d"}
    s = scenario(
        {
            "a": route({"name": "ga", "delay": a, "p": 1}),
            "b": route({"name": "gb", "delay": b, "p": 1}),
        },
        trials=8000,
    )
    t = simulate(s)
    n = len(t)
    assert_proportion(share(t, "route", "a"), 7 / 8, n)
    assert_proportion(share(t, "route", "b"), 1 / 8, n)
    a_won = t["route"] == "a"
    assert (t.loc[a_won, "route.b.status"] == "superseded").all()
    assert (t.loc[a_won, "route.b.stopped_by"] == "a").all()
    assert (t.loc[~a_won, "route.a.status"] == "superseded").all()
    # the winner's notice day is the minimum of the two gate times
    assert np.allclose(
        t["notice_day"],
        np.minimum(t["draw.routes.a.gates.ga.delay"], t["draw.routes.b.gates.gb.delay"]),
    )


def test_revocation_with_a_probability() -> None:
    # deposit on day 10, effective on day 110; an event on day 50 revokes with p = 0.3
    s = scenario(
        {"r": route(gate("g", "10d"))},
        events={"new_president": {"date": date_after(50)}},
        revoked_by=[{"event": "new_president", "p": 0.3}],
        trials=8000,
    )
    t = simulate(s)
    assert_proportion(share(t, "outcome", "revoked"), 0.3, len(t))
    assert_proportion(share(t, "outcome", "exited"), 0.7, len(t))
    revoked = t["outcome"] == "revoked"
    assert (t.loc[revoked, "ended_by"] == "new_president").all()
    assert (t.loc[revoked, "ended_day"] == 50.0).all()
    assert t.loc[revoked, "exit_day"].isna().all()


@pytest.mark.parametrize(
    ("event_day", "revoked"),
    [
        (5, False),  # before the deposit: an event happens once, and it is over
        (10, False),  # at the deposit instant: events come first, so nothing to revoke yet
        (11, True),
        (109, True),
        (110, False),  # at the effective instant: must be strictly before
    ],
)
def test_revocation_only_between_deposit_and_effect(event_day: int, revoked: bool) -> None:
    s = scenario(
        {"r": route(gate("g", "10d"))},
        events={"e": {"date": date_after(event_day)}},
        revoked_by=["e"],
        trials=50,
    )
    t = simulate(s)
    assert set(t["outcome"]) == ({"revoked"} if revoked else {"exited"})


def test_challenge_ruling_before_and_after_the_effective_date() -> None:
    # notice at day 0, effective day 100; ruling at U(0, 200) days; voids with 0.4.
    # Only rulings before day 100 count: P(voided) = 0.5 * 0.4.
    s = scenario(
        {
            "r": route(
                challenges=[
                    {
                        "name": "suit",
                        "delay": {"dist": "uniform", "min": "0d", "max": "200d"},
                        "outcomes": {"voids_notice": 0.4, "dismissed": 0.6},
                    }
                ]
            )
        },
        trials=8000,
    )
    t = simulate(s)
    n = len(t)
    assert_proportion(share(t, "outcome", "voided"), 0.2, n)
    assert_proportion(share(t, "outcome", "exited"), 0.8, n)
    assert_proportion(share(t, "challenge.r.suit.ruling", "dismissed"), 0.3, n)
    assert_proportion(float(t["challenge.r.suit.ruling"].isna().mean()), 0.5, n)
    late = t["draw.routes.r.challenges.suit.delay"] >= 100
    assert (t.loc[late, "outcome"] == "exited").all()
    voided = t["outcome"] == "voided"
    assert (t.loc[voided, "ended_by"] == "r.suit").all()
    assert (t.loc[voided, "ended_day"] < 100).all()


def test_votes_gate_matches_the_lognormal_cdf() -> None:
    # ayes ~ lognormal with 90% in [150, 230], rounded halves up; pass when ayes >= 218,
    # i.e. when the unrounded draw >= 217.5
    s = scenario(
        {"r": route({"name": "floor", "votes": {"needed": 218, "ayes": "150 to 230"}})},
        trials=20000,
    )
    t = simulate(s)
    mu = (math.log(150) + math.log(230)) / 2
    sigma = (math.log(230) - math.log(150)) / (2 * stats.norm.ppf(0.95))
    expected = 1 - stats.norm.cdf((math.log(217.5) - mu) / sigma)
    assert_proportion(share(t, "route", "r"), expected, len(t))
    ayes = t["draw.routes.r.gates.floor.ayes"]
    assert (ayes == np.round(ayes)).all()


def test_hazard_event_matches_one_minus_exp() -> None:
    # an event with rate 0.5/year starts a route that files at once; the notice by the end
    # of the horizon date (T = horizon_day + 1 days) has P = 1 - exp(-0.5 T / 365.25)
    s = scenario(
        {"r": route(starts="after move")},
        events={"move": {"hazard_per_year": 0.5}, "checkpoint": {"date": date_after(365)}},
        notice_period="0d",
        horizon=date_after(730),
        trials=20000,
    )
    t = simulate(s)
    n = len(t)
    assert_proportion(share(t, "outcome", "exited"), 1 - math.exp(-0.5 * 731 / 365.25), n)
    # exit on or before the checkpoint date: time < 366 days
    by_checkpoint = float((t["exit_day"] < 366).mean())
    assert_proportion(by_checkpoint, 1 - math.exp(-0.5 * 366 / 365.25), n)
    assert (t.loc[t["outcome"] == "no_move", "route.r.status"] == "not_started").all()


def test_hazard_rate_drawn_per_trial() -> None:
    # rate ~ choice(0, 1): half the trials never move; the other half move with 1 - e^-T
    s = scenario(
        {"r": route(starts="after move")},
        events={"move": {"hazard_per_year": {"dist": "choice", "values": [0, 1]}}},
        notice_period="0d",
        horizon=date_after(364),
        trials=20000,
    )
    t = simulate(s)
    assert_proportion(share(t, "outcome", "exited"), 0.5 * (1 - math.exp(-365 / 365.25)), len(t))
    zero = t["draw.events.move.hazard_per_year"] == 0
    assert (t.loc[zero, "outcome"] == "no_move").all()


def test_one_year_notice_is_calendar_arithmetic_across_a_leap_day() -> None:
    # deposited on 2028-02-29: one year later is 2029-02-28
    start = "2028-02-01"
    s = scenario(
        {"r": route(gate("g", "28d"))},
        notice_period="1y",
        start=start,
        horizon="2030-01-01",
        trials=10,
    )
    t = simulate(s)
    assert (t["notice_day"] == day("2028-02-29", start)).all()
    assert (t["exit_day"] == day("2029-02-28", start)).all()
    assert str(t["exit_date"].iloc[0])[:10] == "2029-02-28"


def test_one_year_notice_from_march_first() -> None:
    start = "2027-01-01"
    s = scenario({"r": route(gate("g", "59d"))}, notice_period="1y", trials=10)
    t = simulate(s)
    assert (t["notice_day"] == day("2027-03-01", start)).all()
    assert (t["exit_day"] == day("2028-03-01", start)).all()


def test_calendar_notice_keeps_the_fraction_of_the_day() -> None:
    # a hazard-timed deposit at day d + f takes effect at (d + 18 months as a date) + f
    s = scenario(
        {"r": route(starts="after move")},
        events={"move": {"hazard_per_year": 2}},
        notice_period="1.5y",
        trials=200,
        horizon="2035-01-01",
    )
    t = simulate(s)
    import datetime as dt

    from dateutil.relativedelta import relativedelta

    start = dt.date(2027, 1, 1)
    for notice, exit_day in zip(t["notice_day"], t["effective_day"], strict=True):
        whole = math.floor(notice)
        then = start + dt.timedelta(days=whole) + relativedelta(months=18)
        assert exit_day == pytest.approx((then - start).days + (notice - whole), abs=1e-9)


# -- tie rules --------------------------------------------------------------------------


def test_a_bill_whose_last_gate_resolves_as_its_congress_ends_dies() -> None:
    s = scenario(
        {"bill": route(gate("a", "10d"), gate("b", "20d"), dies_on=["end"])},
        events={"end": {"date": date_after(30)}},
        trials=20,
    )
    t = simulate(s)
    assert (t["route.bill.status"] == "died").all()
    assert (t["outcome"] == "blocked").all()
    assert (t["route.bill.gates_passed"] == 1).all()


def test_a_route_dies_during_notice_within() -> None:
    s = scenario(
        {"bill": route(gate("a", "10d"), notice_within="30d", dies_on=["end"])},
        events={"end": {"date": date_after(25)}},
        trials=20,
    )
    t = simulate(s)
    assert (t["route.bill.status"] == "died").all()
    assert (t["route.bill.gates_passed"] == 1).all()


def test_a_route_that_starts_as_its_dies_on_event_happens_dies() -> None:
    events = {"trigger": {"date": date_after(20)}, "end": {"date": date_after(20)}}
    s = scenario(
        {"r": route(gate("g", "5d"), starts="after trigger", dies_on=["end"])},
        events=events,
        trials=20,
    )
    t = simulate(s)
    assert (t["route.r.status"] == "died").all()
    assert (t["route.r.start_day"] == 20).all()


def test_an_at_start_route_dies_on_an_event_dated_at_start() -> None:
    s = scenario(
        {"r": route(gate("g", "5d"), dies_on=["now"])}, events={"now": {"date": "2027-01-01"}}
    )
    t = simulate(s)
    assert (t["route.r.status"] == "died").all()


def test_an_event_before_a_route_starts_does_nothing_to_it() -> None:
    events = {"end": {"date": date_after(5)}, "trigger": {"date": date_after(10)}}
    s = scenario(
        {"r": route(gate("g", "5d"), starts="after trigger", dies_on=["end"])},
        events=events,
        trials=20,
    )
    t = simulate(s)
    assert (t["route"] == "r").all()
    assert (t["notice_day"] == 15).all()


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_of_two_deposits_at_one_instant_the_route_listed_first_wins(order: tuple[str, str]) -> None:
    # both deposit on day 10: one through a 10d gate, the other through 4d + 6d notice_within
    routes = {
        "a": route(gate("ga", "10d")),
        "b": route(gate("gb", "4d"), notice_within="6d"),
    }
    s = scenario({name: routes[name] for name in order}, trials=20)
    t = simulate(s)
    first, second = order
    assert (t["route"] == first).all()
    assert (t["notice_day"] == 10).all()
    assert (t[f"route.{second}.status"] == "superseded").all()


def test_a_revocation_beats_a_ruling_at_the_same_instant() -> None:
    suit = {"name": "suit", "delay": "50d", "outcomes": {"voids_notice": 1}}
    s = scenario(
        {"r": route(challenges=[suit])},
        events={"e": {"date": date_after(50)}},
        revoked_by=["e"],
        trials=20,
    )
    t = simulate(s)
    assert (t["outcome"] == "revoked").all()
    assert t["challenge.r.suit.ruling"].isna().all()


def test_a_ruling_at_the_effective_instant_changes_nothing() -> None:
    suit = {"name": "suit", "delay": "100d", "outcomes": {"voids_notice": 1}}
    s = scenario({"r": route(challenges=[suit])}, trials=20)
    t = simulate(s)
    assert (t["outcome"] == "exited").all()


def test_only_the_depositing_routes_challenges_run() -> None:
    suit = {"name": "suit", "delay": "1d", "outcomes": {"voids_notice": 1}}
    s = scenario(
        {"lawful": route(gate("g", "5d")), "other": route(gate("h", "50d"), challenges=[suit])},
        trials=20,
    )
    t = simulate(s)
    assert (t["outcome"] == "exited").all()
    assert t["challenge.other.suit.ruling"].isna().all()


def test_after_a_revocation_no_new_notice_is_filed() -> None:
    # route a files on day 10 and is revoked on day 20; route b would file on day 30
    s = scenario(
        {"a": route(gate("g", "10d")), "b": route(gate("h", "30d"))},
        events={"e": {"date": date_after(20)}},
        revoked_by=["e"],
        trials=20,
    )
    t = simulate(s)
    assert (t["outcome"] == "revoked").all()
    assert (t["route.b.status"] == "superseded").all()


def test_an_unstarted_route_is_superseded_by_the_first_notice() -> None:
    s = scenario(
        {"a": route(gate("g", "10d")), "b": route(starts="after later")},
        events={"later": {"date": date_after(20)}},
        trials=20,
    )
    t = simulate(s)
    assert (t["route.b.status"] == "superseded").all()
    assert t["route.b.start_day"].isna().all()


# -- the horizon ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice_days", "outcome"),
    [(99, "exited"), (100, "notice_pending")],
)
def test_the_horizon_date_counts_whole(notice_days: int, outcome: str) -> None:
    # horizon is day 200 of the trial; effective on day 199 + 1 = 200 counts, 201 does not
    s = scenario(
        {"r": route(gate("g", f"{notice_days}d"))},
        notice_period="101d",
        horizon=date_after(200),
        trials=10,
    )
    t = simulate(s)
    assert (t["outcome"] == outcome).all()


def test_an_effect_at_a_fraction_of_the_horizon_date_counts() -> None:
    # effective at day 200.5, still on the horizon date
    s = scenario(
        {"r": route(gate("g", "99.5d"))}, notice_period="101d", horizon=date_after(200), trials=5
    )
    assert (simulate(s)["outcome"] == "exited").all()


def test_events_after_the_horizon_never_happen() -> None:
    s = scenario(
        {"r": route(gate("g", "10d"), starts="after late")},
        events={"late": {"date": date_after(201)}},
        horizon=date_after(200),
        trials=10,
    )
    t = simulate(s)
    assert (t["outcome"] == "no_move").all()
    assert (t["route.r.status"] == "not_started").all()


def test_blocked_and_no_move_are_told_apart() -> None:
    # one route always fails; the other is pending at the horizon -> no_move, not blocked
    s = scenario(
        {"fails": route(gate("g", "1d", 0.0)), "slow": route(gate("h", "900d"))},
        horizon=date_after(200),
        trials=10,
    )
    t = simulate(s)
    assert (t["outcome"] == "no_move").all()
    assert (t["route.slow.status"] == "active").all()
    s2 = scenario({"fails": route(gate("g", "1d", 0.0))}, trials=10)
    assert (simulate(s2)["outcome"] == "blocked").all()


def test_empty_gates_file_at_the_start() -> None:
    s = scenario({"r": route()}, notice_period="10d", trials=5)
    t = simulate(s)
    assert (t["notice_day"] == 0).all()
    assert (t["exit_day"] == 10).all()
