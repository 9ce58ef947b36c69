"""The editing loop as a user meets it (issue 6): which file ran, a bundled name shadowed by a
nearby file, `sim new`, every problem at once on the command line, warnings and `--strict`,
and the rough edges (bare `sim`, `sim validate baseline`, `sim scenarios` with paths).

In-process through click's runner (fast); `test_cli.py` runs the command as a subprocess.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result

from sim import bundled, scaffold
from sim.cli import main
from sim.language import json_schema, load
from sim.language.yaml_reading import read_yaml

FIVE = (Path(__file__).parent / "test_messages.py").read_text().split('FIVE = """\\\n')[1]
FIVE = FIVE.split('"""')[0]

SMALL = """\
name: small
start: 2026-11-25
horizon: 2029-01-20
trials: 40
treaty: {notice_period: 1y}
routes:
  act:
    gates: [{name: g, delay: 30d, p: {dist: normal, mean: 0.1, sd: 0.2}}]
"""


def cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), prog_name="sim", catch_exceptions=False)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- rough edges ---------------------------------------------------------------------


def test_bare_sim_prints_help_and_exits_zero() -> None:
    result = cli()
    assert result.exit_code == 0
    assert "Usage: sim" in result.stdout
    for command in ("run", "validate", "new", "scenarios", "schema"):
        assert f"  {command} " in result.stdout


def test_scenarios_shows_each_title_and_path() -> None:
    lines = cli("scenarios").stdout.splitlines()
    path = bundled.find("baseline")
    assert lines[0].split()[0] == "baseline"
    assert load(path).title in lines[0]
    assert lines[1].strip() == str(path)


def test_validate_takes_a_bundled_name(here: Path) -> None:
    result = cli("validate", "baseline")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{bundled.find('baseline')}: ok (baseline:")


def test_validate_unknown_name(here: Path) -> None:
    result = cli("validate", "nosuch")
    assert result.exit_code == 2
    listing = ", ".join(bundled.names())
    assert listing.startswith("baseline, ")  # the default first, then the stories
    assert result.stderr == f"nosuch: no such file, nor a bundled scenario (bundled: {listing})\n"


# --- every problem at once -----------------------------------------------------------


def test_validate_prints_every_problem_in_line_order(here: Path) -> None:
    (here / "my.yaml").write_text(FIVE)
    result = cli("validate", "my.yaml")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert [line.split(":")[1] for line in lines] == ["4", "6", "10", "11", "13"]
    assert result.stdout == ""


def test_validate_caps_what_it_prints(here: Path) -> None:
    gates = "".join(f"  - {{name: g{i}, p: 2}}\n" for i in range(60))
    text = SMALL.replace(
        "    gates: [{name: g, delay: 30d, p: {dist: normal, mean: 0.1, sd: 0.2}}]\n",
        "    gates:\n" + gates.replace("  - ", "      - "),
    )
    (here / "many.yaml").write_text(text)
    lines = cli("validate", "many.yaml").stderr.splitlines()
    assert len(lines) == 51
    assert lines[-1] == "many.yaml: ... and 10 more problems"


def test_run_prints_every_problem_and_writes_nothing(here: Path) -> None:
    (here / "my.yaml").write_text(FIVE)
    result = cli("run", "my.yaml", "--out", "OUT", "--workers", "1")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "sim: scenario my.yaml"
    assert len(lines) == 6 and lines[1].startswith("my.yaml:4: treaty.notice_period: ")
    assert not (here / "OUT").exists()


# --- warnings and --strict -----------------------------------------------------------


def test_validate_prints_warnings_and_passes(here: Path) -> None:
    (here / "small.yaml").write_text(SMALL)
    result = cli("validate", "small.yaml")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "small.yaml:8: routes.act.gates[0].p: warning: normal (mean 0.1, sd 0.2) is clipped "
        "at 0: 31% of trials have p = 0; use a narrower sd, or a distribution inside the "
        "range (beta, 'a to b')"
    ]
    assert result.stdout.endswith(", 1 warning(s)\n")


