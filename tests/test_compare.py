"""`sim compare`: its numbers against values computed by hand from the trials tables, the
`--set` variants, and every kind of bad input through the command line."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from sim.cli import main
from sim.compare_runs import CompareError, compare_runs, plan
from sim.comparison import _weighted_medians, compare, median_difference
from sim.language import loads
from sim.run_folder import RUN_INFO, Run, load_run
from sim.runner import run
from sim.variants import VariantError, make_variant, parse_set

TOY = """\
# A toy scenario for the compare tests.
name: toy
start: 2027-01-01
horizon: 2029-01-01
trials: 3000
seed: 1

treaty: {name: Toy treaty, notice_period: 100d}

events:
  midway: {date: 2028-01-01}   # a checkpoint
  ends: {date: 2028-06-01}
  moves: {hazard_per_year: {dist: beta, mean: 0.5, sd: 0.2, source: "judgment: toy"}}

routes:
  act:
    gates:
      - {name: committee, delay: 30d to 300d, p: 0.2}
    dies_on: [ends]
  unilateral:
    starts: after moves
    gates:
      - name: decides            # the gate the tests edit
        delay: 30d to 200d
        p: {value: 0.4, source: "judgment: toy"}
      - {name: signs, delay: 10d to 100d, p: 0.6}
"""

EDIT = "routes.unilateral.gates.decides.p=0.5"
Z = stats.norm.ppf(0.975)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """a: the toy; b: one gate's p raised, same seed (paired); c: b with another seed."""
    out = tmp_path_factory.mktemp("runs")
    base = loads(TOY, "toy.yaml")
    variant = make_variant(TOY, [parse_set(EDIT)], "toy.yaml").scenario
    return {
        "a": run(base, out=out, workers=1),
        "b": run(variant, out=out, workers=1),
        "c": run(variant, out=out, workers=1, seed=2),
        "a2": run(base, out=out, workers=1, seed=3),
    }


def _exited(r: Run) -> np.ndarray:
    return (r.trials["outcome"] == "exited").to_numpy().astype(float)


def _by_hand_paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    d = b - a
    n = d.size
    se = d.std(ddof=1) / math.sqrt(n)
    t = stats.t.ppf(0.975, n - 1)
    return d.mean(), d.mean() - t * se, d.mean() + t * se


def _wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


def _newcombe_by_hand(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float, float]:
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = _wilson_by_hand(k1, n1), _wilson_by_hand(k2, n2)
    d = p2 - p1
    return d, d - math.hypot(p2 - l2, u1 - p1), d + math.hypot(u2 - p2, p1 - l1)


def test_paired_differences_match_a_hand_computation(runs: dict[str, Run]) -> None:
    a, b = runs["a"], runs["b"]
    c = compare([a, b], ["a", "b"])
    diff = c.metric("p_exit").differences[1]
    assert diff is not None and diff.paired
    value, lo, hi = _by_hand_paired(_exited(a), _exited(b))
    assert diff.value == pytest.approx(value, abs=1e-12)
    assert diff.ci95 == pytest.approx((lo, hi), abs=1e-12)
    scipy_ci = stats.ttest_rel(_exited(b), _exited(a)).confidence_interval()
    assert diff.ci95 == pytest.approx((scipy_ci.low, scipy_ci.high), abs=1e-12)
    assert value > 0  # raising a gate's p only adds exits

    # P(exit by a dated event): the indicator is an exit dated on or before that date
    by = c.metric("p_exit_by.midway").differences[1]
    day = 365  # 2027-01-01 -> 2028-01-01
    ia = _exited(a) * (a.trials["exit_day"].fillna(np.inf).to_numpy() < day + 1)
    ib = _exited(b) * (b.trials["exit_day"].fillna(np.inf).to_numpy() < day + 1)
    value, lo, hi = _by_hand_paired(ia, ib)
    assert by is not None and by.value == pytest.approx(value, abs=1e-12)
    assert by.ci95 == pytest.approx((lo, hi), abs=1e-12)
    assert c.metric("p_exit_by.midway").values == [ia.mean(), ib.mean()]

    notice = c.metric("p_notice").differences[1]
    outcomes = {"exited", "notice_pending", "revoked", "voided"}
    na = a.trials["outcome"].isin(outcomes).to_numpy().astype(float)
    nb = b.trials["outcome"].isin(outcomes).to_numpy().astype(float)
    value, lo, hi = _by_hand_paired(na, nb)
    assert notice is not None and notice.ci95 == pytest.approx((lo, hi), abs=1e-12)


