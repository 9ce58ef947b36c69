"""Real run folders and a compare folder for the report tests.

The run's charts are the real ones `sim run` draws, and the compare folder's the real ones
`sim compare` draws; compare.json is written by hand in the documented format
(2) from the runs' own trials, so its numbers can be checked against these computations.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from sim import __version__
from sim.language import loads
from sim.run_folder import FORMAT, load_run
from sim.runner import run

# A small scenario with sources written every way the language allows, one value with no
# source, a folded (>-) source, and text that must be escaped.
SCENARIO = """\
# A small scenario for the report tests.
name: small
title: Small <test> & "report"
description: >-
  A test of the report: every value
  is shown with its source.
start: 2026-11-25
horizon: 2029-01-20
trials: 2000
seed: 11

treaty:
  name: Test treaty
  notice_period: {value: 1y, source: "nat-art13: one year after the notice"}

events:
  end_congress: {date: 2027-01-03, source: "congress-119-ends: bills die"}
  inauguration: {date: 2029-01-20}
  moves:
    hazard_per_year: {dist: beta, mean: 0.5, sd: 0.1, source: "judgment: <script>alert(1)</script>"}

routes:
  act:
    gates:
      - {name: committee, delay: 10d to 60d, p: {value: 0.5, source: "judgment: a coin"}}
    dies_on: [end_congress]
  unilateral:
    starts: after moves
    gates:
      - name: decides
        delay: {value: 30d to 180d, source: "judgment: months"}
        p: {value: P_DECIDES, source: "judgment: the gate the comparison edits"}
    challenges:
      - name: suit
        delay: 60d to 400d
        outcomes:
          voids_notice: 0.3
          dismissed: 0.5
          upheld: 0.2
          source: >-
            judgment: a guess,
            folded over two lines

notice:
  revoked_by:
    - {event: inauguration, p: {dist: uniform, min: 0.4, max: 0.8, source: "judgment: a new term"}}
"""


def make_run(
    out: Path, p_decides: float = 0.6, seed: int = 11, trials: int = 1000, charts: bool = False
) -> Path:
    """A run folder; with `charts`, the real charts of `sim run` in its charts/."""
    text = SCENARIO.replace("P_DECIDES", str(p_decides))
    result = run(
        loads(text, "small.yaml"), out=out, seed=seed, trials=trials, workers=1, charts=charts
    )
    assert result.folder is not None
    return result.folder


def difference(a: np.ndarray, b: np.ndarray, paired: bool) -> dict[str, Any]:
    """b - a with a 95% interval: paired t on per-trial differences, or Welch's."""
    test = stats.ttest_rel(b, a) if paired else stats.ttest_ind(b, a, equal_var=False)
    low, high = test.confidence_interval(0.95)
    return {
        "value": float(np.mean(b) - np.mean(a)),
        "ci95": [float(low), float(high)],
        "paired": paired,
        "within_noise": bool(low <= 0 <= high),
        "method": "paired t on per-trial differences" if paired else "Welch t, unpaired",
    }


def make_compare(folders: list[Path], dest: Path) -> dict[str, Any]:
    """A compare folder for `folders` (the first is the reference), numbers from the trials."""
    runs = [load_run(f) for f in folders]
    first = runs[0].summary
    tables = [r.trials for r in runs]

    def paired(i: int) -> bool:
        s = runs[i].summary
        return s["seed"] == first["seed"] and s["trials"] == first["trials"]

    def metric(key: str, label: str, per_trial: list[np.ndarray], values: list[Any]) -> Any:
        return {
            "metric": key,
            "label": label,
            "kind": "probability",
            "values": values,
            "differences": [None]
            + [difference(per_trial[0], per_trial[i], paired(i)) for i in range(1, len(runs))],
        }

    exits = [(t["outcome"] == "exited").to_numpy(float) for t in tables]
    notices = [t["notice_day"].notna().to_numpy(float) for t in tables]
    metrics = [
        metric("p_exit", "P(exit)", exits, [r.summary["p_exit"] for r in runs]),
        metric("p_notice", "P(notice)", notices, [r.summary["p_notice"] for r in runs]),
    ]
    medians = [r.summary["exit_date"]["p50"] if r.summary["exit_date"] else None for r in runs]
    days = [r.summary["days_to_exit"]["p50"] for r in runs]
    metrics.append(
        {
            "metric": "median_exit_date",
            "label": "median exit date",
            "kind": "date",
            "values": medians,
            "differences": [None]
            + [
                {
                    "value": days[i] - days[0],
                    "ci95": None,
                    "paired": False,
                    "within_noise": False,
                    "method": "difference of medians, no interval",
                }
                for i in range(1, len(runs))
            ],
        }
    )
    doc = {
        "format": FORMAT,
        "kind": "compare",
        "version": __version__,
        "runs": [
            {
                "label": f"{r.summary['name']}-{i + 1}",
                "name": r.summary["name"],
                "title": r.summary["title"],
                "folder": str(f),
                "seed": r.summary["seed"],
                "trials": r.summary["trials"],
                "start": r.summary["start"],
                "horizon": r.summary["horizon"],
                "scenario_sha256": r.summary["scenario_sha256"],
            }
            for i, (r, f) in enumerate(zip(runs, folders, strict=True))
        ],
        "metrics": metrics,
        "notes": ["the third run has another seed: its differences are unpaired <b>"],
    }
    (dest / "charts").mkdir(parents=True)
    (dest / "compare.json").write_text(json.dumps(doc, indent=2))
    from sim.charts.compare import write_compare_charts

    labels = [r["label"] for r in doc["runs"]]
    write_compare_charts(runs, labels, dest / "charts", [paired(i) for i in range(1, len(runs))])
    return doc
