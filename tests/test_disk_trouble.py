"""A full or read-only disk, a folder deleted under a run, an `--out` that is a file, and two
runs into the same `--out` at once: one line, the right exit status, no `.partial-*` folder,
no traceback, and never one run's results in another's folder.

Tests run as root here, and root ignores file modes, so a read-only or full disk is
simulated by making the write itself fail the way the kernel would."""

from __future__ import annotations

import errno
import json
import pathlib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result
from test_cli import GOOD

from sim import summary
from sim.cli import main

SMALL = GOOD.replace("trials: 5000", "trials: 300")


def sim_run(tmp_path: Path, *args: str) -> Result:
    (tmp_path / "s.yaml").write_text(SMALL)
    return CliRunner().invoke(
        main, ["run", str(tmp_path / "s.yaml"), "--workers", "1", *args], catch_exceptions=True
    )


def assert_one_line(result: Result, status: int, expected: str) -> None:
    assert result.exit_code == status, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception  # not a crash
    lines = [line for line in result.stderr.splitlines() if not line.startswith("sim: scenario")]
    assert lines == [expected]
    assert "Traceback" not in result.output


def assert_no_folder_left(out: Path) -> None:
    left = [p for p in out.rglob("*")] if out.exists() else []
    assert left == [], left


def fail_with(code: int) -> Any:
    def write(*args: object, **kwargs: object) -> None:
        raise OSError(code, __import__("os").strerror(code))

    return write


def test_a_full_disk_while_writing_trials(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pq.ParquetWriter, "write_table", fail_with(errno.ENOSPC))
    result = sim_run(tmp_path, "--out", str(tmp_path / "out"))
    assert_one_line(
        result,
        1,
        f"sim: cannot write the run folder under {tmp_path / 'out'}: No space left on device",
    )
    assert_no_folder_left(tmp_path / "out")


def test_a_full_disk_while_writing_the_summary(tmp_path: Path, monkeypatch) -> None:
    real = pathlib.Path.write_text

    def write_text(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name == "summary.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", write_text)
    result = sim_run(tmp_path, "--out", str(tmp_path / "out"))
    assert_one_line(
        result,
        1,
        f"sim: cannot write the run folder under {tmp_path / 'out'}: No space left on device",
    )
    assert_no_folder_left(tmp_path / "out")


def test_a_read_only_disk(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(pathlib.Path, "mkdir", fail_with(errno.EROFS))
    result = sim_run(tmp_path, "--out", str(tmp_path / "out"))
    assert_one_line(
        result,
        1,
        f"sim: cannot write the run folder under {tmp_path / 'out'}: Read-only file system",
    )
    assert_no_folder_left(tmp_path / "out")


def test_the_folder_deleted_under_a_run(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "out"
    real = summary.SummaryBuilder.add

    def add(self: summary.SummaryBuilder, table: Any) -> None:
        shutil.rmtree(out, ignore_errors=True)  # `rm -rf out` while the run writes
        real(self, table)

    monkeypatch.setattr(summary.SummaryBuilder, "add", add)
    result = sim_run(tmp_path, "--out", str(out))
    assert_one_line(
        result, 1, f"sim: cannot write the run folder under {out}: No such file or directory"
    )
    assert_no_folder_left(out)


@pytest.mark.parametrize("where", ["out", "out/small", "out/x/y"])
def test_an_out_that_is_a_file(tmp_path: Path, where: str) -> None:
    (tmp_path / "out").mkdir()
    blocker = tmp_path / where if where != "out/x/y" else tmp_path / "out" / "x"
    if where == "out":
        (tmp_path / "out").rmdir()
    blocker.write_text("not a folder")
    result = sim_run(tmp_path, "--out", str(tmp_path / where.replace("/small", "")))
    shown = tmp_path / where.replace("/small", "")
    assert_one_line(result, 2, f"sim: --out {shown}: {blocker} is a file, not a folder")
    assert blocker.read_text() == "not a folder"
    assert not list(tmp_path.rglob(".partial-*"))


def test_two_runs_at_once_into_the_same_out_never_collide(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SMALL.replace("trials: 300", "trials: 1500"))
    command = [sys.executable, "-m", "sim", "run", "s.yaml", "--workers", "1", "--json"]
    procs = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    folders = [Path(json.loads(o)["run_folder"]) for o in outputs]
    assert len(set(folders)) == 2
    assert sorted(folders) == sorted((tmp_path / "outputs" / "small").iterdir())
    summaries = [json.loads((f / "summary.json").read_text()) for f in folders]
    assert all(s == summaries[0] for s in summaries)  # same seed: the same, each complete
    for f in folders:
        assert pq.read_metadata(f / "trials.parquet").num_rows == 1500