def test_unpaired_differences_match_newcombe_by_hand(runs: dict[str, Run]) -> None:
    a, c_run = runs["a"], runs["c"]
    c = compare([a, c_run], ["a", "c"])
    diff = c.metric("p_exit").differences[1]
    assert diff is not None and not diff.paired
    n = 3000
    value, lo, hi = _newcombe_by_hand(int(_exited(a).sum()), n, int(_exited(c_run).sum()), n)
    assert diff.value == pytest.approx(value, abs=1e-12)
    assert diff.ci95 == pytest.approx((lo, hi), abs=1e-9)
    assert any("seeds differ (1 and 2)" in note for note in c.notes)


def test_the_paired_interval_is_narrower_on_the_same_pair(runs: dict[str, Run]) -> None:
    paired = compare([runs["a"], runs["b"]]).metric("p_exit").differences[1]
    unpaired = compare([runs["a"], runs["b"]], unpaired=True).metric("p_exit").differences[1]
    assert paired is not None and unpaired is not None
    assert paired.paired and not unpaired.paired
    assert paired.value == pytest.approx(unpaired.value)
    width = paired.ci95[1] - paired.ci95[0]
    assert width < 0.6 * (unpaired.ci95[1] - unpaired.ci95[0])


def test_within_noise_flags(runs: dict[str, Run]) -> None:
    # the same scenario with another seed: no real difference
    same = compare([runs["a"], runs["a2"]])
    # one gate's p from 0.4 to 0.5: a real one
    edited = compare([runs["a"], runs["b"]])
    assert same.metric("p_exit").differences[1].within_noise  # type: ignore[union-attr]
    assert not edited.metric("p_exit").differences[1].within_noise  # type: ignore[union-attr]
    for comparison in (same, edited):
        for metric in comparison.metrics:
            for d in metric.differences[1:]:
                if d is not None:
                    assert d.within_noise == (d.ci95[0] <= 0 <= d.ci95[1])
    # a run against itself: every paired difference is exactly zero, within noise
    itself = compare([runs["a"], runs["a"]])
    for metric in itself.metrics[:-1]:
        d = metric.differences[1]
        assert d is not None and d.value == 0 and d.ci95 == (0.0, 0.0) and d.within_noise


def test_median_exit_date(runs: dict[str, Run]) -> None:
    a, b = runs["a"], runs["b"]
    m = compare([a, b]).metric("median_exit_date")
    assert m.values == [a.summary["exit_date"]["p50"], b.summary["exit_date"]["p50"]]
    d = m.differences[1]
    assert d is not None and d.paired
    hand = b.summary["days_to_exit"]["p50"] - a.summary["days_to_exit"]["p50"]
    assert d.value == pytest.approx(hand)
    assert d.ci95[0] <= d.value <= d.ci95[1]
    assert d.ci95[1] - d.ci95[0] < 120  # days: a median of ~hundreds of exits
    # fixed bootstrap seed: the same runs give the same interval
    again = compare([a, b]).metric("median_exit_date").differences[1]
    assert again is not None and again.ci95 == d.ci95


def test_weighted_medians_equal_medians_of_explicit_resamples() -> None:
    rng = np.random.default_rng(4)
    days = rng.uniform(0, 500, size=37)
    idx = rng.integers(0, days.size, size=(50, days.size))
    weights = np.stack([np.bincount(row, minlength=days.size) for row in idx])
    expected = np.median(days[idx], axis=1)
    assert np.allclose(_weighted_medians(days, weights), expected)


def test_median_interval_is_null_with_few_exits(tmp_path: Path) -> None:
    rare = TOY.replace("p: 0.6}", "p: 0.001}").replace("p: 0.2}", "p: 0.001}")
    a = run(loads(rare), out=tmp_path, workers=1, trials=1000)
    b = run(loads(rare.replace("seed: 1", "seed: 1  #")), out=tmp_path, workers=1, trials=1000)
    c = compare([a, b])
    assert c.metric("median_exit_date").differences[1] is None
    assert any("fewer than 20 exits" in note for note in c.notes)


def test_unpaired_median_bootstrap_is_wider_than_paired(runs: dict[str, Run]) -> None:
    from sim.comparison import _exit_days

    a, b = _exit_days(runs["a"]), _exit_days(runs["b"])
    paired = median_difference(a, b, paired=True)
    unpaired = median_difference(a, b, paired=False)
    assert paired[1] - paired[0] < unpaired[1] - unpaired[0]


