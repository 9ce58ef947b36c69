"""The `sim` command end to end, as a user runs it: a subprocess in a fresh folder."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from ruamel.yaml import YAML

from sim.language import loads

# A small scenario with comments, both kinds of events, a challenge and a revocation.
GOOD = """\
# A small scenario for the command-line tests.
name: small                    # the output folder
title: Small test
start: 2026-11-25
horizon: 2029-01-20
trials: 5000
seed: 11

treaty:
  name: Test treaty
  notice_period: 1y            # a calendar year

events:
  end_congress: {date: 2027-01-03}
  inauguration: {date: 2029-01-20}
  moves: {hazard_per_year: 0.5}

routes:
  act:
    gates:
      - {name: committee, delay: 10d to 60d, p: 0.5}
    dies_on: [end_congress]    # dies with its Congress
  unilateral:
    starts: after moves
    gates:
      - {name: decides, delay: 30d to 180d, p: 0.6}
    challenges:
      - name: suit
        delay: 60d to 400d
        outcomes: {voids_notice: 0.3, dismissed: 0.5, upheld: 0.2}

notice:
  revoked_by:
    - {event: inauguration, p: 0.5}
"""

SUMMARY_FIELDS = {
    "name",
    "trials",
    "seed",
    "p_exit",
    "p_exit_ci95",
    "p_notice",
    "outcomes",
    "routes",
    "days_to_exit",
    "exit_date",
    "p_exit_by",
    "version",
    "references",
    "scenario_sha256",
}
RUN_FILES = {"summary.json", "trials.parquet", "scenario.yaml", "run.json", "charts"}

# (id, file contents, line the error must name or None)
BAD_FILES = [
    ("unknown_key", GOOD.replace("title: Small test", "titel: Small test"), 3),
    ("python_tag", GOOD.replace("title: Small test", "title: !!python/name:os.system"), 3),
    ("empty", "", None),
    ("not_utf8", GOOD.replace("Small test", "Caf\xe9").encode("latin-1"), None),
]


def sim(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def assert_one_clean_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """Exit status 2, exactly one line on stderr besides `sim run`'s note of which file it
    read, no traceback anywhere; returns the line."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("sim: scenario ")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def run_folders(out: Path, name: str) -> list[Path]:
    return sorted((out / name).iterdir()) if (out / name).exists() else []


def assert_nothing_under(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir()), list(out.rglob("*"))


# --- validate ----------------------------------------------------------------------------


