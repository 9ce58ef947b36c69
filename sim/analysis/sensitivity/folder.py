"""The folder a sensitivity analysis writes, atomically like a run folder
(`sim.run_folder.atomic_folder`): it exists whole or not at all.

`out/sensitivity-<name>-<UTC time>/`:
- `sensitivity.json`: every index and interval (`result.Sensitivity.data`);
- `sensitivity.csv`: the one-row-an-input table (`result.table`);
- `scenario.yaml`: the scenario as run (trials and seed written in);
- `charts/`: each chart as PNG and SVG (empty with `--no-charts`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sim.analysis.sensitivity.result import CSV, JSON, Sensitivity
from sim.run_folder import CHARTS, SCENARIO, analysis_folder_name, atomic_folder, write_json


def folder_name(name: str, now: dt.datetime | None = None) -> str:
    return analysis_folder_name("sensitivity", name, now)


def write_folder(result: Sensitivity, out: Path, *, charts: bool = True) -> Path:
    with atomic_folder(out, folder_name(result.data["scenario"]["name"])) as folder:
        tmp = folder.tmp
        write_json(tmp / JSON, result.data)
        result.table.to_csv(tmp / CSV, index=False)
        (tmp / SCENARIO).write_text(result.scenario_text, encoding="utf-8")
        (tmp / CHARTS).mkdir()
        if charts:
            from sim.analysis.sensitivity.charts import write_charts

            write_charts(result.data, tmp / CHARTS)
    assert folder.final is not None
    return folder.final
