"""`sim sensitivity`: each method against answers computed by hand, pinning against the same
scenario with the value written as a constant, and bad input through the command line.

Sizes are set by the tolerance each test needs (4 standard errors, or the interval the
method reports), no larger."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from support import gate, route, scenario

from sim.analysis.sensitivity.evaluate import play, substitute, waits
from sim.analysis.sensitivity.execute import pin_tasks
from sim.analysis.sensitivity.inputs import uncertain_inputs
from sim.analysis.sensitivity.result import CSV, JSON, load
from sim.analysis.sensitivity.run import SensitivityError, sensitivity
from sim.cli import main
from sim.draws import SLICE_SIZE, draw_block
from sim.language import Scenario

U = {"dist": "uniform", "min": 0, "max": 1}
P = {"dist": "uniform", "min": 0.2, "max": 0.6}
WAIT = {"dist": "uniform", "min": "0d", "max": "730d"}
DELAY = "routes.act.gates.waits.delay"
GATE_P = "routes.act.gates.decides.p"
IDLE = "routes.act.dies_on.late.p"


def decided(trials: int = 6000) -> Scenario:
    """P(exit) = p * 1[delay < 365]: the delay decides (S1 = Var(0.4 I) / Var(Y) = 0.04 /
    0.16 = 0.25), p matters a little (S1 = Var(p / 2) / 0.16 = 0.0208), and the chance to
    die on an event after the horizon does not matter at all."""
    return scenario(
        {
            "act": route(
                gate("decides", p=P),
                gate("waits", delay=WAIT),
                dies_on=[{"event": "late", "p": {"dist": "uniform", "min": 0.1, "max": 0.9}}],
            )
        },
        events={"late": {"date": "2031-01-01"}},
        notice_period="0d",
        horizon="2027-12-31",  # day 364: the exit happens iff the delay is below 365 days
        trials=trials,
    )


def test_inputs_are_the_uncertain_values_not_the_chance_or_the_constants() -> None:
    s = scenario(
        {
            "r": route(
                gate("a", delay="10d to 100d", p=0.3),
                gate("b", p=P),
                starts="after moves",
                challenges=[
                    {
                        "name": "suit",
                        "delay": "30d",
                        "outcomes": {"voids_notice": 0.5, "dismissed": 0.5},
                    }
                ],
            )
        },
        events={"moves": {"hazard_per_year": {"dist": "beta", "mean": 0.5, "sd": 0.2}}},
    )
    assert [i.name for i in uncertain_inputs(s)] == [
        "events.moves.hazard_per_year",
        "routes.r.gates.a.delay",
        "routes.r.gates.b.p",
    ]


@pytest.mark.parametrize("which", ["events.moves.hazard_per_year", "routes.r.gates.a.delay"])
def test_pinning_gives_the_trials_of_the_value_written_as_a_constant(which: str) -> None:
    """The pinned input's column is replaced (and a pinned hazard rate's day recomputed):
    trial by trial, the same outcome and exit day as the scenario with that constant."""
    rate = {"dist": "beta", "mean": 0.5, "sd": 0.2}
    delay = {"dist": "uniform", "min": "10d", "max": "400d"}

    def make(r: object, d: object) -> Scenario:
        return scenario(
            {"r": route(gate("a", delay=d, p=0.7), starts="after moves")},
            events={"moves": {"hazard_per_year": r}},
            horizon="2029-01-01",
            trials=3000,
        )

    s = make(rate, delay)
    value = next(i for i in uncertain_inputs(s) if i.name == which).low
    draws = draw_block(s, 0)
    pinned = play(s, substitute(s, draws, {which: value}, waits(s, draws)), "vector")
    constant = make(value, delay) if which.startswith("events") else make(rate, f"{value!r}d")
    expected = play(constant, draw_block(constant, 0), "vector")
    assert 0.05 < expected.exited.mean() < 0.95
    np.testing.assert_array_equal(pinned.exited, expected.exited)
    np.testing.assert_array_equal(pinned.exit_day, expected.exit_day)


@pytest.fixture(scope="module")
def ranked() -> dict[str, object]:
    return sensitivity(decided(), workers=1, write=False).data


def test_given_data_ranks_the_deciding_input_first_and_the_idle_one_at_zero(
    ranked: dict[str, object],
) -> None:
    found = {r["input"]: r for r in ranked["given"]["metrics"]["p_exit"]["indices"]}  # type: ignore[index]
    delay, p, idle = found[DELAY], found[GATE_P], found[IDLE]
    assert delay["S1"] > p["S1"] > idle["S1"]
    # the hand-computed indices lie within the reported intervals
    assert delay["ci95"][0] <= 0.25 <= delay["ci95"][1]
    s1_p = (0.4**2 / 12) / 4 / 0.16  # Var(p / 2) / Var(Y) = 0.0208
    assert p["ci95"][0] <= s1_p <= p["ci95"][1]
    assert idle["ci95"][0] <= 0.0 <= idle["ci95"][1]
    assert abs(idle["S1"]) < 0.01


def test_tornado_ranks_by_swing_and_an_idle_input_swings_exactly_zero(
    ranked: dict[str, object],
) -> None:
    rows = ranked["tornado"]["rows"]  # type: ignore[index]
    assert [r["input"] for r in rows] == [DELAY, GATE_P, IDLE]
    assert ranked["ranking"]["inputs"] == [DELAY, GATE_P, IDLE]  # type: ignore[index]
    idle = rows[2]["p_exit"]
    assert idle["swing"] == {"value": 0.0, "ci95": [0.0, 0.0]}
    # the delay at its 95th percentile (693.5 days) leaves no exit at all
    assert rows[0]["p_exit"]["high"] == 0.0


def test_tornado_of_a_gate_probability_matches_the_pinned_value() -> None:
    """One gate, p ~ uniform(0.2, 0.6), no delay: P(exit | p pinned) = p, so 0.22 at the
    5th percentile and 0.58 at the 95th; the swing is the share of trials whose coin lands
    in [0.22, 0.58), 0.36."""
    n = 20000
    s = scenario({"r": route(gate("g", p=P))}, notice_period="0d", trials=n)
    row = sensitivity(s, methods=["tornado"], workers=1, write=False).data["tornado"]["rows"][0]
    m = row["p_exit"]
    assert row["low_value"] == pytest.approx(0.22) and row["high_value"] == pytest.approx(0.58)
    for observed, expected in ((m["low"], 0.22), (m["high"], 0.58), (m["base"], 0.4)):
        assert abs(observed - expected) <= 4 * math.sqrt(expected * (1 - expected) / n)
    low, high = m["swing"]["ci95"]
    assert low <= m["swing"]["value"] <= high
    assert abs(m["swing"]["value"] - 0.36) <= 4 * math.sqrt(0.36 * 0.64 / n)
    # paired: the low pin's interval is that of the trials it changes, not of two runs
    assert m["low_diff"]["ci95"][1] - m["low_diff"]["ci95"][0] < 0.02


def test_sobol_of_a_product_of_two_uniform_probabilities_matches_the_hand_answer() -> None:
    """Two gates with p1, p2 ~ uniform(0, 1): P(exit | p) = p1 p2. Var = 1/9 - 1/16 =
    7/144; V1 = V2 = Var(p) E[p]^2 = 3/144, V12 = Var(p)^2 = 1/144: S1 = 3/7, ST = 4/7."""
    s = scenario({"r": route(gate("a", p=U), gate("b", p=U))}, notice_period="0d", trials=100)
    found = sensitivity(
        s, methods=["sobol"], workers=1, write=False, sobol_n=512, sobol_trials=200
    ).data["sobol"]["metrics"]["p_exit"]
    assert found["noise_share"] < 0.05
    for r in found["indices"]:
        assert r["S1_ci95"][0] <= 3 / 7 <= r["S1_ci95"][1], r
        assert r["ST_ci95"][0] <= 4 / 7 <= r["ST_ci95"][1], r
        assert r["S1_ci95"][1] - r["S1_ci95"][0] < 0.3  # an interval that says something


def test_results_do_not_depend_on_the_number_of_workers() -> None:
    """Two slices, so two tasks (few exits: the median's bootstrap stays quick): one worker
    or two give the same numbers."""
    rare = {"dist": "uniform", "min": 0.01, "max": 0.05}
    s = scenario({"r": route(gate("g", p=rare))}, notice_period="0d", trials=SLICE_SIZE + 1000)
    one = sensitivity(s, methods=["tornado"], workers=1, write=False).data
    two = sensitivity(s, methods=["tornado"], workers=2, write=False).data
    assert len(pin_tasks(s.trials, 3, "vector")) == 2
    assert one == two


def test_the_des_engine_gives_the_vector_engines_numbers() -> None:
    s = decided(trials=1000)
    vector = sensitivity(s, methods=["tornado"], workers=1, write=False).data
    des = sensitivity(s, methods=["tornado"], workers=1, write=False, engine="des").data
    assert des["engine"] == "des"
    assert des["tornado"] == vector["tornado"] and des["base"] == vector["base"]


def test_a_scenario_with_nothing_uncertain_is_refused() -> None:
    s = scenario({"r": route(gate("g", p=0.5))})
    with pytest.raises(SensitivityError, match="no uncertain input"):
        sensitivity(s, write=False)


# -- the command line --------------------------------------------------------------------


def _write(path: Path, s: Scenario) -> Path:
    path.write_text(s.source_text, encoding="utf-8")
    return path


def test_cli_writes_the_folder_and_prints_json(tmp_path: Path) -> None:
    src = _write(tmp_path / "decided.yaml", decided(trials=2000))
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "sensitivity", str(src), "--out", str(out), "--workers", "1", "--json",
            "--method", "given,tornado", "--method", "sobol", "--sobol-n", "64",
            "--sobol-trials", "50",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    folder = Path(data["folder"])
    assert folder.parent == out.resolve() and folder.name.startswith("sensitivity-test-")
    assert data["methods"] == ["given", "tornado", "sobol"]
    assert data["ranking"]["inputs"][0] == DELAY
    back = load(folder)
    assert back.data == {k: v for k, v in data.items() if k != "folder"}
    table = (folder / CSV).read_text(encoding="utf-8").splitlines()
    assert len(table) == 1 + 3 and table[1].split(",")[1] == DELAY
    assert "trials: 2000" in (folder / "scenario.yaml").read_text(encoding="utf-8")
    charts = sorted(p.name for p in (folder / "charts").iterdir())
    stems = ["given", "sobol", "tornado_days_to_exit", "tornado_p_exit", "tornado_p_notice"]
    assert charts == sorted(f"{s}.{ext}" for s in stems for ext in ("png", "svg"))
    assert (folder / "charts" / "given.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (folder / JSON).is_file()


def test_cli_terminal_table_names_every_input(tmp_path: Path) -> None:
    src = _write(tmp_path / "decided.yaml", decided(trials=2000))
    result = CliRunner().invoke(
        main,
        ["sensitivity", str(src), "--out", str(tmp_path), "--workers", "1", "--no-charts"],
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "What moves P(exit by the horizon)" in text
    assert text.index(DELAY) < text.index(GATE_P)
    # the idle input changed no trial: it is named by its part of the scenario, not listed
    assert IDLE not in text
    assert "not shown: 1 input changed no trial at either pin: routes.act (1)" in text
    folder = next(tmp_path.glob("sensitivity-test-*"))
    assert sorted(p.name for p in (folder / "charts").iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no/such.yaml"], "no/such.yaml: no such file, nor a bundled scenario"),
        (["CONST", "--method", "morris"], "sim sensitivity: --method 'morris': allowed:"),
        (["CONST"], "sim sensitivity: CONST: no uncertain input to rank"),
        (["CONST_U", "--method", "sobol", "--sobol-n", "100"], "--sobol-n 100: a power of two"),
        (["BAD"], "BAD:"),
    ],
)
def test_cli_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    const = _write(tmp_path / "const.yaml", scenario({"r": route(gate("g", p=0.5))}))
    const_u = _write(tmp_path / "u.yaml", scenario({"r": route(gate("g", p=P))}))
    bad = tmp_path / "bad.yaml"
    bad.write_text(const.read_text().replace("notice_period: 100d", "notice_period: 1yr"))
    names = {"CONST": str(const), "CONST_U": str(const_u), "BAD": str(bad)}
    argv = [names.get(a, a) for a in args]
    message = message.replace("CONST", str(const)).replace("BAD", str(bad))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["sensitivity", *argv, "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = [x for x in result.stderr.splitlines() if not x.startswith("sim: scenario ")]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_python_api_returns_the_table_and_the_charts() -> None:
    from matplotlib.figure import Figure

    import sim

    s = sim.sensitivity(decided(trials=2000).source_text, method="tornado", workers=1, write=False)
    assert s.folder is None
    assert s.ranking == [DELAY, GATE_P, IDLE]
    table = s.table
    assert list(table["input"]) == [DELAY, GATE_P, IDLE]
    assert table.loc[0, "tornado_p_exit_at_p95"] == 0.0
    assert isinstance(s.plot_tornado("p_notice"), Figure)