def test_strict_refuses_warnings(here: Path) -> None:
    (here / "small.yaml").write_text(SMALL)
    result = cli("validate", "--strict", "small.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("small.yaml:8: routes.act.gates[0].p: normal (mean 0.1")
    result = cli("run", "--strict", "small.yaml", "--out", "OUT", "--workers", "1")
    assert result.exit_code == 2
    assert not (here / "OUT").exists()


def test_run_says_which_file_ran_and_its_warnings(here: Path) -> None:
    (here / "small.yaml").write_text(SMALL)
    result = cli("run", "small.yaml", "--out", "OUT", "--workers", "1", "--json")
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "sim: scenario small.yaml"
    assert "warning: normal (mean 0.1, sd 0.2)" in lines[1]


# --- which file ran; a bundled name shadowed by a nearby file ------------------------


def test_a_bundled_name_resolves_to_the_bundled_copy(here: Path) -> None:
    resolved = bundled.resolve("baseline")
    assert resolved.bundled and resolved.path == bundled.find("baseline")
    assert resolved.notes() == [f"sim: scenario {resolved.path} (bundled copy)"]
    assert bundled.resolve(None).path == resolved.path


@pytest.mark.parametrize("where", ["baseline.yaml", "scenarios/baseline.yaml"])
def test_an_edited_copy_nearby_is_named_in_a_warning(here: Path, where: str) -> None:
    original = bundled.find("baseline")
    assert original is not None
    (here / where).parent.mkdir(exist_ok=True)
    (here / where).write_text(original.read_text().replace("trials: 20000", "trials: 200"))
    resolved = bundled.resolve("baseline")
    assert resolved.notes() == [
        f"sim: scenario {original} (bundled copy)",
        f"sim: warning: {where} differs from the bundled 'baseline' that this ran; to run "
        f"your file: sim run {where}",
    ]
    # An identical copy shadows nothing; a path always means the file itself.
    (here / where).write_bytes(original.read_bytes())
    assert bundled.resolve("baseline").shadowed_by == ()
    assert bundled.resolve(where) == bundled.Resolved(Path(where), bundled=False)


# --- sim new ---------------------------------------------------------------------------


def test_new_copies_the_baseline_under_a_fresh_name(here: Path) -> None:
    result = cli("new", "my_baseline")
    assert result.exit_code == 0, result.stderr
    copy = here / "my_baseline.yaml"
    assert result.stdout.splitlines()[0] == (
        f"wrote my_baseline.yaml (a copy of {bundled.find('baseline')}, name: my_baseline)"
    )
    s = load(copy)
    assert s.name == "my_baseline"
    original = bundled.find("baseline")
    assert original is not None
    # Only the name line differs: every comment and source is kept.
    old, new = original.read_text().splitlines(), copy.read_text().splitlines()
    assert [(a, b) for a, b in zip(old, new, strict=True) if a != b] == [
        ("name: baseline", "name: my_baseline")
    ]


def test_new_writes_the_schema_its_first_line_points_to(here: Path) -> None:
    (here / "sub").mkdir()
    created = scaffold.new("mine", folder=here / "sub")
    text = created.path.read_text()
    first = text.splitlines()[0]
    assert first == "# yaml-language-server: $schema=scenario.schema.json"
    schema_path = created.path.parent / first.split("$schema=")[1]
    assert schema_path == created.schema
    schema = json.loads(schema_path.read_text())
    assert schema == json_schema()
    jsonschema.validate(read_yaml(text).data, schema)


def test_new_refuses_to_overwrite(here: Path) -> None:
    (here / "mine.yaml").write_text("keep me")
    result = cli("new", "mine")
    assert result.exit_code == 2
    assert result.stderr == "sim new: mine.yaml already exists; pick another name or remove it\n"
    assert (here / "mine.yaml").read_text() == "keep me"


@pytest.mark.parametrize("name", ["my copy", "../up", ".hidden", "a/b", ""])
def test_new_refuses_a_bad_name(here: Path, name: str) -> None:
    result = cli("new", name)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"sim new: {name!r} is not a scenario name")
    assert list(here.iterdir()) == []


def test_new_from_unknown_scenario(here: Path) -> None:
    result = cli("new", "mine", "--from", "nosuch")
    assert result.exit_code == 2
    assert "nosuch: no such file, nor a bundled scenario" in result.stderr
    assert list(here.iterdir()) == []


def test_new_accepts_a_yaml_suffix_and_a_folder(here: Path) -> None:
    (here / "s").mkdir()
    result = cli("new", "alt.yaml", "--from", "baseline", "--dir", "s")
    assert result.exit_code == 0, result.stderr
    assert load(here / "s" / "alt.yaml").name == "alt"
