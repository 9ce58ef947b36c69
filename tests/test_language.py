"""The scenario language: what a valid file means, and what a bad file is told.

Every scenario text is written inline so that the expected line numbers can be counted by
eye. Every bad input must give one `ScenarioError` whose `str()` is a single line
`FILE:LINE: field.path: message`, with the line where the problem is, the field it is in,
and what would have been allowed.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sim.language import ScenarioError, load, loads
from sim.language.durations import DAYS_PER_MONTH
from sim.language.errors import dotted
from sim.language.values import (
    Beta,
    Constant,
    Kind,
    LogitNormal,
    LogNormal,
    Uniform,
)

FILE = "case.yaml"

# The example from DESIGN.md, verbatim.
DESIGN_EXAMPLE = """\
name: baseline                 # file-safe id, used for the output folder
title: Status quo
start: 2026-11-25
horizon: 2029-01-20
trials: 20000
seed: 20261125

treaty:                        # the exit clause being simulated
  name: North Atlantic Treaty, Article 13
  notice_period: 1y            # exit takes effect this long after the notice is deposited

events:                        # things that happen; routes and the notice react to them
  end_119th_congress: {date: 2027-01-03}
  inauguration_2029:  {date: 2029-01-20}
  white_house_moves:  {hazard_per_year: {dist: beta, mean: 0.06, sd: 0.04}}

routes:                        # legal paths to a notice; they race, the first notice wins
  act_of_congress:             # e.g. H.R. 6508
    starts: at_start           # or: after <event>
    gates:                     # in order; each: wait `delay`, then pass with `p` or `votes`
      - name: house_committee
        delay: 30d to 240d
        p: {value: 0.05, source: "judgment; no NATO-exit bill ever had a committee vote"}
      - {name: house_floor, delay: 7d to 60d, votes: {needed: 218, ayes: 150 to 230}}
      - {name: senate_cloture, delay: 14d to 120d, votes: {needed: 60, ayes: 5 to 40}}
      - {name: signature, delay: 10d, p: 0.95}
    dies_on: [end_119th_congress]       # a pending bill dies with its Congress
    notice_within: {dist: uniform, min: 0d, max: 30d}   # H.R. 6508 §3: within 30 days
  unilateral_notice:           # defying NDAA §1250A
    starts: after white_house_moves
    gates:
      - {name: decides_to_defy_1250a, delay: 30d to 180d, p: 0.3}
    notice_within: 0d
    challenges:                # run after this route's notice is deposited
      - name: congressional_lawsuit
        delay: 60d to 400d
        outcomes: {voids_notice: 0.35, dismissed: 0.5, upheld: 0.15}

notice:
  revoked_by:                  # a pending notice may be withdrawn before it takes effect
    - {event: inauguration_2029, p: 0.7}
"""

# The smallest scenario: everything optional left out.
MINIMAL = """\
name: minimal
start: 2026-11-25
horizon: 2029-01-20
treaty:
  notice_period: 1y
events:
  end_congress: {date: 2027-01-03}
routes:
  act:
    gates:
      - {name: committee, delay: 30d, p: 0.5}
    dies_on: [end_congress]
"""

# A valid scenario that the bad cases below edit one line at a time. Its lines:
#  1 name          7 end_congress       13 gate floor         19 delay     25 notice:
#  2 start         8 white_house_moves  14 dies_on            20 p         26 revoked_by:
#  3 horizon       9 routes:            15 unilateral:        21 challenges: 27 - {event...}
#  4 treaty:      10 act:               16 starts             22 - name: suit
#  5 notice_period 11 gates:            17 gates:             23 delay
#  6 events:      12 gate committee     18 - name: decides    24 outcomes
BASE = """\
name: t
start: 2026-11-25
horizon: 2029-01-20
treaty:
  notice_period: 1y
events:
  end_congress: {date: 2027-01-03}
  white_house_moves: {hazard_per_year: 0.1}