def test_compare_json_has_the_documented_keys(runs: dict[str, Run]) -> None:
    data = compare([runs["a"], runs["b"], runs["c"]], ["a", "b", "c"]).to_json()
    assert set(data) == {"format", "kind", "version", "runs", "metrics", "notes"}
    assert data["format"] == 2 and data["kind"] == "compare"
    assert set(data["runs"][0]) == {
        "label",
        "name",
        "title",
        "folder",
        "seed",
        "trials",
        "start",
        "horizon",
        "scenario_sha256",
    }
    names = [m["metric"] for m in data["metrics"]]
    assert names == ["p_exit", "p_notice", "p_exit_by.midway", "p_exit_by.ends", "median_exit_date"]
    for m in data["metrics"]:
        assert set(m) == {"metric", "label", "kind", "values", "differences"}
        assert m["differences"][0] is None and len(m["values"]) == 3
        for d in m["differences"][1:]:
            assert set(d) == {"value", "ci95", "paired", "within_noise", "method"}
        assert [d["paired"] for d in m["differences"][1:]] == [True, False]
    json.dumps(data, allow_nan=False)


# --- --set ------------------------------------------------------------------------------


def test_set_by_gate_name_keeps_comments_and_source() -> None:
    v = make_variant(TOY, [parse_set(EDIT)], "toy.yaml")
    assert v.scenario.routes["unilateral"].gates[0].p.value == 0.5  # type: ignore[union-attr]
    assert "# the gate the tests edit" in v.text
    assert "# A toy scenario for the compare tests." in v.text
    assert 'p: {value: 0.5, source: "judgment: toy"}' in v.text
    assert f"# sim compare --set {EDIT} (was 0.4)" in v.text
    assert v.label == "toy[decides.p=0.5]"
    assert v.scenario.name.startswith("toy-set-") and v.scenario.name != "toy"
    # everything else is the file as written
    removed = set(TOY.splitlines()) - set(v.text.splitlines())
    added = set(v.text.splitlines()) - set(TOY.splitlines())
    assert removed == {"name: toy", '        p: {value: 0.4, source: "judgment: toy"}'}
    assert added == {
        f"# sim compare --set {EDIT} (was 0.4)",
        f"name: {v.scenario.name}",
        "title: toy [decides.p=0.5]",
        '        p: {value: 0.5, source: "judgment: toy"}',
    }


def test_set_a_mapping_an_index_and_a_bare_effect() -> None:
    v = make_variant(
        TOY,
        [
            parse_set("events.moves.hazard_per_year={dist: beta, mean: 0.2, sd: 0.1}"),
            parse_set("routes.act.gates[0].delay=60d to 90d"),
            parse_set("routes.act.dies_on.ends.p=0.5"),
            parse_set("horizon=2030-01-01"),
        ],
    )
    s = v.scenario
    rate = s.events["moves"].hazard_per_year
    assert rate.a / (rate.a + rate.b) == pytest.approx(0.2)  # type: ignore[union-attr]
    assert s.routes["act"].dies_on[0].event == "ends"
    assert s.routes["act"].dies_on[0].p.value == 0.5  # type: ignore[union-attr]
    assert str(s.horizon) == "2030-01-01"
    assert "delay: 60d to 90d" in v.text
    # the same edits give the same folder name; other edits another one
    again = make_variant(TOY, [parse_set("horizon=2030-01-01")])
    assert again.scenario.name == make_variant(TOY, [parse_set("horizon=2030-01-01")]).scenario.name
    assert again.scenario.name != s.name


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            "routes.unilateral.gates.decide.p=0.5",
            "--set routes.unilateral.gates.decide.p=0.5: no such path "
            "'routes.unilateral.gates.decide.p'; nearest: routes.unilateral.gates.decides.p",
        ),
        (
            "routes.unilateral.gates.decides.pp=0.5",
            "--set routes.unilateral.gates.decides.pp=0.5: no such path "
            "'routes.unilateral.gates.decides.pp'; nearest: routes.unilateral.gates.decides.p",
        ),
        (
            "routes.unilateral.gates.decides.p=abc",
            "--set routes.unilateral.gates.decides.p=abc: routes.unilateral.gates[0].p.value: "
            "expected a probability",
        ),
        ("horizon", "--set horizon: expected PATH=VALUE"),
    ],
)
def test_set_errors_name_the_set(edit: str, expected: str) -> None:
    with pytest.raises(VariantError) as info:
        make_variant(TOY, [parse_set(edit)])
    message = str(info.value)
    assert message.startswith(expected) and "\n" not in message


# --- the command line -------------------------------------------------------------------


