"""`sim run --precision H`: it stops at the first whole block at which the Wilson 95%
interval of P(exit), computed by hand from the trials' own coins, has half-width <= H; its
folder is the folder of `--trials N`; a maximum stops it; bad values are one line."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from scipy import stats

from sim.cli import main
from sim.language import loads
from sim.runner import run

BLOCK = 2**16  # trials per block of random streams (README: "How it works")
P = 0.5
SEED = 7
COIN = f"""\
name: coin
start: 2027-01-01
horizon: 2028-01-01
trials: 1000
seed: {SEED}
treaty: {{name: coin treaty, notice_period: 0d}}
routes:
  r:
    gates:
      - {{name: g, delay: 0d, p: {P}}}
"""


def _coins(block: int, n: int = BLOCK) -> np.ndarray:
    """The gate's uniforms of one block, from the documented stream:
    SeedSequence(seed, spawn_key=(block, crc32(name))) into PCG64."""
    key = (block, zlib.crc32(b"routes.r.gates.g.u"))
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(SEED, spawn_key=key)))
    return rng.random(n)


def _half_width(k: int, n: int) -> float:
    ci = stats.binomtest(k, n).proportion_ci(method="wilson")
    return (ci.high - ci.low) / 2


def test_stops_at_the_block_wilson_predicts_and_writes_the_folder_of_trials_n(
    tmp_path: Path,
) -> None:
    target = 0.003
    exits = trials = 0
    for block in range(10):  # the gate passes (the trial exits) when its uniform is below p
        exits += int((_coins(block) < P).sum())
        trials += BLOCK
        if _half_width(exits, trials) <= target:
            break
    assert trials == 2 * BLOCK  # the case is sized so that one block is not enough
    scenario = loads(COIN, "coin.yaml")
    precise = run(scenario, out=tmp_path / "p", workers=2, precision=target, charts=False)
    assert precise.summary["trials"] == trials
    assert precise.summary["outcomes"]["exited"] == exits
    info = json.loads((precise.folder / "run.json").read_text())
    assert info["precision"]["trials"] == trials
    assert info["precision"]["reached"] is True
    assert info["precision"]["half_width"] <= target
    assert abs(info["precision"]["half_width"] - _half_width(exits, trials)) < 1e-12
    fixed = run(scenario, out=tmp_path / "t", workers=1, trials=trials, charts=False)
    for name in ("summary.json", "scenario.yaml", "trials.parquet"):
        assert (precise.folder / name).read_bytes() == (fixed.folder / name).read_bytes(), name
    assert precise.folder.name[16:] == fixed.folder.name[16:]  # same seed and sha256
    assert "precision" not in json.loads((fixed.folder / "run.json").read_text())


def test_a_maximum_stops_it_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "coin.yaml").write_text(COIN)
    args = ["run", str(tmp_path / "coin.yaml"), "--precision", "0.0001", "--trials", "70000"]
    result = CliRunner().invoke(
        main, [*args, "--out", str(tmp_path / "out"), "--no-charts", "--workers", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["trials"] == 70000
    assert shown["precision"]["reached"] is False
    k = int((_coins(0) < P).sum()) + int((_coins(1, 70000 - BLOCK) < P).sum())
    assert shown["outcomes"]["exited"] == k
    assert "--precision 0.0001 not reached: stopped at the maximum of 70,000 trials" in (
        result.stderr
    )


def test_bad_precision_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "coin.yaml").write_text(COIN)
    for value in ("0", "0.5", "-1"):
        result = CliRunner().invoke(
            main,
            [
                "run",
                str(tmp_path / "coin.yaml"),
                "--precision",
                value,
                "--out",
                str(tmp_path / "o"),
            ],
        )
        assert result.exit_code == 2
        lines = [line for line in result.stderr.splitlines() if not line.startswith("sim: scen")]
        assert len(lines) == 1 and "--precision" in lines[0], result.stderr
        assert not (tmp_path / "o").exists()
