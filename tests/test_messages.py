"""The editing loop's messages (issue 6): every mistake of a file in one pass, in line order,
each message fixing in one try; warnings for what is legal but probably not meant; and a
JSON Schema that refuses what the loader refuses.

Texts are inline so that line numbers can be counted by eye.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from pathlib import Path

import jsonschema
import pytest

from sim.language import ScenarioError, ScenarioErrors, check, json_schema, loads
from sim.language.values import Constant, Kind
from sim.language.yaml_reading import read_yaml

F = "my.yaml"

# Five mistakes on five lines, the first on line 4; a structural one (an unknown key) last.
FIVE = """\
name: my_copy
start: 2026-11-25
horizon: 2029-01-20
treaty: {notice_period: 1yr}
events:
  end_congress: {date: 2027-01-03, source: congress-119-ends: bills die}
routes:
  act:
    gates:
      - {name: committee, delay: 30d to 240d, p: 2% to 10%}
      - {name: floor, delay: 7d to 60d, votes: {needed: 2/3, ayes: 150 to 230}}
    dies_on: [end_congress]
    notice_withn: 30d
"""

FIVE_ANSWER = """\
my.yaml:4: treaty.notice_period: expected a duration such as 45d, 8w, 6mo or 1y, got '1yr' (write 1y)
my.yaml:6: events.end_congress.source: quote the value: a plain value cannot contain ': '; write "congress-119-ends: bills die"
my.yaml:10: routes.act.gates[0].p: expected numbers on both sides of 'a to b', got '2% to 10%' (write 0.02 to 0.1: no % sign)
my.yaml:11: routes.act.gates[1].votes.needed: 'needed' is the whole number of ayes a gate needs, a constant (or {value: n, source: ...}): for two-thirds of 100 senators write 67; got '2/3'
my.yaml:13: routes.act.notice_withn: unknown key 'notice_withn' (did you mean 'notice_within'?); allowed: starts, gates, dies_on, notice_within, challenges, notice_effective_as_of"""  # noqa: E501


def errors_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        loads(text, F)
    return info.value


def only_error(text: str) -> ScenarioError:
    err = errors_of(text)
    assert len(err.errors) == 1, str(err)
    return err


# --- every error in one pass ---------------------------------------------------------


def test_five_mistakes_answered_in_one_pass_in_line_order() -> None:
    err = errors_of(FIVE)
    assert isinstance(err, ScenarioErrors)
    assert str(err) == FIVE_ANSWER
    assert [e.line for e in err.errors] == [4, 6, 10, 11, 13]
    # It still reads as its first problem, for code that handles one ScenarioError.
    assert (err.line, err.path) == (4, ("treaty", "notice_period"))
    assert str(err).splitlines()[0] == str(err.errors[0])


def test_fixing_all_five_leaves_a_valid_file() -> None:
    fixed = (
        FIVE.replace("1yr", "1y")
        .replace("congress-119-ends: bills die", '"congress-119-ends: bills die"')
        .replace("2% to 10%", "0.02 to 0.1")
        .replace("2/3", "218")
        .replace("notice_withn", "notice_within")
    )
    s = loads(fixed, F)
    assert s.routes["act"].notice_within == Constant(Kind.DURATION, 30.0)


def test_a_misspelt_required_key_is_one_error_not_two() -> None:
    text = FIVE.replace("1yr", "1y").replace("notice_period", "notice_perod")
    err = errors_of(text)
    mine = [e for e in err.errors if e.path[:1] == ("treaty",)]
    assert [str(e) for e in mine] == [
        "my.yaml:4: treaty.notice_perod: unknown key 'notice_perod' (did you mean "
        "'notice_period'?); allowed: name, notice_period, source, earliest_notice"
    ]


def test_a_broken_event_is_not_reported_again_where_it_is_used() -> None:
    text = VALID.replace("{date: 2027-01-03}", "{date: 2027-01-03, hazard_per_year: 1}")
    err = only_error(text)
    assert err.line == 7
    assert "exactly one of 'date' and 'hazard_per_year'" in err.message


def test_many_errors_are_all_kept(tmp_path) -> None:
    gates = "".join(f"      - {{name: g{i}, p: {2 + i}}}\n" for i in range(60))
    text = VALID.replace("      - {name: committee, delay: 30d, p: 0.5}\n", gates)
    err = errors_of(text)
    assert len(err.errors) == 60
    assert [e.line for e in err.errors] == sorted(e.line for e in err.errors)


# --- messages that fix in one try ----------------------------------------------------

VALID = """\
name: t
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
      - {name: floor, delay: 7d, votes: {needed: 218, ayes: 150 to 230}}
    dies_on: [end_congress]
    notice_within: 0d