routes:
  act:
    gates:
      - {name: committee, delay: 30d, p: 0.5}
      - {name: floor, delay: 7d, votes: {needed: 218, ayes: 150 to 230}}
    dies_on: [end_congress]
  unilateral:
    starts: after white_house_moves
    gates:
      - name: decides
        delay: 30d to 180d
        p: 0.3
    challenges:
      - name: suit
        delay: 60d to 400d
        outcomes: {voids_notice: 0.35, dismissed: 0.5, upheld: 0.15}
notice:
  revoked_by:
    - {event: end_congress, p: 0.5}
"""

L12 = "      - {name: committee, delay: 30d, p: 0.5}\n"
L13 = "      - {name: floor, delay: 7d, votes: {needed: 218, ayes: 150 to 230}}\n"
L27 = "    - {event: end_congress, p: 0.5}\n"


def edit(old: str, new: str) -> str:
    """BASE with the one occurrence of `old` replaced by `new`."""
    assert BASE.count(old) == 1, f"{old!r} must occur exactly once in BASE"
    return BASE.replace(old, new)


def test_base_is_valid() -> None:
    """The bad cases are one edit away from this valid text."""
    s = loads(BASE, FILE)
    assert list(s.routes) == ["act", "unilateral"]
    assert len(BASE.splitlines()) == 27


# --- 1. the DESIGN.md example, resolved by hand ----------------------------------------


@pytest.fixture(scope="module")
def design():
    return loads(DESIGN_EXAMPLE, "design.yaml")


def test_design_example_top_level(design) -> None:
    assert design.name == "baseline"
    assert design.title == "Status quo"
    assert design.start == dt.date(2026, 11, 25)
    assert design.horizon == dt.date(2029, 1, 20)
    assert design.trials == 20000
    assert design.seed == 20261125
    assert design.treaty.name == "North Atlantic Treaty, Article 13"
    # 2026-11-25 -> 2028-11-25 is 365 + 366 days; then 5 + 31 + 20 to 2029-01-20.
    assert design.horizon_day == 731 + 56
    assert design.source_text == DESIGN_EXAMPLE


def test_design_example_notice_period_is_twelve_calendar_months(design) -> None:
    period = design.treaty.notice_period
    assert isinstance(period, Constant)
    assert period.kind is Kind.DURATION
    assert period.months == 12
    assert period.value == pytest.approx(12 * 365.25 / 12)
    # Article 13 read by hand: a notice deposited on 2027-03-01 (day 96) takes effect on
    # 2028-03-01 (day 96 + 366, 2028 being a leap year), whatever number was "drawn".
    assert design.after(96.0, period, drawn=0.0) == 96.0 + 366
    assert design.date_of(design.after(96.0, period, drawn=0.0)) == dt.date(2028, 3, 1)


def test_design_example_events(design) -> None:
    congress = design.events["end_119th_congress"]
    assert congress.date == dt.date(2027, 1, 3)
    assert congress.day == 5 + 31 + 3  # rest of November, December, 3 January
    assert design.events["inauguration_2029"].day == design.horizon_day
    moves = design.events["white_house_moves"]
    assert moves.date is None and moves.day is None
    rate = moves.hazard_per_year
    assert isinstance(rate, Beta)
    # mean m, sd s -> a = m k, b = (1 - m) k with k = m (1 - m) / s^2 - 1.
    k = 0.06 * 0.94 / 0.04**2 - 1
    assert rate.a == pytest.approx(0.06 * k)
    assert rate.b == pytest.approx(0.94 * k)
    assert rate.a / (rate.a + rate.b) == pytest.approx(0.06)
    assert [e.name for e in design.dated_events()] == ["end_119th_congress", "inauguration_2029"]


def test_design_example_act_of_congress(design) -> None:
    act = design.routes["act_of_congress"]
    assert act.trigger is None
    assert [g.name for g in act.gates] == [
        "house_committee",
        "house_floor",
        "senate_cloture",
        "signature",
    ]
    committee, floor, cloture, signature = act.gates
    assert committee.delay == LogNormal(Kind.DURATION, 30.0, 240.0)
    assert committee.p == Constant(
        Kind.PROBABILITY,
        0.05,
        source="judgment; no NATO-exit bill ever had a committee vote",
    )
    assert committee.votes is None
    assert floor.p is None
    assert floor.votes is not None
    assert floor.votes.needed == 218
    assert floor.votes.ayes == LogNormal(Kind.COUNT, 150.0, 230.0)
    assert cloture.votes is not None and cloture.votes.needed == 60
    assert cloture.votes.ayes == LogNormal(Kind.COUNT, 5.0, 40.0)
    assert signature.delay == Constant(Kind.DURATION, 10.0)
    assert signature.p == Constant(Kind.PROBABILITY, 0.95)
    # A dies_on written as a bare name is certain.
    assert [e.event for e in act.dies_on] == ["end_119th_congress"]
    assert act.dies_on[0].p == Constant(Kind.PROBABILITY, 1.0)
    assert act.notice_within == Uniform(Kind.DURATION, 0.0, 30.0)
    assert act.challenges == ()


def test_design_example_unilateral_notice(design) -> None:
    route = design.routes["unilateral_notice"]
    assert route.trigger == "white_house_moves"
    assert route.dies_on == ()
    (gate,) = route.gates
    assert gate.delay == LogNormal(Kind.DURATION, 30.0, 180.0)
    assert gate.delay.p5 == 30.0 and gate.delay.p95 == 180.0
    assert gate.p == Constant(Kind.PROBABILITY, 0.3)
    assert route.notice_within == Constant(Kind.DURATION, 0.0)
    (suit,) = route.challenges
    assert suit.name == "congressional_lawsuit"
    assert suit.delay == LogNormal(Kind.DURATION, 60.0, 400.0)
    assert (suit.voids_notice, suit.dismissed, suit.upheld) == (0.35, 0.5, 0.15)


def test_design_example_revocation(design) -> None:
    (effect,) = design.revoked_by
    assert effect.event == "inauguration_2029"
    assert effect.p == Constant(Kind.PROBABILITY, 0.7)


def test_defaults() -> None:
    s = loads(MINIMAL, FILE)
    assert s.title == "minimal"  # title defaults to name
    assert s.description is None
    assert s.trials == 10000
    assert s.seed == 0
    assert s.treaty.name  # a default name exists
    route = s.routes["act"]
    assert route.trigger is None  # starts: at_start
    assert route.notice_within == Constant(Kind.DURATION, 0.0)
    assert route.challenges == ()
    assert route.dies_on[0].p == Constant(Kind.PROBABILITY, 1.0)
    assert s.revoked_by == ()


def test_intervals_and_distributions_resolve() -> None:
    s = loads(
        edit("        p: 0.3\n", "        p: 0.02 to 0.10\n").replace(
            "dies_on: [end_congress]", "dies_on: [{event: end_congress, p: 0.6}]"
        ),
        FILE,
    )
    gate = s.routes["unilateral"].gates[0]
    assert gate.p == LogitNormal(Kind.PROBABILITY, 0.02, 0.10)
    (effect,) = s.routes["act"].dies_on
    assert effect.event == "end_congress"
    assert effect.p == Constant(Kind.PROBABILITY, 0.6)


def test_month_and_year_constants_are_whole_calendar_months() -> None:
    s = loads(edit("notice_period: 1y", "notice_period: 1.5y"), FILE)
    assert s.treaty.notice_period.months == 18
    s = loads(edit("notice_period: 1y", "notice_period: 6mo"), FILE)
    assert s.treaty.notice_period.months == 6
    assert s.treaty.notice_period.value == pytest.approx(6 * DAYS_PER_MONTH)
    s = loads(edit("notice_period: 1y", "notice_period: 45d"), FILE)
    assert s.treaty.notice_period == Constant(Kind.DURATION, 45.0)


# --- 2. YAML 1.2: yes/no/on/off are words --------------------------------------------

WORDS = """\
name: words
title: yes
description: off
start: 2026-11-25
horizon: 2029-01-20
treaty:
  name: no
  notice_period: 1y
