"""What a report shows, as plain data for the template: numbers formatted, rows in order.

Reads only what a folder holds (summary.json, scenario.yaml, run.json, compare.json and the
charts), so a report can be made again from the folder at any time.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.outcomes import Outcome, RouteStatus
from sim.reference_figures import describe
from sim.report import scenario_table
from sim.report.svg import Chart, ChartError, charts
from sim.run_folder import COMPARE, RUN_INFO, RunFolderError, check_format, load_run

OUTCOME_TEXT = {
    Outcome.EXITED: ("exited", "the notice took effect by the horizon"),
    Outcome.NOTICE_PENDING: ("notice pending", "deposited; takes effect after the horizon"),
    Outcome.REVOKED: ("revoked", "the notice was withdrawn before it took effect"),
    Outcome.VOIDED: ("voided", "a court voided the notice before it took effect"),
    Outcome.BLOCKED: ("blocked", "no notice: every route failed or died"),
    Outcome.NO_MOVE: ("no move", "no notice: a route was still open or never started"),
}
_STOP_TEXT = {"failed": "failed at", "died": "died on", "superseded": "superseded by"}
_OPEN_TEXT = {RouteStatus.ACTIVE: "still under way", RouteStatus.NOT_STARTED: "never started"}


def pct(p: float) -> str:
    return f"{100 * p:.2f}%"


def ci(bounds: list[float] | None) -> str:
    return f"{pct(bounds[0])} to {pct(bounds[1])}" if bounds else "-"


def _signed(x: float, unit: str, digits: int) -> str:
    text = f"{x:+.{digits}f}".replace("-", "\u2212")
    return f"{text} {unit}"


@dataclass(frozen=True)
class Page:
    kind: str  # "run" or "compare"
    title: str
    data: dict[str, Any]
    charts: list[Chart]


def _bad(exc: Exception) -> RunFolderError:
    return RunFolderError(str(exc))


def _charts(folder: Path) -> list[Chart]:
    try:
        return charts(folder)
    except ChartError as exc:
        raise _bad(exc) from None


def _stops(summary: dict[str, Any], route: str) -> list[dict[str, Any]]:
    """Where a route's trials stopped, largest first."""
    items = [
        {"text": f"{_STOP_TEXT[status]} {name}", "n": n}
        for status, names in summary["stopped_by"].get(route, {}).items()
        for name, n in names.items()
        if n
    ]
    status = summary["route_status"].get(route, {})
    for key, text in _OPEN_TEXT.items():
        if status.get(key.value):
            items.append({"text": text, "n": status[key.value]})
    return sorted(items, key=lambda item: -item["n"])


def run_page(folder: Path) -> Page:
    run = load_run(folder)
    s = run.summary
    try:
        return _run_page(folder, s, run.scenario_text)
    except (KeyError, TypeError, IndexError, AttributeError) as exc:
        raise RunFolderError(
            f"{folder / 'summary.json'}: missing or malformed field {exc}; run the scenario again"
        ) from None


def _run_page(folder: Path, s: dict[str, Any], text: str) -> Page:
    n = s["trials"]
    info = json.loads((folder / RUN_INFO).read_text(encoding="utf-8"))
    ran = _when(info.get("started"))
    outcomes = [
        {
            "key": o.value,
            "label": OUTCOME_TEXT[o][0],
            "meaning": OUTCOME_TEXT[o][1],
            "n": s["outcomes"].get(o.value, 0),
            "share": pct(s["outcomes"].get(o.value, 0) / n),
            "width": 100 * s["outcomes"].get(o.value, 0) / n,
        }
        for o in Outcome
    ]
    routes = [
        {"name": r, "n": count, "share": pct(count / n), "stops": _stops(s, r)}
        for r, count in s["routes"].items()
    ]
    exit_dates = None
    if s.get("exit_date"):
        exit_dates = [
            {"key": k, "date": s["exit_date"][k], "day": f"{s['days_to_exit'][k]:,.0f}"}
            for k in ("p10", "p50", "p90", "mean")
        ]
    by_event = [
        {
            "event": e,
            "date": s["event_dates"][e],
            "p": pct(p),
            "ci": ci(s["p_exit_by_ci95"][e]),
        }
        for e, p in s["p_exit_by"].items()
    ]
    rulings = [
        {"challenge": c, "counts": counts, "total": sum(counts.values())}
        for c, counts in s.get("rulings", {}).items()
    ]
    forecasts = [
        {
            "question": r["question"],
            "observed": r["observed"],
            "source": r["source"],
            "value": pct(r["value"]),
            "quantity": describe(r["quantity"]),
            "model": pct(r["model"]),
            "ci": ci(r["model_ci95"]),
        }
        for r in s.get("references", [])
    ]
    try:
        rows = scenario_table.rows(text)
    except scenario_table.ScenarioTextError as exc:
        raise RunFolderError(f"{folder / 'scenario.yaml'}: {exc}") from None
    description = _description(text)
    data = {
        "s": s,
        "info": info,
        "ran": ran,
        "folder": str(folder),
        "description": description,
        "p_exit": pct(s["p_exit"]),
        "p_exit_ci": ci(s["p_exit_ci95"]),
        "p_notice": pct(s["p_notice"]),
        "p_notice_ci": ci(s["p_notice_ci95"]),
        "outcomes": outcomes,
        "routes": routes,
        "exit_dates": exit_dates,
        "by_event": by_event,
        "rulings": rulings,
        "forecasts": forecasts,
        "rows": rows,
        "unsourced": sum(1 for r in rows if r.source is None),
        "scenario_text": text,
    }
    return Page("run", str(s.get("title") or s["name"]), data, _charts(folder))


