"""A finished sensitivity analysis: `sensitivity.json` as a dict, and its table.

Everything a chart, the terminal or a reader needs is in `data` (JSON-ready), so a folder
read back gives the same charts and table as the run that wrote it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

FORMAT = 1
KIND = "sensitivity"
JSON = "sensitivity.json"
CSV = "sensitivity.csv"
METRICS = ("p_exit", "p_notice", "days_to_exit")


def ranking(data: dict[str, Any]) -> tuple[list[str], str]:
    """Input names, most influential first, and what they are ranked by: the tornado's
    swing of P(exit) when there is a tornado, else Sobol's total index, else the given-data
    first-order index, else scenario order."""
    names = [i["name"] for i in data["inputs"]]
    if "tornado" in data:
        return [r["input"] for r in data["tornado"]["rows"]], "tornado swing of P(exit)"
    for method, key, by in (
        ("sobol", "ST", "Sobol' total index of P(exit)"),
        ("given", "S1", "given-data first-order index of P(exit)"),
    ):
        found = data.get(method, {}).get("metrics", {}).get("p_exit", {}).get("indices")
        if found:
            score = {r["input"]: r[key] for r in found}
            return sorted(names, key=lambda n: (-score[n], names.index(n))), by
    return names, "scenario order"


def _by_input(rows: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {r["input"]: r for r in rows or []}


def table(data: dict[str, Any]) -> pd.DataFrame:
    """One row an input, most influential first: its range, then every method's numbers
    (given-data S1, the tornado's values at the pins and swing, Sobol' S1 and ST), each
    with its 95% interval as `_low` and `_high` columns."""
    order, _ = ranking(data)
    inputs = {i["name"]: i for i in data["inputs"]}
    given = {
        m: _by_input(e["indices"]) for m, e in data.get("given", {}).get("metrics", {}).items()
    }
    sobol = {
        m: _by_input(e["indices"]) for m, e in data.get("sobol", {}).get("metrics", {}).items()
    }
    tornado = _by_input(data.get("tornado", {}).get("rows"))
    rows = []
    for rank, name in enumerate(order, start=1):
        i = inputs[name]
        row: dict[str, Any] = {
            "rank": rank,
            "input": name,
            "kind": i["kind"],
            "distribution": i["distribution"],
            "p5": i["p5"],
            "p95": i["p95"],
        }
        for metric, found in given.items():
            r = found.get(name)
            row[f"given_{metric}_S1"] = r["S1"] if r else None
            row[f"given_{metric}_S1_low"] = r["ci95"][0] if r else None
            row[f"given_{metric}_S1_high"] = r["ci95"][1] if r else None
        if name in tornado:
            t = tornado[name]
            for metric in METRICS:
                m = t[metric]
                swing = m["swing"] or {}
                ci = swing.get("ci95") or [None, None]
                row[f"tornado_{metric}_at_p5"] = m["low"]
                row[f"tornado_{metric}_at_p95"] = m["high"]
                row[f"tornado_{metric}_swing"] = swing.get("value")
                row[f"tornado_{metric}_swing_low"] = ci[0]
                row[f"tornado_{metric}_swing_high"] = ci[1]
        for metric, found in sobol.items():
            r = found.get(name)
            for key in ("S1", "ST"):
                row[f"sobol_{metric}_{key}"] = r[key] if r else None
                row[f"sobol_{metric}_{key}_low"] = r[f"{key}_ci95"][0] if r else None
                row[f"sobol_{metric}_{key}_high"] = r[f"{key}_ci95"][1] if r else None
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class Sensitivity:
    """What `sim sensitivity` produced; `folder` is None when nothing was written."""

    data: dict[str, Any]
    scenario_text: str
    folder: Path | None = None

    @property
    def table(self) -> pd.DataFrame:
        return table(self.data)

    @property
    def ranking(self) -> list[str]:
        return ranking(self.data)[0]


class SensitivityFolderError(Exception):
    """A folder that is not a sensitivity folder: one line for the user."""


def load(folder: str | Path) -> Sensitivity:
    """A sensitivity folder read back."""
    folder = Path(folder)
    path = folder / JSON
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SensitivityFolderError(f"{folder}: not a sensitivity folder ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != KIND or data.get("format") != FORMAT:
        raise SensitivityFolderError(f"{path}: not a sensitivity file of format {FORMAT}")
    scenario = folder / "scenario.yaml"
    text = scenario.read_text(encoding="utf-8") if scenario.is_file() else ""
    return Sensitivity(data, text, folder)