def test_validate_good(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", GOOD)
    proc = sim("validate", "good.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("good.yaml: ok")
    assert proc.stderr == ""


def test_validate_bad(tmp_path: Path) -> None:
    write(tmp_path, "bad.yaml", BAD_FILES[0][1])
    proc = sim("validate", "bad.yaml", cwd=tmp_path)
    line = assert_one_clean_error_line(proc)
    assert line.startswith("bad.yaml:3: titel: unknown key 'titel'")
    assert proc.stdout == ""


# --- run: bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(("content", "line"), [pytest.param(c, n, id=i) for i, c, n in BAD_FILES])
def test_run_bad_scenario_writes_nothing(tmp_path: Path, content: str | bytes, line) -> None:
    write(tmp_path, "bad.yaml", content)
    proc = sim("run", "bad.yaml", "--out", "OUT", "--workers", "1", cwd=tmp_path)
    shown = assert_one_clean_error_line(proc)
    assert shown.startswith("bad.yaml:" if line is None else f"bad.yaml:{line}: ")
    assert_nothing_under(tmp_path / "OUT")


def test_run_missing_file(tmp_path: Path) -> None:
    proc = sim("run", "nosuchfile.yaml", "--out", "OUT", cwd=tmp_path)
    shown = assert_one_clean_error_line(proc)
    assert "nosuchfile.yaml" in shown
    assert_nothing_under(tmp_path / "OUT")


def test_run_directory(tmp_path: Path) -> None:
    (tmp_path / "adir.yaml").mkdir()
    proc = sim("run", "adir.yaml", "--out", "OUT", cwd=tmp_path)
    shown = assert_one_clean_error_line(proc)
    assert shown.startswith("adir.yaml: ")
    assert_nothing_under(tmp_path / "OUT")


# --- run: a good scenario ------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory):
    """`sim run good.yaml --trials 300 --seed 7 --out OUT --workers 1`, once."""
    cwd = tmp_path_factory.mktemp("small_run")
    write(cwd, "good.yaml", GOOD)
    proc = sim(
        "run", "good.yaml", "--trials", "300", "--seed", "7", "--out", "OUT", "--workers", "1",
        cwd=cwd,
    )  # fmt: skip
    return proc, cwd / "OUT"


def the_run_folder(out: Path, name: str = "small") -> Path:
    folders = run_folders(out, name)
    assert len(folders) == 1, folders
    assert not folders[0].name.startswith(".")
    return folders[0]


def test_run_exits_zero_with_one_complete_folder(small_run) -> None:
    proc, out = small_run
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["small"]
    folder = the_run_folder(out)  # and no leftover .partial-* folder beside it
    assert {p.name for p in folder.iterdir()} == RUN_FILES
    assert (folder / "charts").is_dir()
    assert {p.suffix for p in (folder / "charts").iterdir()} == {".png", ".svg"}
    assert not list(out.rglob(".partial-*"))
    assert str(folder.name) in proc.stdout  # the terminal says where the run went


def test_run_summary(small_run) -> None:
    _, out = small_run
    folder = the_run_folder(out)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    missing = SUMMARY_FIELDS - set(summary)
    assert not missing, missing
    assert summary["name"] == "small"
    assert summary["trials"] == 300
    assert summary["seed"] == 7
    assert sum(summary["outcomes"].values()) == 300
    assert set(summary["routes"]) == {"act", "unilateral"}
    low, high = summary["p_exit_ci95"]
    assert 0 <= low <= summary["p_exit"] <= high <= 1
    assert 0 <= summary["p_exit"] <= summary["p_notice"] <= 1
    assert set(summary["p_exit_by"]) == {"end_congress", "inauguration"}
    assert summary["p_exit_by"]["inauguration"] == summary["p_exit"]  # on the horizon date
    assert (summary["days_to_exit"] is None) == (summary["exit_date"] is None)
    trials = pd.read_parquet(folder / "trials.parquet")
    assert len(trials) == 300
    assert list(trials["trial"]) == list(range(300))
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert run["workers"] == 1


def test_run_writes_the_scenario_as_run(small_run) -> None:
    _, out = small_run
    folder = the_run_folder(out)
    raw = (folder / "scenario.yaml").read_bytes()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert hashlib.sha256(raw).hexdigest() == summary["scenario_sha256"]
    text = raw.decode("utf-8")
    as_run = loads(text, "scenario.yaml")
    assert as_run.trials == 300  # --trials written in
    assert as_run.seed == 7  # --seed written in
    assert as_run == dataclasses.replace(loads(GOOD, "good.yaml"), trials=300, seed=7)
    data = YAML(typ="safe", pure=True).load(text)
    assert data["trials"] == 300 and data["seed"] == 7
    for comment in (
        "# A small scenario for the command-line tests.",
        "# the output folder",
        "# a calendar year",
        "# dies with its Congress",
    ):
        assert comment in text, f"comment {comment!r} lost"


def test_run_ids_are_never_reused(tmp_path: Path) -> None:
    # This scenario has no `trials` or `seed` key: the run writes both in.
    write(tmp_path, "good.yaml", GOOD.replace("trials: 5000\n", "").replace("seed: 11\n", ""))
    args = ("run", "good.yaml", "--trials", "50", "--out", "OUT", "--workers", "1", "--no-charts")
    first = sim(*args, cwd=tmp_path)
    second = sim(*args, cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    folders = run_folders(tmp_path / "OUT", "small")
    assert len(folders) == 2
    assert len({f.name for f in folders}) == 2
    for folder in folders:
        assert {p.name for p in folder.iterdir()} == RUN_FILES
        as_run = loads((folder / "scenario.yaml").read_text(encoding="utf-8"), "s.yaml")
        assert (as_run.trials, as_run.seed) == (50, 0)
    assert not list((tmp_path / "OUT").rglob(".partial-*"))


def test_run_json_prints_the_summary(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", GOOD)
    proc = sim(
        "run", "good.yaml", "--json", "--trials", "300", "--out", "OUT", "--workers", "1",
        "--no-charts", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    folder = the_run_folder(tmp_path / "OUT")
    written = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert Path(printed.pop("run_folder")).resolve() == folder.resolve()
    assert printed == written
    assert printed["trials"] == 300
    assert printed["seed"] == 11


def test_run_without_argument_runs_the_bundled_baseline(tmp_path: Path) -> None:
    proc = sim(
        "run", "--trials", "200", "--workers", "1", "--out", "OUT", "--no-charts", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "OUT").iterdir()) == ["baseline"]
    folder = the_run_folder(tmp_path / "OUT", "baseline")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["name"] == "baseline"
    assert summary["trials"] == 200


def test_workers_do_not_change_the_results(tmp_path: Path) -> None:
    """Trials are split into blocks of 1000: 2500 trials make three blocks."""
    write(tmp_path, "good.yaml", GOOD)
    common = ("run", "good.yaml", "--trials", "2500", "--seed", "3", "--no-charts")
    one = sim(*common, "--workers", "1", "--out", "ONE", cwd=tmp_path)
    two = sim(*common, "--workers", "2", "--out", "TWO", cwd=tmp_path)
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    folder_one = the_run_folder(tmp_path / "ONE")
    folder_two = the_run_folder(tmp_path / "TWO")
    assert json.loads((folder_two / "run.json").read_text())["workers"] == 2
    a = pd.read_parquet(folder_one / "trials.parquet")
    b = pd.read_parquet(folder_two / "trials.parquet")
    assert len(a) == 2500
    pd.testing.assert_frame_equal(a, b)
    s1 = json.loads((folder_one / "summary.json").read_text())
    s2 = json.loads((folder_two / "summary.json").read_text())
    assert s1 == s2


# --- schema --------------------------------------------------------------------------------


def _as_json_data(text: str):
    """YAML text -> JSON-like data (dates as YYYY-MM-DD text), as an editor would see it."""
    return json.loads(json.dumps(YAML(typ="safe", pure=True).load(text), default=str))


def test_schema(tmp_path: Path) -> None:
    import jsonschema  # a test dependency: jsonschema

    proc = sim("schema", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert {"name", "start", "horizon", "treaty", "routes"} <= set(schema["required"])
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    good = _as_json_data(GOOD)
    assert good["start"] == "2026-11-25"
    errors = [e.message for e in validator.iter_errors(good)]
    assert errors == []
    # the forms of values of DESIGN.md are all allowed by the schema
    richer_text = (
        GOOD.replace(
            "{name: committee, delay: 10d to 60d, p: 0.5}",
            "{name: committee, delay: {dist: pert, min: 1d, mode: 2w, max: 6mo}, "
            "p: {value: 0.05, source: judgment}}\n"
            "      - {name: floor, delay: 7d, votes: {needed: 218, ayes: 150 to 230}}\n"
            "      - {name: sign, p: {dist: beta, mean: 0.06, sd: 0.04}}",
        )
        .replace("hazard_per_year: 0.5", "hazard_per_year: {dist: lognormal, p5: 0.1, p95: 1}")
        .replace("dies_on: [end_congress]", "dies_on: [{event: end_congress, p: 0.6}]")
    )
    loads(richer_text, "richer.yaml")  # valid for sim
    richer = _as_json_data(richer_text)
    assert [e.message for e in validator.iter_errors(richer)] == []
    # and what the language refuses, the schema refuses too
    assert not validator.is_valid({**good, "titel": "x"})
    assert not validator.is_valid({k: v for k, v in good.items() if k != "horizon"})
