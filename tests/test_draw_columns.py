"""Costly draws (beta, pert, normal, `a to b`) are transformed when read: the same numbers as
transforming them at once, for the whole column or for some trials, and bounds that hold in
every trial."""

from __future__ import annotations

import numpy as np
from support import route, scenario

from sim.draw_columns import GRID, Columns
from sim.draws import draw_block, hazard_day_name, hazard_rate_name, stream
from sim.language.durations import DAYS_PER_YEAR
from sim.language.values import Beta, Kind, LogitNormal, LogNormal, Normal, Pert

N = 5000


def _bits(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float).view(np.int64)


def _uniforms() -> np.ndarray:
    u = np.random.default_rng(3).random(N)
    u[:GRID] = np.arange(GRID) / GRID  # every grid point itself
    u[GRID : 2 * GRID] = np.nextafter(np.arange(1, GRID + 1) / GRID, 0)  # just below the next
    return u


def test_some_trials_and_the_whole_column_are_the_draws_themselves() -> None:
    u = _uniforms()
    rows = np.array([0, 7, GRID, 2 * GRID - 1, N - 1])
    for value in (
        Beta(Kind.RATE, a=1.2, b=14.0),
        Beta(Kind.PROBABILITY, a=0.3, b=0.3),
        Pert(Kind.DURATION, min=0.0, mode=10.0, max=40.0),
        LogNormal(Kind.DURATION, p5=30.0, p95=240.0),
        LogitNormal(Kind.PROBABILITY, p5=0.05, p95=0.4),
        Normal(Kind.DURATION, mean=20.0, sd=15.0),  # clipped at 0 in a fifth of the draws
    ):
        want = value.from_uniform(u)  # what drawing it at once gives
        columns = Columns()
        columns.transform_later("x", value, u.copy())
        assert columns.is_later("x")
        assert np.array_equal(_bits(columns.some("x", rows)), _bits(want[rows]))
        high, low = columns.high("x"), columns.low("x")
        assert (low <= want).all() and (want <= high).all()
        # and tight: no further than the draw one grid step of the uniform away
        step = 1 / GRID
        assert (high <= value.from_uniform(np.minimum(u + step, 1)) * (1 + 2e-9) + 1e-299).all()
        assert (low >= value.from_uniform(np.maximum(u - step, 0)) * (1 - 2e-9) - 1e-299).all()
        assert np.array_equal(_bits(columns["x"]), _bits(want))
        assert not columns.is_later("x")  # computed once, kept
        assert np.array_equal(columns.high("x"), want)


def test_a_hazard_day_at_a_beta_rate_is_the_same_read_whole_or_in_part() -> None:
    s = scenario(
        {"r": route(starts="after moves")},
        events={"moves": {"hazard_per_year": {"dist": "beta", "mean": 0.3, "sd": 0.1}}},
        trials=N,
    )
    d = draw_block(s, 0)
    day, rate = hazard_day_name("moves"), hazard_rate_name("moves")
    u = stream(s.seed, 0, rate).random(N)
    want_rate = s.events["moves"].hazard_per_year.from_uniform(u)  # type: ignore[union-attr]
    waits = -np.log1p(-stream(s.seed, 0, day).random(N))
    want_day = DAYS_PER_YEAR * waits / want_rate
    assert d.columns.is_later(day) and d.columns.is_later(rate)
    assert (d.columns.low(day) <= want_day).all() and (want_day <= d.columns.high(day)).all()
    rows = np.arange(0, N, 7)
    assert np.array_equal(_bits(d.columns.some(day, rows)), _bits(want_day[rows]))
    assert list(d.columns) == [rate, day]
    assert np.array_equal(_bits(d.columns[day]), _bits(want_day))
    assert np.array_equal(_bits(d.columns[rate]), _bits(want_rate))


def test_the_vector_engine_takes_draws_as_a_plain_mapping_too() -> None:
    # an analysis may build draws from a dict of arrays (substituted or tiled columns)
    import pandas as pd

    from sim import bundled
    from sim.draws import Draws
    from sim.engines import vector
    from sim.language import load

    s = load(bundled.find("baseline") or "baseline")
    deferred = draw_block(s, 0, 3000)
    table = vector.run_block(s, deferred)
    d = draw_block(s, 0, 3000)
    plain = Draws(d.block, d.first_trial, d.n, dict(d.columns), dict(d.constants))
    assert type(plain.columns) is dict
    pd.testing.assert_frame_equal(vector.run_block(s, plain), table, check_exact=True)