events:
  on: {date: 2027-01-03}
routes:
  act:
    gates:
      - {name: committee, delay: 30d, p: 0.5}
    dies_on: [on]
"""


@pytest.mark.parametrize("header", ["", "%YAML 1.1\n---\n", "%YAML 1.2\n---\n"])
def test_yes_no_on_off_stay_words(header: str) -> None:
    s = loads(header + WORDS, FILE)
    assert s.title == "yes"
    assert s.description == "off"
    assert s.treaty.name == "no"
    assert list(s.events) == ["on"]
    assert s.routes["act"].dies_on[0].event == "on"


def test_yaml_directive_does_not_shift_line_numbers() -> None:
    text = "%YAML 1.1\n---\n" + WORDS.replace("title: yes", "titel: yes")
    with pytest.raises(ScenarioError) as info:
        loads(text, FILE)
    assert info.value.line == 4
    assert info.value.path == ("titel",)


# --- 3. bad input: one line, file, line, field, what is allowed -----------------------

ALL_KEYS = "allowed: name, title, description, start, horizon, trials, seed, treaty, events"

# (id, text, line or None, dotted path, substrings the message must contain)
BAD = [
    # not YAML: the line is where the bracket that is never closed was opened
    ("unclosed_flow_at_end", edit(L27, L27.replace("}", "")), 27, "", ["not valid YAML"]),
    ("unclosed_flow_mid_file", edit(L12, L12.replace("}", "")), 12, "", ["not valid YAML"]),
    ("empty_file", "", None, "", ["empty", "name, start, horizon, treaty and routes"]),
    ("whitespace_only", "  \n\n\t\n   \n", None, "", ["empty"]),
    ("top_level_list", "- name: t\n- start: 2026-11-25\n", None, "", ["list", "mapping"]),
    # tags: refused, never constructed
    (
        "python_object_tag",
        edit("name: t\n", "name: t\ntitle: !!python/object/apply:os.system ['ls']\n"),
        2,
        "title",
        ["tags are not allowed", "plain values"],
    ),
    (
        "str_tag",
        edit("name: t\n", "name: t\ntrials: !!str 5\n"),
        2,
        "trials",
        ["tags are not allowed", "!!str"],
    ),
    (
        "local_tag",
        edit("name: t\n", "name: t\ntitle: !foo x\n"),
        2,
        "title",
        ["tags are not allowed", "!foo"],
    ),
    # wrong types
    ("trials_word", edit("name: t\n", "name: t\ntrials: many\n"), 2, "trials", ["integer"]),
    ("trials_fraction", edit("name: t\n", "name: t\ntrials: 1.5\n"), 2, "trials", ["integer"]),
    ("trials_boolean", edit("name: t\n", "name: t\ntrials: true\n"), 2, "trials", ["integer"]),
    (
        "seed_negative",
        edit("name: t\n", "name: t\nseed: -1\n"),
        2,
        "seed",
        ["greater than or equal to 0"],
    ),
    # probabilities outside [0, 1]
    (
        "gate_p_above_one",
        edit(L12, L12.replace("p: 0.5", "p: 1.5")),
        12,
        "routes.act.gates[0].p",
        ["between 0 and 1", "1.5"],
    ),
    (
        "gate_p_negative",
        edit("        p: 0.3\n", "        p: -0.1\n"),
        20,
        "routes.unilateral.gates[0].p",
        ["between 0 and 1", "-0.1"],
    ),
    (
        "effect_p_above_one",
        edit(L27, L27.replace("p: 0.5", "p: 1.5")),
        27,
        "notice.revoked_by[0].p",
        ["between 0 and 1"],
    ),
    (
        "effect_p_negative",
        edit(L27, L27.replace("p: 0.5", "p: -0.1")),
        27,
        "notice.revoked_by[0].p",
        ["between 0 and 1"],
    ),
    (
        "dist_min_negative",
        edit(L12, L12.replace("p: 0.5", "p: {dist: uniform, min: -0.1, max: 0.5}")),
        12,
        "routes.act.gates[0].p.min",
        ["between 0 and 1", "-0.1"],
    ),
    (
        "dist_min_above_one",
        edit(L12, L12.replace("p: 0.5", "p: {dist: uniform, min: 1.5, max: 1.6}")),
        12,
        "routes.act.gates[0].p.min",
        ["between 0 and 1", "1.5"],
    ),
    (
        "dist_min_negative_block_form",
        edit(
            "        p: 0.3\n",
            "        p:\n          dist: uniform\n          min: -0.1\n          max: 0.5\n",
        ),
        22,
        "routes.unilateral.gates[0].p.min",
        ["between 0 and 1"],
    ),
    # durations
    (
        "negative_duration",
        edit("        delay: 30d to 180d\n", "        delay: -10d\n"),
        19,
        "routes.unilateral.gates[0].delay",
        ["negative"],
    ),
    (
        "negative_notice_period",
        edit("notice_period: 1y", "notice_period: -10d"),
        5,
        "treaty.notice_period",
        ["negative"],
    ),
    *[
        (
            f"unparseable_duration_{label}",
            edit("        delay: 30d to 180d\n", f"        delay: {text}\n"),
            19,
            "routes.unilateral.gates[0].delay",
            ["45d, 8w, 6mo or 1y"],
        )
        for label, text in [("10_days", "10 days"), ("bare_10", "10"), ("10x", "10x")]
    ],
    (
        "fractional_month_constant",
        edit("notice_period: 1y", "notice_period: 1.3y"),
        5,
        "treaty.notice_period",
        ["whole months", "1.3y"],
    ),
    # dates
    (
        "impossible_date",
        edit("start: 2026-11-25", "start: 2027-02-30"),
        2,
        "start",
        ["2027-02-30", "not a real date"],
    ),
    ("not_a_date", edit("start: 2026-11-25", "start: 20261125"), 2, "start", ["YYYY-MM-DD"]),
    (
        "horizon_before_start",
        edit("horizon: 2029-01-20", "horizon: 2026-11-24"),
        3,
        "horizon",
        ["before start", "on or after"],
    ),
    (
        "dated_event_before_start",
        edit("{date: 2027-01-03}", "{date: 2026-01-03}"),
        7,
        "events.end_congress.date",
        ["before start"],
    ),
    # names of events
    (
        "starts_after_unknown_event",
        edit("starts: after white_house_moves", "starts: after white_house_move"),
        16,
        "routes.unilateral.starts",
        ["unknown event 'white_house_move'", "did you mean 'white_house_moves'?"],
    ),
    (
        "dies_on_unknown_event",
        edit("dies_on: [end_congress]", "dies_on: [end_congres]"),
        14,
        "routes.act.dies_on[0]",
        ["unknown event 'end_congres'", "did you mean 'end_congress'?"],
    ),
    (
        "dies_on_mapping_unknown_event",
        edit("dies_on: [end_congress]", "dies_on: [{event: end_congres, p: 0.6}]"),
        14,
        "routes.act.dies_on[0].event",
        ["did you mean 'end_congress'?"],
    ),
    (
        "revoked_by_unknown_event",
        edit(L27, L27.replace("event: end_congress", "event: end_congres")),
        27,
        "notice.revoked_by[0].event",
        ["unknown event 'end_congres'", "did you mean 'end_congress'?"],
    ),
    (
        "revoked_by_unknown_event_name",
        edit(L27, "    - inauguration\n"),
        27,
        "notice.revoked_by[0]",
        ["unknown event 'inauguration'", "end_congress, white_house_moves"],
    ),
    # unknown keys
    (
        "unknown_key_top_level",
        edit("name: t\n", "name: t\ntitel: x\n"),
        2,
        "titel",
        ["unknown key 'titel'", "did you mean 'title'?", ALL_KEYS],
    ),
    (
        "unknown_key_top_level_far_from_any",
        edit("name: t\n", "name: t\nzzzzz: 1\n"),
        2,
        "zzzzz",
        ["unknown key 'zzzzz'", ALL_KEYS],
    ),
    (
        "unknown_key_in_treaty",
        edit("  notice_period: 1y\n", "  notice_period: 1y\n  nmae: x\n"),
        6,
        "treaty.nmae",
        ["did you mean 'name'?", "allowed: name, notice_period, source"],
    ),
    (
        "unknown_key_in_route",
        edit("  unilateral:\n", "  unilateral:\n    stars: at_start\n"),
        16,
        "routes.unilateral.stars",
        [
            "did you mean 'starts'?",
            "allowed: starts, gates, dies_on, notice_within, challenges",
        ],
    ),
    (
        "unknown_key_in_gate",
        edit("        delay: 30d to 180d\n", "        dealy: 30d to 180d\n"),
        19,
        "routes.unilateral.gates[0].dealy",
        ["did you mean 'delay'?", "name, delay, p, votes"],
    ),
    (
        "unknown_key_in_distribution",
        edit(L12, L12.replace("p: 0.5", "p: {dist: uniform, min: 0.1, maxx: 0.5}")),
        12,
        "routes.act.gates[0].p.maxx",
        ["did you mean 'max'?", "min", "max", "source"],
    ),
    (
        "unknown_key_in_effect",
        edit(L27, L27.replace("p: 0.5", "pp: 0.5")),
        27,
        "notice.revoked_by[0].pp",
        ["did you mean 'p'?", "event, p, source"],
    ),
    # duplicate keys: the line of the second occurrence
    (
        "duplicate_key_top_level",
        edit("horizon: 2029-01-20\n", "horizon: 2029-01-20\nname: u\n"),
        4,
        "name",
        ["duplicate key 'name'"],
    ),
    (
        "duplicate_key_in_gate",
        edit("        p: 0.3\n", "        p: 0.3\n        p: 0.4\n"),
        21,
        "routes.unilateral.gates[0].p",
        ["duplicate key 'p'"],
    ),
    # gates
    (
        "gate_with_p_and_votes",
        edit(L12, L12.replace("p: 0.5", "p: 0.5, votes: {needed: 1, ayes: 2}")),
        12,
        "routes.act.gates[0]",
        ["exactly one of 'p' and 'votes'"],
    ),
    (
        "gate_with_neither_p_nor_votes",
        edit(L12, L12.replace(", p: 0.5", "")),
        12,
        "routes.act.gates[0]",
        ["exactly one of 'p' and 'votes'"],
    ),
    (
        "gate_names_repeated",
        edit(L13, L13.replace("name: floor", "name: committee")),
        13,
        "routes.act.gates[1]",
        ["'committee'", "used twice"],
    ),
    (
        "votes_needed_fractional",
        edit(L13, L13.replace("needed: 218", "needed: 217.5")),
        13,
        "routes.act.gates[1].votes.needed",
        ["whole number", "217.5"],
    ),
    # challenges
    (
        "challenge_outcomes_do_not_sum_to_one",
        edit("upheld: 0.15}", "upheld: 0.1}"),
        24,
        "routes.unilateral.challenges[0].outcomes",
        ["sum to 1", "0.95"],
    ),
    # distributions and intervals
    (
        "unknown_distribution",
        edit(L12, L12.replace("p: 0.5", "p: {dist: gaussian, mean: 0.5, sd: 0.1}")),
        12,
        "routes.act.gates[0].p.dist",
        ["unknown distribution 'gaussian'", "uniform, triangular, pert, lognormal, normal"],
    ),
    (
        "unknown_distribution_close",
        edit(L12, L12.replace("p: 0.5", "p: {dist: betta, mean: 0.5, sd: 0.1}")),
        12,
        "routes.act.gates[0].p.dist",
        ["did you mean 'beta'?", "allowed: uniform"],
    ),
    (
        "interval_reversed",
        edit("        delay: 30d to 180d\n", "        delay: 180d to 30d\n"),
        19,
        "routes.unilateral.gates[0].delay",
        ["0 < a < b", "180d to 30d"],
    ),
    (
        "interval_equal_ends",
        edit("        delay: 30d to 180d\n", "        delay: 30d to 30d\n"),
        19,
        "routes.unilateral.gates[0].delay",
        ["0 < a < b"],
    ),
    (
        "probability_interval_reaching_one",
        edit("        p: 0.3\n", "        p: 0.5 to 1\n"),
        20,
        "routes.unilateral.gates[0].p",
        ["0 < a < b < 1"],
    ),
    (
        "beta_sd_too_large",
        edit("        p: 0.3\n", "        p: {dist: beta, mean: 0.5, sd: 0.6}\n"),
        20,
        "routes.unilateral.gates[0].p.sd",
        ["sd must be below", "0.5", "0.6"],
    ),
    # missing required keys
    (
        "missing_horizon",
        edit("horizon: 2029-01-20\n", ""),
        None,
        "",
        ["missing required key 'horizon'"],
    ),
    (
        "missing_treaty",
        edit("treaty:\n  notice_period: 1y\n", ""),
        None,
        "",
        ["missing required key 'treaty'"],
    ),
    (
        "missing_routes",
        BASE.split("routes:\n")[0] + "notice:\n  revoked_by: []\n",
        None,
        "",
        ["missing required key 'routes'"],
    ),
    (
        "missing_notice_period",
        edit("  notice_period: 1y\n", "  name: Some treaty\n"),
        4,
        "treaty",
        ["missing required key 'notice_period'"],
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "path", "says"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD],
)
def test_bad_input_is_one_located_line(
    text: str, line: int | None, path: str, says: list[str]
) -> None:
    with pytest.raises(ScenarioError) as info:
        loads(text, FILE)
    err = info.value
    shown = str(err)
    assert "\n" not in shown, f"the error must be one line: {shown!r}"
    assert err.file == FILE
    assert err.line == line, f"expected line {line}: {shown}"
    assert dotted(err.path) == path, f"expected field {path!r}: {shown}"
    where = FILE if line is None else f"{FILE}:{line}"
    prefix = f"{where}: {path}: " if path else f"{where}: "
    assert shown.startswith(prefix), f"expected {prefix!r} at the start of {shown!r}"
    for part in says:
        assert part in err.message, f"expected {part!r} in {shown!r}"
    assert shown == prefix + err.message


def test_python_tag_constructs_nothing(tmp_path) -> None:
    """A tag that would call a function is refused before anything is constructed."""
    target = tmp_path / "made_by_yaml"
    text = edit("name: t\n", f"name: t\ntitle: !!python/object/apply:os.mkdir ['{target}']\n")
    with pytest.raises(ScenarioError):
        loads(text, FILE)
    assert not target.exists()


# --- 4. load(): files that cannot be read ---------------------------------------------


def _load_error(path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(path)
    return info.value


def test_load_reads_a_file(tmp_path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    s = load(path)
    assert s.name == "minimal"
    assert s.source_text == MINIMAL


def test_load_missing_file(tmp_path) -> None:
    path = tmp_path / "nosuch.yaml"
    err = _load_error(path)
    assert err.file == str(path)
    assert str(err) == f"{path}: no such file"


def test_load_directory(tmp_path) -> None:
    err = _load_error(tmp_path)
    shown = str(err)
    assert "\n" not in shown
    assert shown.startswith(f"{tmp_path}: ")
    assert "directory" in shown


def test_load_non_utf8(tmp_path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINIMAL.replace("name: minimal", "name: caf\xe9").encode("latin-1"))
    err = _load_error(path)
    shown = str(err)
    assert "\n" not in shown
    assert shown.startswith(f"{path}: ")
    assert "UTF-8" in shown


def test_load_error_names_the_file_and_line(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(edit("start: 2026-11-25", "start: 2027-02-30"), encoding="utf-8")
    err = _load_error(path)
    assert str(err).startswith(f"{path}:2: start: ")


def test_an_event_listed_twice_in_one_effect_list_is_refused() -> None:
    text = edit("    dies_on: [end_congress]\n", "    dies_on: [end_congress, end_congress]\n")
    with pytest.raises(ScenarioError) as err:
        loads(text, FILE)
    assert str(err.value) == (
        f"{FILE}:14: routes.act.dies_on[1]: event 'end_congress' is listed twice"
    )