def _cli(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


def test_cli_compares_a_scenario_with_its_variant(tmp_path: Path) -> None:
    (tmp_path / "toy.yaml").write_text(TOY, encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = _cli(
        [
            "compare",
            str(tmp_path / "toy.yaml"),
            "--set",
            EDIT,
            "--trials",
            "1000",
            "--workers",
            "1",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0, stderr
    data = json.loads(stdout)
    assert [r["label"] for r in data["runs"]] == ["toy", "toy[decides.p=0.5]"]
    assert [r["trials"] for r in data["runs"]] == [1000, 1000]
    assert data["metrics"][0]["differences"][1]["paired"] is True
    folder = Path(stderr.strip().splitlines()[-1])
    assert folder.parent == out and folder.name.startswith("compare-toy-toy-set-")
    assert json.loads((folder / "compare.json").read_text()) == data
    assert "| P(exit by the horizon) |" in (folder / "compare.md").read_text()
    assert (folder / "charts").is_dir()
    # the variant ran into its own folder, never mixed with the original's runs
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("compare-")) == [
        "toy",
        data["runs"][1]["name"],
    ]
    # and the two run folders compare again, paired, from disk
    a, b = (Path(r["folder"]) for r in data["runs"])
    code, stdout, _ = _cli(["compare", str(a), str(b), "--out", str(out), "--no-charts"])
    assert code == 0 and "paired" in stdout and "P(exit by midway, 2028-01-01)" in stdout


def test_cli_different_horizons_and_dates_are_allowed_with_a_note(tmp_path: Path) -> None:
    (tmp_path / "toy.yaml").write_text(TOY, encoding="utf-8")
    code, stdout, stderr = _cli(
        [
            "compare",
            str(tmp_path / "toy.yaml"),
            "--set",
            "horizon=2030-01-01",
            "--set",
            "events.midway.date=2028-02-01",
            "--trials",
            "500",
            "--workers",
            "1",
            "--out",
            str(tmp_path / "out"),
            "--json",
        ]
    )
    assert code == 0, stderr
    data = json.loads(stdout)
    assert any("different periods" in n and "2030-01-01" in n for n in data["notes"])
    # an event dated differently is not compared; one dated alike is
    assert "not compared, dated differently in the runs: midway" in data["notes"]
    names = [m["metric"] for m in data["metrics"]]
    assert "p_exit_by.ends" in names and "p_exit_by.midway" not in names


def _bad_run_format(runs: dict[str, Run], tmp_path: Path) -> Path:
    old = tmp_path / "old-run"
    assert runs["a"].folder is not None
    shutil.copytree(runs["a"].folder, old)
    info = json.loads((old / RUN_INFO).read_text())
    (old / RUN_INFO).write_text(json.dumps({**info, "format": 1, "version": "0.0.1"}))
    return old


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("not_a_run", "not a run folder"),
        ("old_format", "format 1); this version (0.1.0) reads format 2"),
        ("one_argument", "give two or more run folders or scenarios"),
        ("unknown_path", "no such path 'routes.unilateral.gates.decide.p'; nearest: "),
        ("wrong_type", "routes.unilateral.gates[0].p.value: expected a probability"),
        ("set_with_two", "--set compares ONE scenario with its variant; got 2 arguments"),
        ("no_such_thing", "no-such.yaml: no such run folder or scenario file"),
    ],
)
def test_cli_bad_input(case: str, expected: str, runs: dict[str, Run], tmp_path: Path) -> None:
    toy = tmp_path / "toy.yaml"
    toy.write_text(TOY, encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    args = {
        "not_a_run": [str(empty), str(toy)],
        "old_format": [str(_bad_run_format(runs, tmp_path)), str(toy)],
        "one_argument": [str(toy)],
        "unknown_path": [str(toy), "--set", "routes.unilateral.gates.decide.p=0.5"],
        "wrong_type": [str(toy), "--set", "routes.unilateral.gates.decides.p=abc"],
        "set_with_two": [str(toy), str(toy), "--set", EDIT],
        "no_such_thing": [str(tmp_path / "no-such.yaml"), str(toy)],
    }[case]
    out = tmp_path / "out"
    code, stdout, stderr = _cli(["compare", *args, "--out", str(out), "--workers", "1"])
    assert code == 2
    assert expected in stderr
    assert len(stderr.strip().splitlines()) == 1 and "Traceback" not in stderr
    assert stdout == ""
    assert not out.exists()  # nothing written, not even a run of the valid scenario


def test_python_api_checks_everything_before_running(tmp_path: Path) -> None:
    with pytest.raises(CompareError, match="no such path"):
        compare_runs([TOY], sets=["routes.nope.p=1"], out=tmp_path / "out")
    assert not (tmp_path / "out").exists()
    items = plan([TOY], [EDIT])
    assert [i.label for i in items] == ["toy", "toy[decides.p=0.5]"]


def test_a_run_folder_reads_back_for_compare(runs: dict[str, Run]) -> None:
    assert runs["a"].folder is not None
    again = load_run(runs["a"].folder)
    c = compare([again, runs["b"]])
    assert c.metric("p_exit").differences[1].paired  # type: ignore[union-attr]