"""
GATE = "      - {name: committee, delay: 30d, p: 0.5}\n"


def test_valid_is_valid() -> None:
    assert loads(VALID, F).warnings == ()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "  end_congress: {date: 2027-01-03}\n",
            "  end_congress:\n    date: 2027-01-03\n    source: judgment: a guess\n",
            "my.yaml:9: events.end_congress.source: quote the value: a plain value cannot "
            "contain ': '; write \"judgment: a guess\"",
            id="colon_in_block_value",
        ),
        pytest.param(
            "{date: 2027-01-03}",
            "{date: 2027-01-03, source: judgment: a guess}",
            "my.yaml:7: events.end_congress.source: quote the value: a plain value cannot "
            "contain ': '; write \"judgment: a guess\"",
            id="colon_in_flow_value",
        ),
        pytest.param(
            "  act:\n    gates:\n",
            "  empty:\n  act:\n    gates:\n",
            "my.yaml:9: routes.empty: expected a mapping (keys: starts, gates, dies_on, "
            "notice_within, challenges, notice_effective_as_of; required: gates), got "
            "nothing (null); write its keys under it, indented",
            id="route_with_nothing_under_it",
        ),
        pytest.param(
            "needed: 218",
            "needed: 2/3",
            "my.yaml:12: routes.act.gates[1].votes.needed: 'needed' is the whole number of "
            "ayes a gate needs, a constant (or {value: n, source: ...}): for two-thirds of "
            "100 senators write 67; got '2/3'",
            id="needed_two_thirds",
        ),
        pytest.param(
            "needed: 218",
            "needed: 200 to 220",
            "my.yaml:12: routes.act.gates[1].votes.needed: 'needed' is the whole number of "
            "ayes a gate needs, a constant (or {value: n, source: ...}): for two-thirds of "
            "100 senators write 67; got '200 to 220'",
            id="needed_interval",
        ),
        pytest.param(
            "notice_period: 1y",
            "notice_period: 1yr",
            "my.yaml:5: treaty.notice_period: expected a duration such as 45d, 8w, 6mo or "
            "1y, got '1yr' (write 1y)",
            id="duration_1yr",
        ),
        pytest.param(
            "delay: 30d, p",
            "delay: 6 months, p",
            "my.yaml:11: routes.act.gates[0].delay: expected a duration such as 45d, 8w, 6mo "
            "or 1y, got '6 months' (write 6mo)",
            id="duration_6_months",
        ),
        pytest.param(
            "p: 0.5}",
            "p: 5%}",
            "my.yaml:11: routes.act.gates[0].p: expected a probability: a number in [0, 1], "
            "'a to b', {value: ...} or {dist: ...}, got '5%' (write 0.05 for 5%: no % sign)",
            id="percent",
        ),
        pytest.param(
            "p: 0.5}",
            "p: 2% to 10%}",
            "my.yaml:11: routes.act.gates[0].p: expected numbers on both sides of 'a to b', "
            "got '2% to 10%' (write 0.02 to 0.1: no % sign)",
            id="percent_interval",
        ),
        pytest.param(
            "start: 2026-11-25",
            "start: 01/03/2027",
            "my.yaml:2: start: expected a date written YYYY-MM-DD, got '01/03/2027'",
            id="date_slashes",
        ),
        pytest.param(
            ", p: 0.5}",
            "}",
            "my.yaml:11: routes.act.gates[0]: a gate has exactly one of 'p' and 'votes'",
            id="gate_without_p_or_votes",
        ),
        pytest.param(
            "p: 0.5}",
            'p: "1.5"}',
            "my.yaml:11: routes.act.gates[0].p: a probability must be between 0 and 1, got 1.5",
            id="quoted_number_out_of_range",
        ),
        pytest.param(
            "routes:\n  act:\n",
            "routes:\n  act:\n    starts: after end_congres\n",
            "my.yaml:10: routes.act.starts: unknown event 'end_congres' (did you mean "
            "'end_congress'?); events: end_congress",
            id="unknown_event",
        ),
    ],
)
def test_message(old: str, new: str, expected: str) -> None:
    assert VALID.count(old) == 1
    err = only_error(VALID.replace(old, new))
    assert str(err) == expected
    assert not re.findall(r"[A-Z][A-Za-z]*In\b", str(err))  # no internal class names


def test_colon_repair_goes_on_to_the_next_mistake() -> None:
    text = VALID.replace("{date: 2027-01-03}", "{date: 2027-01-03, source: a: b}").replace(
        "p: 0.5}", "p: 1.5}"
    )
    err = errors_of(text)
    assert [(e.line, e.path[-1]) for e in err.errors] == [(7, "source"), (11, "p")]


def test_a_syntax_error_after_a_colon_repair_is_reported_with_it() -> None:
    text = VALID.replace("{date: 2027-01-03}", "{date: 2027-01-03, source: a: b}").replace(
        "p: 0.5}", "p: 0.5"
    )
    err = errors_of(text)
    assert err.errors[0].line == 7 and "quote the value" in err.errors[0].message
    assert err.errors[1].line == 11 and "not valid YAML" in err.errors[1].message


# --- quoted numbers are numbers ------------------------------------------------------


def test_quoted_numbers_are_read_as_numbers() -> None:
    text = (
        VALID.replace("p: 0.5}", 'p: "0.5"}')
        .replace("needed: 218", 'needed: "218"')
        .replace("start: 2026-11-25", 'start: "2026-11-25"\ntrials: "500"\nseed: "7"')
        .replace("p: 0.5", "p: 0.5")
    )
    s = loads(text, F)
    gate, floor = s.routes["act"].gates
    assert gate.p == Constant(Kind.PROBABILITY, 0.5)
    assert floor.votes is not None and floor.votes.needed == 218
    assert (s.trials, s.seed) == (500, 7)
    choice = (
        loads(
            VALID.replace("p: 0.5}", 'p: {dist: choice, values: ["0.2", 0.4], weights: ["1", 1]}}'),
            F,
        )
        .routes["act"]
        .gates[0]
        .p
    )
    assert choice.values == (0.2, 0.4) and choice.weights == (1.0, 1.0)


# --- warnings ------------------------------------------------------------------------


def warnings_of(text: str) -> list[str]:
    return [str(w) for w in loads(text, F).warnings]


def test_choice_weights_not_summing_to_one_warn() -> None:
    text = VALID.replace("p: 0.5}", "p: {dist: choice, values: [0.1, 0.5], weights: [0.6, 0.5]}}")
    assert warnings_of(text) == [
        "my.yaml:11: routes.act.gates[0].p.weights: warning: choice weights sum to 1.1, not "
        "1; they are normalised (divided by 1.1: 0.545, 0.455)"
    ]


def test_a_normal_clipped_at_zero_for_31_percent_warns() -> None:
    # P(N(0.1, 0.2) < 0) = Phi(-0.5) = 0.3085.
    text = VALID.replace("p: 0.5}", "p: {dist: normal, mean: 0.1, sd: 0.2}}")
    assert warnings_of(text) == [
        "my.yaml:11: routes.act.gates[0].p: warning: normal (mean 0.1, sd 0.2) is clipped at "
        "0: 31% of trials have p = 0; use a narrower sd, or a distribution inside the range "
        "(beta, 'a to b')"
    ]


def test_a_normal_clipped_rarely_does_not_warn() -> None:
    # P(N(0.5, 0.2) outside [0, 1]) = 2 Phi(-2.5) = 1.2%, each side 0.6% < 5%.
    text = VALID.replace("p: 0.5}", "p: {dist: normal, mean: 0.5, sd: 0.2}}")
    assert warnings_of(text) == []


def test_a_normal_delay_clipped_at_zero_days_warns() -> None:
    # P(N(10, 10) < 0) = Phi(-1) = 15.9%.
    text = VALID.replace("delay: 30d, p", "delay: {dist: normal, mean: 10d, sd: 10d}, p")
    (warning,) = warnings_of(text)
    assert "16% of trials have delay = 0d" in warning


def test_a_horizon_before_any_exit_can_take_effect_warns() -> None:
    # The fastest route deposits at start (no gates): 2027-01-01 + 1y (calendar) is
    # 2028-01-01, one day after this horizon.
    text = """\
