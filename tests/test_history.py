"""History replays (scenarios/history/): each is deterministic, and each must end as the
record shows, on the dates the record shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from support import simulate

from sim import bundled
from sim.draws import quantities
from sim.language import Scenario, load
from sim.language.model import uses_extensions
from sim.language.values import Constant, Kind

HISTORY = Path(__file__).resolve().parent.parent / "scenarios" / "history"


def _replay(name: str) -> tuple[Scenario, pd.Series]:
    s = load(HISTORY / f"{name}.yaml")
    table = simulate(s)
    assert len(table) == 1
    return s, table.iloc[0]


def _date(s: Scenario, day: float) -> str:
    return s.date_of(day).isoformat()


def test_paris_1_waits_for_article_28() -> None:
    s, row = _replay("paris_1")
    assert row["outcome"] == "exited"
    assert _date(s, row["gate.executive_notice.president_announces.day"]) == "2017-06-01"
    assert _date(s, row["notice_day"]) == "2019-11-04"  # the first day Art. 28 allows
    assert _date(s, row["exit_day"]) == "2020-11-04"
    assert "treaty.earliest_notice" in uses_extensions(s)


def test_who_1_is_retracted_by_the_next_administration() -> None:
    s, row = _replay("who_1")
    assert row["outcome"] == "revoked"
    assert _date(s, row["notice_day"]) == "2020-07-06"
    assert _date(s, row["effective_day"]) == "2021-07-06"  # would have taken effect
    assert (row["ended_by"], _date(s, row["ended_day"])) == ("inauguration_2021", "2021-01-20")


def test_upu_is_revoked_a_week_before_it_takes_effect() -> None:
    s, row = _replay("upu")
    assert row["outcome"] == "revoked"
    assert _date(s, row["notice_day"]) == "2018-10-17"
    assert _date(s, row["effective_day"]) == "2019-10-17"
    assert (row["ended_by"], _date(s, row["ended_day"])) == ("revocation_letter", "2019-10-10")


@pytest.mark.parametrize(
    ("name", "notice", "exit"),
    [
        ("inf", "2019-02-02", "2019-08-02"),
        ("open_skies", "2020-05-22", "2020-11-22"),
        ("abm", "2001-12-13", "2002-06-13"),
    ],
)
def test_six_month_exits(name: str, notice: str, exit: str) -> None:
    s, row = _replay(name)
    assert row["outcome"] == "exited"
    assert (_date(s, row["notice_day"]), _date(s, row["exit_day"])) == (notice, exit)


def test_abm_lawsuit_is_decided_after_the_exit_and_changes_nothing() -> None:
    s, row = _replay("abm")
    (challenge,) = s.routes["executive_notice"].challenges
    ruling_day = row["notice_day"] + challenge.delay.value  # type: ignore[attr-defined]
    assert _date(s, ruling_day) == "2002-12-30"  # Kucinich v. Bush, dismissed
    assert ruling_day > row["exit_day"] and ruling_day < s.end  # inside the horizon
    assert row["outcome"] == "exited"
    assert pd.isna(row["challenge.executive_notice.kucinich_v_bush.ruling"])  # moot


def test_taiwan_as_of_date_and_goldwater_v_carter() -> None:
    s, row = _replay("taiwan")
    assert row["outcome"] == "exited"
    assert _date(s, row["notice_day"]) == "1978-12-23"  # delivered
    assert _date(s, row["exit_day"]) == "1980-01-01"  # one year from "as of" 1979-01-01
    key = "challenge.executive_notice.goldwater_v_carter"
    assert (row[f"{key}.ruling"], _date(s, row[f"{key}.day"])) == ("voids_notice", "1979-10-17")
    assert (row[f"{key}.appeal"], _date(s, row[f"{key}.appeal_day"])) == (
        "reverses",
        "1979-11-30",
    )
    assert pd.isna(row["ended_by"])  # the notice stood again
    assert set(uses_extensions(s)) == {"routes.notice_effective_as_of", "challenges.appeal"}


def test_unesco_2_is_pending() -> None:
    s, row = _replay("unesco_2")
    assert row["outcome"] == "notice_pending"
    assert _date(s, row["notice_day"]) == "2025-07-22"
    assert _date(s, row["effective_day"]) == "2026-12-31"
    assert s.horizon < dt.date(2026, 12, 31)


@pytest.mark.parametrize("path", sorted(HISTORY.glob("*.yaml")), ids=lambda p: p.stem)
def test_replays_are_deterministic_and_findable(path: Path) -> None:
    s = load(path)
    assert s.trials == 1
    for q in quantities(s):  # constants only; every probability 0 or 1
        if q.value is not None:
            assert isinstance(q.value, Constant), q.name
            assert q.value.kind is not Kind.PROBABILITY or q.value.value in (0, 1), q.name
    for r in s.routes.values():
        for c in r.challenges:
            assert {c.voids_notice, c.dismissed, c.upheld} <= {0.0, 1.0}
    # so another seed (other coins) tells the same story
    again = simulate(dataclasses.replace(s, seed=s.seed + 7))
    facts = [c for c in again.columns if not c.startswith("draw.")]
    pd.testing.assert_frame_equal(simulate(s)[facts], again[facts])
    assert bundled.find(f"history/{path.stem}") == bundled.folder() / "history" / path.name
    assert f"history/{path.stem}" in bundled.history_names()
    assert path.stem not in bundled.names()  # listed apart from the forecasts