def _when(stamp: Any) -> str | None:
    """'2026-11-27 22:02 UTC' from run.json's ISO time."""
    try:
        t = dt.datetime.fromisoformat(str(stamp))
    except ValueError:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
    return f"{t:%Y-%m-%d %H:%M} UTC"


def _description(text: str) -> str | None:
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, ScalarNode

    try:
        node = YAML(typ="rt").compose(text)
    except Exception:  # the scenario table reports a bad text
        return None
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == "description" and isinstance(value, ScalarNode):
                return str(value.value).replace("\a", "")
    return None


def _difference(metric: dict[str, Any], d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    probability = metric["kind"] == "probability"
    value = float(d["value"])
    scale, unit, digits = (100.0, "pp", 2) if probability else (1.0, "days", 0)
    if not probability and round(abs(value)) == 1:
        unit = "day"
    bounds = d.get("ci95")
    return {
        "value": _signed(scale * value, unit, digits),
        "ci": (
            f"{_signed(scale * float(bounds[0]), '', digits).strip()} to "
            f"{_signed(scale * float(bounds[1]), unit, digits)}"
            if bounds
            else None
        ),
        "paired": bool(d.get("paired")),
        "within_noise": bool(d.get("within_noise")),
        "method": str(d.get("method", "")),
    }


def _value(metric: dict[str, Any], v: Any) -> str:
    if v is None:
        return "none" if metric["kind"] == "date" else "-"
    return pct(float(v)) if metric["kind"] == "probability" else str(v)


_RUN_FIELDS = ("label", "name", "title", "folder", "seed", "trials", "start", "horizon")


def compare_page(folder: Path) -> Page:
    path = folder / COMPARE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"{path}: cannot read ({exc})") from None
    if not isinstance(doc, dict) or doc.get("kind") != "compare":
        raise RunFolderError(f'{path}: not a compare file (expected "kind": "compare")')
    check_format(folder, doc, "compare")
    try:
        runs = doc["runs"]
        for i, r in enumerate(runs):
            missing = [k for k in _RUN_FIELDS if k not in r]
            if missing:
                raise ValueError(f"runs[{i}] has no {', '.join(missing)}")
        metrics = [
            {
                "label": m["label"],
                "metric": m["metric"],
                "values": [_value(m, v) for v in m["values"]],
                "differences": [_difference(m, d) for d in m["differences"]],
            }
            for m in doc["metrics"]
        ]
        if any(len(m[k]) != len(runs) for m in metrics for k in ("values", "differences")):
            raise ValueError("a metric has not one value and one difference per run")
        title = " vs ".join(str(r["label"]) for r in runs)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise RunFolderError(f"{path}: malformed ({exc}); run the comparison again") from None
    data = {
        "doc": doc,
        "folder": str(folder),
        "runs": runs,
        "metrics": metrics,
        "notes": [str(n) for n in doc.get("notes", [])],
    }
    return Page("compare", f"Comparison: {title}", data, _charts(folder))


def page(folder: str | Path) -> Page:
    """The page for a run folder or a compare folder."""
    folder = Path(folder)
    if folder.is_file():
        raise RunFolderError(
            f"{folder}: a file; sim report takes the folder that a run or a comparison wrote"
        )
    if folder.is_dir() and (folder / COMPARE).is_file():
        return compare_page(folder)
    return run_page(folder)