name: t
start: 2027-01-01
horizon: 2027-12-31
treaty: {notice_period: 1y}
routes:
  act: {gates: []}
"""
    assert warnings_of(text) == [
        "my.yaml:3: horizon: warning: no notice can take effect by the horizon 2027-12-31: "
        "the earliest deposit is 2027-01-01 and the notice period puts its effect on "
        "2028-01-01 at the earliest, so P(exit) is 0 by construction; move the horizon later"
    ]
    # A horizon on the effective date itself counts the exit: no warning.
    assert warnings_of(text.replace("2027-12-31", "2028-01-01")) == []
    # 365 days is not a calendar year in 2028: 2028-01-01 + 365d = 2028-12-31.
    leap = text.replace("2027-", "2028-").replace("1y}", "365d}")
    assert warnings_of(leap.replace("2028-12-31", "2028-12-30"))
    assert warnings_of(leap) == []


def test_gate_delays_count_towards_the_earliest_deposit() -> None:
    text = """\
name: t
start: 2027-01-01
horizon: 2028-01-20
treaty: {notice_period: 1y}
routes:
  act:
    gates: [{name: g, delay: {dist: uniform, min: 20d, max: 40d}, p: 0.5}]
"""
    # Earliest deposit 2027-01-21, effect 2028-01-21 > horizon 2028-01-20.
    (warning,) = warnings_of(text)
    assert "earliest deposit is 2027-01-21" in warning
    assert warnings_of(text.replace("min: 20d", "min: 19d")) == []


def test_a_revocation_before_any_deposit_warns() -> None:
    text = VALID.replace(
        "    notice_within: 0d\n",
        "    notice_within: 0d\nnotice:\n  revoked_by: [end_congress]\n",
    ).replace("delay: 30d, p", "delay: 60d, p")
    # The route deposits at the earliest 60 + 7 days after 2026-11-25: 2027-01-31.
    assert warnings_of(text) == [
        "my.yaml:16: notice.revoked_by[0]: warning: end_congress (2027-01-03) can never "
        "revoke a notice: a revocation must come after the deposit, and the earliest "
        "deposit is 2027-01-31"
    ]
    assert warnings_of(text.replace("delay: 60d, p", "delay: 30d, p").replace("7d", "1d")) == []


def test_a_source_id_not_in_the_digest_warns() -> None:
    text = VALID.replace(
        "{date: 2027-01-03}", '{date: 2027-01-03, source: "congress-119-end: bills die"}'
    )
    assert warnings_of(text) == [
        "my.yaml:7: events.end_congress.source: warning: source id 'congress-119-end' is not "
        "in the seeds digest (did you mean 'congress-119-ends'?); start a source with an id "
        "from seeds/digest.yaml, or with 'judgment:'"
    ]
    for fine in ("congress-119-ends: bills die", "judgment: a guess", "Judgment: x", "a guess"):
        assert warnings_of(text.replace("congress-119-end: bills die", fine)) == []


def test_strict_makes_warnings_errors() -> None:
    text = VALID.replace("p: 0.5}", "p: {dist: normal, mean: 0.1, sd: 0.2}}")
    with pytest.raises(ScenarioError) as info:
        loads(text, F, strict=True)
    assert str(info.value).startswith("my.yaml:11: routes.act.gates[0].p: normal (mean 0.1")


def test_check_is_the_python_api_for_warnings() -> None:
    s = loads(VALID.replace("p: 0.5}", "p: {dist: normal, mean: 0.1, sd: 0.2}}"), F)
    (warning,) = check(s)
    assert warning.path == ("routes", "act", "gates", 0, "p") and warning.line == 11
    assert str(warning) == str(s.warnings[0]).replace(F, "<scenario>")
    (warning,) = check(dataclasses.replace(s, source_text=""))
    assert warning.line is None  # without the text, only the field is known


# --- the JSON Schema refuses what the loader refuses ---------------------------------

VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def _refused_by_both(text: str) -> None:
    with pytest.raises(ScenarioError):
        loads(text, F)
    data = read_yaml(text).data
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(data)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("start: 2026-11-25", "start: 01/03/2027", id="date_slashes"),
        pytest.param("{date: 2027-01-03}", "{date: 2027-1-3}", id="date_short"),
        pytest.param("p: 0.5}", "p: 2% to 10%}", id="percent_interval"),
        pytest.param("p: 0.5}", "p: 0.1 to lots}", id="word_interval"),
        pytest.param("p: 0.5}", "p: 1.5}", id="p_above_one"),
        pytest.param("delay: 30d, p", "delay: 30d to 2 months, p", id="duration_interval"),
        pytest.param("delay: 30d, p", "delay: 1yr, p", id="duration_1yr"),
        pytest.param(", p: 0.5}", "}", id="gate_without_p_or_votes"),
        pytest.param(
            ", p: 0.5}", ", p: 0.5, votes: {needed: 1, ayes: 2}}", id="gate_with_p_and_votes"
        ),
        pytest.param("needed: 218", "needed: 2/3", id="needed_fraction"),
        pytest.param(
            "{date: 2027-01-03}", "{date: 2027-01-03, hazard_per_year: 1}", id="event_both"
        ),
        pytest.param("{date: 2027-01-03}", "{source: x}", id="event_neither"),
    ],
)
def test_schema_and_loader_both_refuse(old: str, new: str) -> None:
    assert VALID.count(old) == 1
    _refused_by_both(VALID.replace(old, new))


def test_schema_accepts_the_valid_forms() -> None:
    data = read_yaml(VALID).data
    VALIDATOR.validate(data)
    variant = copy.deepcopy(data)
    variant["routes"]["act"]["gates"][0]["p"] = "0.02 to 0.10"
    variant["routes"]["act"]["gates"][0]["delay"] = "30d to 6mo"
    variant["routes"]["act"]["notice_within"] = 0
    variant["routes"]["act"]["gates"][1]["votes"]["needed"] = {"value": 218, "source": "x"}
    VALIDATOR.validate(variant)
    loads(
        VALID.replace("p: 0.5}", "p: 0.02 to 0.10}").replace("delay: 30d,", "delay: 30d to 6mo,"), F
    )


# --- the README shows what the loader says -------------------------------------------


def test_the_readme_shows_the_five_mistakes_and_their_answer() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    assert f"```yaml\n{FIVE}```" in readme
    assert f"```\n{FIVE_ANSWER}\n```" in readme
    assert "DESIGN.md" not in readme  # the repository has no such file


def test_routes_that_cannot_start_by_the_horizon_warn() -> None:
    text = VALID.replace("  act:\n", "  act:\n    starts: after late\n").replace(
        "  end_congress: {date: 2027-01-03}\n",
        "  end_congress: {date: 2027-01-03}\n  late: {date: 2030-01-01}\n",
    )
    assert warnings_of(text) == [
        "my.yaml:9: routes: warning: no route can start by the horizon 2029-01-20: each "
        "starts after an event dated later, so P(exit) is 0 by construction"
    ]


def test_needed_with_a_misspelt_source_key() -> None:
    err = only_error(VALID.replace("needed: 218", "needed: {value: 218, sorce: x}"))
    assert str(err) == (
        "my.yaml:12: routes.act.gates[1].votes.needed.sorce: unknown key 'sorce' (did you "
        "mean 'source'?); allowed: value, source"
    )
