"""Hostile scenario files: each is refused quickly, with one line naming the file and the
limit, and nothing in a file is ever constructed or evaluated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_cli import GOOD, assert_one_clean_error_line, sim

from sim import bundled
from sim.language import ScenarioError, load, loads
from sim.language.yaml_limits import MAX_BYTES, MAX_DEPTH, MAX_NODES

HEAD = "name: lol\nstart: 2026-01-01\nhorizon: 2027-01-01\n"


def laughs(levels: int = 9) -> str:
    """The classic "billion laughs": each level is nine aliases of the one before."""
    lines = [HEAD, 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def refused_quickly(text: str, seconds: float = 0.5) -> ScenarioError:
    began = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        loads(text, "hostile.yaml")
    assert time.perf_counter() - began < seconds
    return caught.value


def test_billion_laughs_is_refused_in_well_under_a_second() -> None:
    text = laughs()
    assert len(text.encode()) < 640
    error = refused_quickly(text)
    assert f"more than {MAX_NODES:,} values" in error.message
    assert str(error).startswith("hostile.yaml:")


def test_billion_laughs_in_a_description_via_the_command(tmp_path: Path) -> None:
    text = GOOD.replace("title: Small test", "title: Small test\n" + laughs().split(HEAD)[1])
    (tmp_path / "lol.yaml").write_text(text)
    proc = sim("validate", "lol.yaml", cwd=tmp_path, timeout=20)
    line = assert_one_clean_error_line(proc)
    assert line.startswith("lol.yaml:") and "aliases" in line


def test_a_few_aliases_are_still_fine() -> None:
    text = GOOD.replace("seed: 11", "seed: 11\nshared: &d 10d to 60d").replace(
        "delay: 10d to 60d", "delay: *d"
    )
    with pytest.raises(ScenarioError) as caught:  # `shared` is not a key: the one problem
        loads(text, "s.yaml")
    assert [e.path for e in caught.value.errors] == [("shared",)]


@pytest.mark.parametrize(
    "opening", ["x: " + "[" * 100_000, "x: " + "{a: " * 100_000, "x:\n  " + "- " * 2000 + "1"]
)
def test_deep_nesting_is_refused(opening: str) -> None:
    error = refused_quickly(HEAD + opening + "\n", seconds=2)
    assert f"nested more than {MAX_DEPTH} deep" in error.message


def test_nesting_through_aliases_is_counted() -> None:
    inner = "[" * 30 + "1" + "]" * 30
    text = HEAD + f"a: &a {inner}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]\n"
    error = refused_quickly(text)
    assert "nested more than" in error.message


def test_nesting_a_real_scenario_needs_passes() -> None:
    assert loads(GOOD, "good.yaml").name == "small"


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(GOOD + "#" * MAX_BYTES)
    began = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        load(big)
    assert time.perf_counter() - began < 0.5
    assert str(caught.value) == (
        f"{big}: a scenario file may be at most 1,048,576 bytes (1 MiB); this one is "
        f"{big.stat().st_size:,} bytes"
    )


def test_an_endless_file_is_refused() -> None:
    with pytest.raises(ScenarioError, match="longer than that"):
        load("/dev/zero")


def test_text_over_the_size_limit_is_refused() -> None:
    with pytest.raises(ScenarioError, match="at most 1,048,576 bytes"):
        loads(GOOD + "#" * MAX_BYTES)


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['touch pwned']",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!custom x",
        "!!set {a, b}",
        "!!omap [a: 1]",
    ],
)
def test_tags_never_construct_anything(tmp_path: Path, value: str) -> None:
    text = GOOD.replace("title: Small test", f"title: {value}")
    with pytest.raises(ScenarioError, match="YAML tags are not allowed"):
        loads(text)
    assert not Path("pwned").exists()


@pytest.mark.parametrize(
    "value", ["__import__('os').system('true')", "${HOME}", "$(touch pwned)", "{{ 7*7 }}"]
)
def test_no_expression_is_evaluated(value: str) -> None:
    """Text that looks like code is text: a title keeps it verbatim, a number refuses it."""
    quoted = '"' + value + '"'
    assert loads(GOOD.replace("Small test", value.replace("'", "''").join("''"))).title == value
    with pytest.raises(ScenarioError):
        loads(GOOD.replace("trials: 5000", f"trials: {quoted}"))
    assert not Path("pwned").exists()


@pytest.mark.parametrize("name", ["..", ".hidden", "a/../../etc", "a" * 101])
def test_a_name_cannot_leave_the_output_folder_nor_be_too_long(name: str) -> None:
    with pytest.raises(ScenarioError, match="must be file-safe"):
        loads(GOOD.replace("name: small ", f"name: '{name}' "), "s.yaml")
    assert loads(GOOD.replace("name: small ", f"name: {'a' * 100} ")).name == "a" * 100


def test_too_many_values_without_aliases() -> None:
    text = HEAD + "x: [" + "1," * (MAX_NODES + 10) + "1]\n"
    error = refused_quickly(text, seconds=5)  # about 40 kB read before the limit
    assert error.message.startswith(f"the file holds more than {MAX_NODES:,} values; ")
    assert "aliases" not in error.message


def test_a_tag_before_a_billion_laughs_does_not_expand_it() -> None:
    """Locating a tag loads the file: the limits must have passed first."""
    error = refused_quickly("title: !!str x\n" + laughs())
    assert "aliases" in error.message


def test_merge_keys_work_and_are_counted() -> None:
    """`<<: *anchor` (a found crash: a merged key has no place of its own in the file)."""
    text = GOOD.replace(
        "      - {name: committee, delay: 10d to 60d, p: 0.5}",
        "      - &g {name: committee, delay: 10d to 60d, p: 0.5}\n"
        "      - {<<: *g, name: floor, p: 0.7}",
    )
    gates = loads(text, "m.yaml").routes["act"].gates
    assert [(g.name, g.p.value) for g in gates] == [("committee", 0.5), ("floor", 0.7)]


def test_text_the_yaml_reader_gives_up_on_is_one_line() -> None:
    """Found by fuzzing: ruamel raises NotImplementedError ("overlap in comment")."""
    text = (bundled.folder() / "baseline.yaml").read_text()
    at = text.index("# they race:") + len("# they race:")
    with pytest.raises(ScenarioError) as caught:
        loads(text[:at] + "<<: *a\n" + text[at:], "b.yaml")
    assert str(caught.value).startswith("b.yaml: not valid YAML: the YAML reader gave up")
    assert "\n" not in str(caught.value)
