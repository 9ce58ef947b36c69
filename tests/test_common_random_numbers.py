"""Common random numbers survive an edit: every distribution is drawn by inverse transform
from its own uniform, so raising a parameter raises the value in every trial."""

from __future__ import annotations

import numpy as np
import pytest
from support import date_after, gate, route, scenario, simulate

from sim.draws import draw_block, hazard_day_name, hazard_rate_name
from sim.language.values import (
    Beta,
    Choice,
    Kind,
    LogitNormal,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)

PAIRS = [
    (Beta(Kind.RATE, 2.0, 20.0), Beta(Kind.RATE, 4.0, 20.0)),
    (Pert(Kind.DURATION, 10, 50, 200), Pert(Kind.DURATION, 10, 120, 200)),
    (Triangular(Kind.DURATION, 10, 50, 200), Triangular(Kind.DURATION, 10, 50, 300)),
    (Normal(Kind.PROBABILITY, 0.3, 0.2), Normal(Kind.PROBABILITY, 0.4, 0.2)),
    (Uniform(Kind.DURATION, 0, 30), Uniform(Kind.DURATION, 5, 30)),
    (LogNormal(Kind.DURATION, 30, 180), LogNormal(Kind.DURATION, 40, 240)),
    (LogitNormal(Kind.PROBABILITY, 0.02, 0.1), LogitNormal(Kind.PROBABILITY, 0.03, 0.14)),
    (Choice(Kind.COUNT, (10, 20, 30), (1, 1, 1)), Choice(Kind.COUNT, (10, 20, 30), (1, 1, 3))),
]


@pytest.mark.parametrize(("low", "high"), PAIRS, ids=lambda v: type(v).__name__)
def test_raising_a_parameter_never_lowers_a_draw(low, high) -> None:
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    a, b = low.sample(rng_a, 20_000), high.sample(rng_b, 20_000)
    assert np.all(b >= a)
    assert np.mean(b > a) > 0.3  # the edit does move the draws


def test_quantile_functions_match_scipy() -> None:
    from scipy import stats

    u = np.linspace(0.001, 0.999, 101)
    np.testing.assert_allclose(Beta(Kind.RATE, 2, 5).ppf(u), stats.beta.ppf(u, 2, 5), rtol=1e-9)
    pert = Pert(Kind.DURATION, 10, 30, 110)  # a = 1 + 4*20/100 = 1.8, b = 1 + 4*80/100 = 4.2
    np.testing.assert_allclose(pert.ppf(u), 10 + 100 * stats.beta.ppf(u, 1.8, 4.2), rtol=1e-9)
    tri = Triangular(Kind.DURATION, 10, 30, 110)
    np.testing.assert_allclose(tri.ppf(u), stats.triang.ppf(u, 0.2, loc=10, scale=100), rtol=1e-9)


def _hazard_scenario(mean: float):
    return scenario(
        {"defy": route(gate("decide", "30d to 90d", 0.5), starts="after move")},
        events={"move": {"hazard_per_year": {"dist": "beta", "mean": mean, "sd": 0.04}}},
        horizon=date_after(900),
        trials=3000,
        seed=7,
    )


def test_doubling_a_beta_hazard_raises_it_in_every_trial_and_removes_no_exit() -> None:
    base, doubled = _hazard_scenario(0.08), _hazard_scenario(0.16)
    a, b = draw_block(base, 0), draw_block(doubled, 0)
    assert np.all(b.columns[hazard_rate_name("move")] >= a.columns[hazard_rate_name("move")])
    assert np.all(b.columns[hazard_day_name("move")] <= a.columns[hazard_day_name("move")])
    ta, tb = simulate(base), simulate(doubled)
    exited_a = ta["outcome"].to_numpy() == "exited"
    exited_b = tb["outcome"].to_numpy() == "exited"
    assert exited_a.sum() > 50
    assert not np.any(exited_a & ~exited_b)  # no trial that exits in the base stops exiting
    assert exited_b.sum() > exited_a.sum()
