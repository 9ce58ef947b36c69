"""Values and durations, checked against answers worked out by hand.

Sampling tests draw many values with a fixed seed and compare them with the exact answer;
each tolerance is 5 Monte Carlo standard errors, computed in the test from the
distribution itself (for a mean: sd / sqrt(n); for the empirical CDF at a point where the
true CDF is p: sqrt(p (1 - p) / n)). A correct sampler fails such a check about once in
1.7 million runs; with fixed seeds, never.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import special, stats

from sim.language import ScenarioError
from sim.language.durations import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    add_months,
    date_of,
    parse_duration,
)
from sim.language.value_parsing import parse_value
from sim.language.values import Constant, Kind, LogitNormal, LogNormal

N = 200_000
SIGMAS = 5
Z95 = stats.norm.ppf(0.95)  # `a to b` is a 90% interval: a and b are at -+1.645 sd


def draw(raw, kind: Kind, seed: int = 20261125, n: int = N) -> np.ndarray:
    x = parse_value(raw, kind).sample(np.random.default_rng(seed), n)
    assert x.shape == (n,)
    return x


def assert_mean(x: np.ndarray, mean: float, sd: float) -> None:
    """The sample mean is within 5 standard errors of `mean` (sd: the true sd)."""
    se = sd / math.sqrt(x.size)
    assert abs(x.mean() - mean) <= SIGMAS * se, f"mean {x.mean()} vs {mean} (se {se})"


def assert_cdf(x: np.ndarray, point: float, p: float) -> None:
    """P(X <= point) is p: the empirical CDF is within 5 binomial standard errors."""
    se = math.sqrt(p * (1 - p) / x.size)
    got = float(np.mean(x <= point))
    assert abs(got - p) <= SIGMAS * se, f"P(X <= {point}) = {got}, expected {p} (se {se})"


def assert_share(hits: np.ndarray, p: float) -> None:
    """A share of trials (boolean array) is p, within 5 binomial standard errors."""
    se = math.sqrt(p * (1 - p) / hits.size)
    got = float(np.mean(hits))
    assert abs(got - p) <= SIGMAS * se, f"share {got}, expected {p} (se {se})"


# --- durations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "months"),
    [
        ("45d", 45.0, None),
        ("8w", 56.0, None),
        ("0d", 0.0, None),
        ("2.5d", 2.5, None),
        (" 45d ", 45.0, None),
        ("6mo", 6 * 365.25 / 12, 6),
        ("1y", 365.25, 12),
        ("1.5y", 1.5 * 365.25, 18),
        (".5y", 0.5 * 365.25, 6),
    ],
)
def test_parse_duration(text: str, days: float, months: int | None) -> None:
    d = parse_duration(text)
    assert d.days == pytest.approx(days)
    if months is None:
        assert not d.is_calendar
    else:
        assert d.is_calendar
        assert d.months == pytest.approx(months)


def test_average_month_and_year() -> None:
    assert DAYS_PER_YEAR == 365.25
    assert DAYS_PER_MONTH == 365.25 / 12


@pytest.mark.parametrize("text", ["-10d", "10 days", "10", "10x", "d", "1e3d", "30D", ""])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"45d, 8w, 6mo or 1y|negative"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "days", "months"),
    [
        ("45d", 45.0, None),
        ("8w", 56.0, None),
        ("6mo", 6 * DAYS_PER_MONTH, 6),
        ("1y", 12 * DAYS_PER_MONTH, 12),
        ("1.5y", 18 * DAYS_PER_MONTH, 18),
        ("2y", 24 * DAYS_PER_MONTH, 24),
    ],
)
def test_duration_constants(text: str, days: float, months: int | None) -> None:
    value = parse_value(text, Kind.DURATION)
    assert isinstance(value, Constant)
    assert not value.is_random
    assert value.value == pytest.approx(days)
    assert value.months == months


START = dt.date(2026, 11, 25)


def day(d: dt.date) -> int:
    return (d - START).days


@pytest.mark.parametrize(
    ("clock_starts", "months", "expected"),
    [
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),  # DESIGN: 2028-02-29 + 1y
        (dt.date(2027, 3, 1), 12, dt.date(2028, 3, 1)),  # DESIGN: Article 13's example
        (dt.date(2027, 1, 31), 1, dt.date(2027, 2, 28)),  # month end clips
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),  # ... to 29 in a leap year
        (dt.date(2027, 8, 31), 18, dt.date(2029, 2, 28)),  # 1.5y = 18 months
        (dt.date(2027, 5, 31), 6, dt.date(2027, 11, 30)),
        (dt.date(2026, 11, 25), 12, dt.date(2027, 11, 25)),  # from the start itself
        (dt.date(2027, 12, 15), 1, dt.date(2028, 1, 15)),  # across a year end
    ],
)
@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.999])
def test_add_months(clock_starts: dt.date, months: int, expected: dt.date, fraction: float) -> None:
    t = day(clock_starts) + fraction
    later = add_months(START, t, months)
    assert later == pytest.approx(day(expected) + fraction, abs=1e-9)
    assert later - math.floor(later) == pytest.approx(fraction, abs=1e-9)
    assert date_of(START, later) == expected


def test_add_months_example_in_days() -> None:
    # 2027-03-01 is day 96 (5 + 31 + 31 + 28 + 1); a year later is 366 days on (2028 leaps).
    assert day(dt.date(2027, 3, 1)) == 96
    assert add_months(START, 96.0, 12) == 96.0 + 366
    assert add_months(START, 96.25, 12) == 96.25 + 366


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0.0, dt.date(2026, 11, 25)),
        (0.999, dt.date(2026, 11, 25)),
        (1.0, dt.date(2026, 11, 26)),
        (5.5, dt.date(2026, 11, 30)),
        (37.0, dt.date(2027, 1, 1)),
        (38.5, dt.date(2027, 1, 2)),
        (787.9, dt.date(2029, 1, 20)),
    ],
)
def test_date_of_is_start_plus_floor(t: float, expected: dt.date) -> None:
    assert date_of(START, t) == expected
    assert date_of(START, t) == START + dt.timedelta(days=math.floor(t))


# --- constants ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        (0.3, Kind.PROBABILITY, 0.3),
        (0, Kind.PROBABILITY, 0.0),
        (1, Kind.PROBABILITY, 1.0),
        ("30d", Kind.DURATION, 30.0),
        (0, Kind.DURATION, 0.0),
        (218, Kind.COUNT, 218.0),
        (0.5, Kind.RATE, 0.5),
        ({"value": 0.05, "source": "judgment"}, Kind.PROBABILITY, 0.05),
    ],
)
def test_constant_draws_are_the_constant(raw, kind: Kind, value: float) -> None:
    parsed = parse_value(raw, kind)
    assert isinstance(parsed, Constant)
    assert not parsed.is_random
    x = parsed.sample(np.random.default_rng(1), 10)
    assert np.all(x == value)


def test_value_carries_its_source() -> None:
    assert parse_value({"value": 0.05, "source": "s1"}, Kind.PROBABILITY).source == "s1"
    dist = {"dist": "uniform", "min": 0.1, "max": 0.2, "source": "judgment: why"}
    assert parse_value(dist, Kind.PROBABILITY).source == "judgment: why"


# --- `a to b` -----------------------------------------------------------------------------


def test_duration_interval_is_lognormal_with_those_percentiles() -> None:
    value = parse_value("30d to 180d", Kind.DURATION)
    assert value == LogNormal(Kind.DURATION, 30.0, 180.0)
    assert value == parse_value({"dist": "lognormal", "p5": "30d", "p95": "180d"}, Kind.DURATION)
    x = draw("30d to 180d", Kind.DURATION)
    assert np.all(x > 0)
    assert_cdf(x, 30.0, 0.05)
    assert_cdf(x, 180.0, 0.95)
    assert_cdf(x, math.sqrt(30 * 180), 0.5)  # the median is the geometric mean
    # the mean of a lognormal: exp(mu + sigma^2 / 2)
    mu, sigma = math.log(30 * 180) / 2, math.log(180 / 30) / (2 * Z95)
    mean = math.exp(mu + sigma**2 / 2)
    sd = mean * math.sqrt(math.exp(sigma**2) - 1)
    assert_mean(x, mean, sd)


def test_interval_in_years_uses_average_years() -> None:
    value = parse_value("1y to 2y", Kind.DURATION)
    assert value == LogNormal(Kind.DURATION, 365.25, 730.5)
    x = draw("1y to 2y", Kind.DURATION)
    assert_cdf(x, 365.25, 0.05)
    assert_cdf(x, 730.5, 0.95)


def test_probability_interval_is_logit_normal_with_those_percentiles() -> None:
    value = parse_value("0.02 to 0.10", Kind.PROBABILITY)
    assert value == LogitNormal(Kind.PROBABILITY, 0.02, 0.10)
    x = draw("0.02 to 0.10", Kind.PROBABILITY)
    assert np.all((x > 0) & (x < 1))
    assert_cdf(x, 0.02, 0.05)
    assert_cdf(x, 0.10, 0.95)
    median = special.expit((special.logit(0.02) + special.logit(0.10)) / 2)
    assert_cdf(x, median, 0.5)


def test_rate_interval_is_lognormal() -> None:
    x = draw("5 to 25", Kind.RATE)
    assert_cdf(x, 5.0, 0.05)
    assert_cdf(x, 25.0, 0.95)


def test_count_interval_draws_whole_numbers_rounded_half_up() -> None:
    x = draw("150 to 230", Kind.COUNT)
    assert np.all(x == np.round(x))
    assert np.all(x >= 0)
    # The continuous draw X is lognormal with 5% / 95% points 150 / 230; the count is X
    # rounded to the nearest whole number, so count <= k exactly when X < k + 0.5.
    mu, sigma = math.log(150 * 230) / 2, math.log(230 / 150) / (2 * Z95)
    for k in (150, 186, 230):
        p = stats.norm.cdf((math.log(k + 0.5) - mu) / sigma)
        assert_cdf(x, k, p)


def test_count_halves_round_up() -> None:
    x = draw({"dist": "choice", "values": [2.5, 3.5]}, Kind.COUNT)
    assert set(np.unique(x)) == {3.0, 4.0}
    assert_share(x == 3.0, 0.5)
    x = draw({"dist": "choice", "values": [0.5, 217.5, 0.49]}, Kind.COUNT, n=3000)
    assert set(np.unique(x)) == {1.0, 218.0, 0.0}


# --- distributions ----------------------------------------------------------------------


def test_uniform() -> None:
    x = draw({"dist": "uniform", "min": "10d", "max": "40d"}, Kind.DURATION)
    assert x.min() >= 10 and x.max() <= 40
    assert_mean(x, (10 + 40) / 2, (40 - 10) / math.sqrt(12))
    assert_cdf(x, 17.5, 0.25)


def test_uniform_in_months_uses_average_months() -> None:
    x = draw({"dist": "uniform", "min": "0mo", "max": "12mo"}, Kind.DURATION)
    assert x.max() <= 365.25
    assert_mean(x, 365.25 / 2, 365.25 / math.sqrt(12))


def test_triangular() -> None:
    a, m, b = 10.0, 20.0, 60.0
    x = draw({"dist": "triangular", "min": "10d", "mode": "20d", "max": "60d"}, Kind.DURATION)
    assert x.min() >= a and x.max() <= b
    var = (a * a + b * b + m * m - a * b - a * m - b * m) / 18
    assert_mean(x, (a + m + b) / 3, math.sqrt(var))
    assert_cdf(x, m, (m - a) / (b - a))  # the mass left of the mode


def test_pert() -> None:
    a, m, b = 10.0, 20.0, 60.0
    x = draw({"dist": "pert", "min": "10d", "mode": "20d", "max": "60d"}, Kind.DURATION)
    assert x.min() >= a and x.max() <= b
    # PERT is a + (b - a) Beta(alpha, beta) with alpha = 1 + 4 (m - a)/(b - a), etc.
    alpha, beta = 1 + 4 * (m - a) / (b - a), 1 + 4 * (b - m) / (b - a)
    var = (b - a) ** 2 * alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1))
    assert_mean(x, (a + 4 * m + b) / 6, math.sqrt(var))


def test_pert_probability() -> None:
    x = draw({"dist": "pert", "min": 0.1, "mode": 0.2, "max": 0.6}, Kind.PROBABILITY)
    alpha, beta = 1 + 4 * 0.1 / 0.5, 1 + 4 * 0.4 / 0.5
    var = 0.5**2 * alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1))
    assert_mean(x, (0.1 + 4 * 0.2 + 0.6) / 6, math.sqrt(var))


def test_normal_delay_is_clipped_at_zero() -> None:
    mean, sd = 10.0, 10.0
    x = draw({"dist": "normal", "mean": "10d", "sd": "10d"}, Kind.DURATION)
    assert x.min() == 0.0  # no negatives; the clipped mass sits at 0
    assert_share(x == 0.0, stats.norm.cdf(-mean / sd))
    # E[max(X, 0)] = mean Phi(mean/sd) + sd phi(mean/sd); sd of the clipped draw for the SE
    z = mean / sd
    clipped_mean = mean * stats.norm.cdf(z) + sd * stats.norm.pdf(z)
    second = (mean**2 + sd**2) * stats.norm.cdf(z) + mean * sd * stats.norm.pdf(z)
    assert_mean(x, clipped_mean, math.sqrt(second - clipped_mean**2))


def test_normal_probability_is_clipped_to_0_1() -> None:
    x = draw({"dist": "normal", "mean": 0.9, "sd": 0.3}, Kind.PROBABILITY)
    assert x.max() == 1.0
    assert x.min() >= 0.0
    assert_share(x == 1.0, stats.norm.sf((1 - 0.9) / 0.3))
    assert_share(x == 0.0, stats.norm.cdf(-0.9 / 0.3))
    inside = (x > 0) & (x < 1)
    p_inside = stats.norm.cdf(1 / 3) - stats.norm.cdf(-3)
    assert_share(inside, p_inside)


def test_normal_unclipped_mean_and_sd() -> None:
    x = draw({"dist": "normal", "mean": 0.5, "sd": 0.05}, Kind.PROBABILITY)
    assert_mean(x, 0.5, 0.05)
    assert_cdf(x, 0.5 + 0.05 * Z95, 0.95)


def _assert_beta_mean_and_sd(x: np.ndarray, a: float, b: float) -> None:
    dist = stats.beta(a, b)
    mean, var, _, excess_kurtosis = (float(m) for m in dist.stats(moments="mvsk"))
    assert_mean(x, mean, math.sqrt(var))
    # the sample variance has variance (mu4 - sigma^4) / n, mu4 = (kurtosis + 3) sigma^4
    se_var = math.sqrt((excess_kurtosis + 2) * var**2 / x.size)
    assert abs(x.var() - var) <= SIGMAS * se_var, f"var {x.var()} vs {var} (se {se_var})"


def test_beta_from_mean_and_sd() -> None:
    mean, sd = 0.06, 0.04
    value = parse_value({"dist": "beta", "mean": mean, "sd": sd}, Kind.PROBABILITY)
    k = mean * (1 - mean) / sd**2 - 1
    assert value.a == pytest.approx(mean * k)
    assert value.b == pytest.approx((1 - mean) * k)
    x = draw({"dist": "beta", "mean": mean, "sd": sd}, Kind.PROBABILITY)
    assert np.all((x >= 0) & (x <= 1))
    _assert_beta_mean_and_sd(x, mean * k, (1 - mean) * k)
    assert_mean(x, mean, sd)


def test_beta_from_a_and_b() -> None:
    x = draw({"dist": "beta", "a": 2, "b": 5}, Kind.RATE)
    _assert_beta_mean_and_sd(x, 2, 5)
    assert_mean(x, 2 / 7, math.sqrt(2 * 5 / (7**2 * 8)))


def test_choice_with_weights() -> None:
    values, weights = [0.1, 0.5, 0.9], [1, 2, 7]
    x = draw({"dist": "choice", "values": values, "weights": weights}, Kind.PROBABILITY)
    assert set(np.unique(x)) == set(values)
    for v, w in zip(values, weights, strict=True):
        assert_share(x == v, w / sum(weights))


def test_choice_without_weights_is_even() -> None:
    x = draw({"dist": "choice", "values": ["10d", "1y"]}, Kind.DURATION)
    assert set(np.unique(x)) == {10.0, 365.25}
    assert_share(x == 10.0, 0.5)


def test_same_seed_same_draws() -> None:
    raw = {"dist": "beta", "mean": 0.3, "sd": 0.1}
    a = draw(raw, Kind.PROBABILITY, seed=7, n=1000)
    b = draw(raw, Kind.PROBABILITY, seed=7, n=1000)
    c = draw(raw, Kind.PROBABILITY, seed=8, n=1000)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


# --- values that are not allowed ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "kind", "path", "says"),
    [
        (1.5, Kind.PROBABILITY, (), "between 0 and 1"),
        (-0.1, Kind.PROBABILITY, (), "between 0 and 1"),
        ({"dist": "uniform", "min": -0.1, "max": 0.5}, Kind.PROBABILITY, ("min",), "between"),
        (-1, Kind.COUNT, (), ">= 0"),
        (-0.5, Kind.RATE, (), ">= 0"),
        ("0.5 to 1", Kind.PROBABILITY, (), "0 < a < b < 1"),
        ("0 to 0.5", Kind.PROBABILITY, (), "0 < a < b < 1"),
        ("5 to 5", Kind.COUNT, (), "0 < a < b"),
        ("30d", Kind.PROBABILITY, (), "duration"),
        (True, Kind.PROBABILITY, (), "boolean"),
        (None, Kind.DURATION, (), "nothing"),
        ([0.1], Kind.PROBABILITY, (), "list"),
        ({"source": "x"}, Kind.PROBABILITY, (), "'value' or 'dist'"),
        ({"dist": "beta", "mean": 0.5, "sd": 0.5}, Kind.PROBABILITY, ("sd",), "sd must be"),
        ({"dist": "beta", "a": 1, "mean": 0.5}, Kind.PROBABILITY, ("dist",), "either"),
        ({"dist": "beta", "a": 2, "b": 2}, Kind.DURATION, ("dist",), "probabilities"),
        (
            {"dist": "triangular", "min": "1d", "mode": "9d", "max": "5d"},
            Kind.DURATION,
            ("mode",),
            "between min and max",
        ),
        (
            {"dist": "choice", "values": [1, 2], "weights": [1]},
            Kind.COUNT,
            ("weights",),
            "one weight per value",
        ),
        ("1.3y", Kind.DURATION, (), "whole months"),
        ({"value": "1.3y"}, Kind.DURATION, ("value",), "whole months"),
        (10, Kind.DURATION, (), "needs a unit"),
    ],
)
def test_bad_values(raw, kind: Kind, path: tuple, says: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_value(raw, kind)
    assert info.value.path == path
    assert says in info.value.message


def test_the_written_out_z_score_is_the_95th_percentile() -> None:
    from scipy import stats

    from sim.language.values import Z95

    assert stats.norm.ppf(0.95) == pytest.approx(Z95, abs=1e-15)
