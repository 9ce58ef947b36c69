"""The bundled scenarios: valid, every number sourced, shipped in the wheel, and described
by the JSON Schema that editors read."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from sim import bundled
from sim.language import Scenario, json_schema, load
from sim.language.values import Constant, Kind, Value
from sim.language.yaml_reading import read_yaml

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
HISTORY = sorted((ROOT / "scenarios" / "history").glob("*.yaml"))
EVERY = SCENARIOS + HISTORY


def _digest_ids() -> set[str]:
    data = YAML(typ="safe").load((ROOT / "seeds" / "digest.yaml").read_text())
    ids = [c["id"] for a in data["articles"] for c in a["claims"]]
    ids += [p["id"] for p in data["primary"]]
    assert len(ids) == len(set(ids)), "digest ids must be unique"
    return set(ids)


def _sourced_numbers(s: Scenario) -> Iterator[tuple[str, Value | None, str | None]]:
    """(where, value, source) for every number a scenario writes."""
    yield "treaty.notice_period", s.treaty.notice_period, s.treaty.notice_period.source
    if s.treaty.earliest_notice is not None:
        yield "treaty.earliest_notice", None, s.treaty.source
    for e in s.events.values():
        if e.hazard_per_year is not None:
            yield f"events.{e.name}", e.hazard_per_year, e.hazard_per_year.source or e.source
            for c in e.rate_changes:
                yield f"events.{e.name}.rate_changes.{c.key}", c.rate, c.rate.source
        else:
            yield f"events.{e.name}.date", None, e.source
    for r in s.routes.values():
        for g in r.gates:
            yield f"{r.name}.{g.name}.delay", g.delay, g.delay.source
            if g.p is not None:
                yield f"{r.name}.{g.name}.p", g.p, g.p.source
            else:
                assert g.votes is not None
                yield f"{r.name}.{g.name}.needed", None, g.votes.source
                yield f"{r.name}.{g.name}.ayes", g.votes.ayes, g.votes.ayes.source
        for eff in r.dies_on:
            yield f"{r.name}.dies_on.{eff.event}", eff.p, eff.p.source
        yield f"{r.name}.notice_within", r.notice_within, r.notice_within.source
        for c in r.challenges:
            yield f"{r.name}.{c.name}.delay", c.delay, c.delay.source
            yield f"{r.name}.{c.name}.outcomes", None, c.source
            if c.appeal is not None:
                yield f"{r.name}.{c.name}.appeal.delay", c.appeal.delay, c.appeal.delay.source
                yield (
                    f"{r.name}.{c.name}.appeal.reverses",
                    c.appeal.reverses,
                    c.appeal.reverses.source or c.appeal.source,
                )
    for eff in s.revoked_by:
        yield f"revoked_by.{eff.event}", eff.p, eff.p.source


def _needs_no_source(value: Value | None) -> bool:
    """A bare effect (p = 1) and a zero delay state no number."""
    if not isinstance(value, Constant):
        return False
    zero_delay = value.kind is Kind.DURATION and value.value == 0
    certain = value.kind is Kind.PROBABILITY and value.value == 1 and value.source is None
    return zero_delay or certain


def test_there_is_a_bundled_baseline() -> None:
    assert "baseline" in bundled.names()
    found = bundled.find("baseline")
    assert found is not None  # the installed copy (a wheel's package data) or this checkout's
    assert found.read_bytes() == (ROOT / "scenarios" / "baseline.yaml").read_bytes()


@pytest.mark.parametrize("path", EVERY, ids=lambda p: p.stem)
def test_every_number_cites_a_source(path: Path) -> None:
    ids = _digest_ids()
    s = load(path)
    for where, value, source in _sourced_numbers(s):
        if _needs_no_source(value):
            continue
        assert source, f"{path.name}: {where} has no source"
        lead = re.split(r"[:\s]", source.strip(), maxsplit=1)[0]
        assert lead == "judgment" or lead in ids, (
            f"{path.name}: {where}: source must start with a seeds/digest.yaml id or "
            f"'judgment', got {source!r}"
        )


def test_the_baseline_has_the_three_legal_gates() -> None:
    s = load(ROOT / "scenarios" / "baseline.yaml")
    assert s.start.isoformat() == "2026-11-25"
    assert s.horizon.isoformat() == "2029-01-20"
    assert s.treaty.notice_period == Constant(
        Kind.DURATION, 12 * 365.25 / 12, months=12, source=s.treaty.notice_period.source
    )
    routes = s.routes
    senate = routes["senate_two_thirds"]
    vote = next(g for g in senate.gates if g.votes is not None)
    assert vote.votes is not None and vote.votes.needed == 67
    assert any(g.name == "notify_committees_180_days" for g in senate.gates)
    assert [(e.event, e.until) for e in routes["hr6508_119th"].dies_on] == [
        ("end_119th_congress", "signature")
    ]
    for executive in ("senate_two_thirds", "unilateral_notice"):
        assert [e.event for e in routes[executive].dies_on] == ["inauguration_2029"]
    assert s.events["end_119th_congress"].date.isoformat() == "2027-01-03"  # type: ignore[union-attr]
    assert routes["unilateral_notice"].challenges
    assert [e.event for e in s.revoked_by] == ["inauguration_2029"]


def test_the_schema_file_is_current() -> None:
    on_disk = json.loads((ROOT / "scenarios" / "scenario.schema.json").read_text())
    assert on_disk == json_schema(), "regenerate: sim schema > scenarios/scenario.schema.json"


@pytest.mark.parametrize("path", EVERY, ids=lambda p: p.stem)
def test_bundled_scenarios_satisfy_the_json_schema(path: Path) -> None:
    data = read_yaml(path.read_text()).data
    jsonschema.validate(data, json_schema())
    first_line = path.read_text().splitlines()[0]
    schema = "scenario.schema.json" if path in SCENARIOS else "../scenario.schema.json"
    assert first_line == f"# yaml-language-server: $schema={schema}"


def test_the_json_schema_rejects_what_the_loader_rejects() -> None:
    data = read_yaml((ROOT / "scenarios" / "baseline.yaml").read_text()).data
    data["routes"]["unilateral_notice"]["notice_withn"] = "0d"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())


def test_the_wheel_carries_the_bundled_scenarios(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for path in EVERY:
        assert f"sim/_bundled/{path.relative_to(ROOT)}" in names
    assert "sim/_bundled/seeds/digest.yaml" in names  # the ids `source:` warnings check


def test_the_readme_table_lists_exactly_the_bundled_scenarios() -> None:
    """The table scripts/scenario_table.py writes from real runs (not re-run here)."""
    readme = (ROOT / "README.md").read_text()
    start, end = "<!-- scenario-table:start -->", "<!-- scenario-table:end -->"
    assert readme.count(start) == 1 and readme.count(end) == 1
    table = readme.split(start)[1].split(end)[0]
    listed = re.findall(r"^\| `([^`]+)` \|", table, flags=re.M)
    assert listed == bundled.names()  # each once, in `sim scenarios` order
    assert {p.stem for p in SCENARIOS} == set(listed)
    assert "Produced by `python scripts/scenario_table.py` (20,000 trials" in table


def test_the_table_script_explains_every_bundled_scenario_and_keeps_the_rest() -> None:
    """Each bundled scenario has its 'what drives it' sentence, and rewriting the table
    leaves the README outside the markers as it was."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("table", ROOT / "scripts" / "scenario_table.py")
    assert spec is not None and spec.loader is not None
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    assert set(table.DRIVES) == {p.stem for p in SCENARIOS}
    assert [p.stem for p in table.bundled_paths()] == bundled.names()
    text = f"before\n{table.START}\nold\n{table.END}\nafter\n"
    assert table.replace_between(text, "new") == f"before\n{table.START}\nnew\n{table.END}\nafter\n"
    with pytest.raises(SystemExit):
        table.replace_between("no markers", "new")


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_bundled_stories_have_no_warnings(path: Path) -> None:
    """`sim run --strict` runs each of them: no unknown source id, no figure 0 by mistake."""
    assert [str(w) for w in load(path).warnings] == []
