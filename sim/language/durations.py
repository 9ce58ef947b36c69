"""Durations (`45d`, `8w`, `6mo`, `1y`) and the calendar arithmetic they imply.

A constant in months or years means "the same day N months later" (Article 13's "one year
after notice"), so it is kept as whole months and applied to the calendar date on which its
clock starts. Inside a distribution a month is an average month, 365.25/12 days, because a
distribution over "calendar months" has no meaning.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12

_UNIT_DAYS = {"d": 1.0, "w": 7.0, "mo": DAYS_PER_MONTH, "y": DAYS_PER_YEAR}
_UNIT_MONTHS = {"mo": 1, "y": 12}
_DURATION = re.compile(r"^\s*(?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<unit>d|w|mo|y)\s*$")

DURATION_PATTERN = r"^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*(d|w|mo|y)\s*$"
DURATION_HELP = "a duration such as 45d, 8w, 6mo or 1y"


@dataclass(frozen=True)
class DurationText:
    """A parsed duration literal: its number and unit, before any calendar is applied."""

    number: float
    unit: str

    @property
    def days(self) -> float:
        """Length in days, months and years taken as average lengths."""
        return self.number * _UNIT_DAYS[self.unit]

    @property
    def is_calendar(self) -> bool:
        return self.unit in _UNIT_MONTHS

    @property
    def months(self) -> float:
        return self.number * _UNIT_MONTHS[self.unit]


def parse_duration(text: str) -> DurationText:
    """Parse `45d`, `8w`, `6mo`, `1.5y`; a ValueError says what is allowed."""
    if text.strip().startswith("-"):
        raise ValueError(f"a duration cannot be negative, got {text.strip()!r}")
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"expected {DURATION_HELP}, got {text!r}{_unit_hint(text)}")
    return DurationText(float(match["num"]), match["unit"])


_UNIT_WORDS = {
    "d": ("day", "days", "dy", "dys"),
    "w": ("wk", "wks", "week", "weeks"),
    "mo": ("m", "mos", "mon", "mons", "month", "months", "mth", "mths"),
    "y": ("yr", "yrs", "year", "years", "yy", "a"),
}
_WORDY = re.compile(r"^\s*(?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<word>[A-Za-z]+)\s*$")


def _unit_hint(text: str) -> str:
    """' (write 1y)' for '1yr', '1 year', '6 months'...: the fix for a spelt-out unit."""
    match = _WORDY.match(text)
    if match is None:
        return ""
    word = match["word"].lower()
    for unit, words in _UNIT_WORDS.items():
        if word in words or word == unit:
            return f" (write {match['num']}{unit})"
    return ""


def looks_like_duration(text: str) -> bool:
    return _DURATION.match(text) is not None


def date_of(start: date, t: float) -> date:
    """The calendar date of simulation time t (days after `start`): `start + floor(t)`."""
    return start + timedelta(days=math.floor(t))


def add_months(start: date, t: float, months: int) -> float:
    """Time `months` calendar months after time t, keeping t's fraction of a day.

    Month ends clip (2028-02-29 + 12 months = 2029-02-28), as dateutil's relativedelta does.
    """
    whole = math.floor(t)
    then = start + timedelta(days=whole)
    later = then + relativedelta(months=months)
    return (later - start).days + (t - whole)
