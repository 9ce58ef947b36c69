"""Write a run's charts into a folder, as PNG (for viewing) and SVG (real text, for the
HTML report and for print).

File names are fixed (`RUN_CHARTS`), so a reader, a report or a test finds each chart by
name. Output is deterministic: the same run gives the same SVG bytes (fixed hash salt, no
date in the metadata) and the same PNG bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.figure import Figure

from sim.charts import how_long, states, stopped, style, when
from sim.run_folder import Run

# file stem -> chart function
RUN_CHARTS: dict[str, Callable[[Run], Figure]] = {
    "when": when.plot_when,
    "stopped": stopped.plot_stopped,
    "states": states.plot_states,
    "how_long": how_long.plot_how_long,
    "routes": how_long.plot_routes,
}
FORMATS = ("png", "svg")
PNG_OPTIONS = {"metadata": {"Software": None}, "pil_kwargs": {"compress_level": 3}}
SVG_OPTIONS = {"metadata": {"Date": None, "Creator": None}}


def save(fig: Figure, folder: Path, stem: str) -> list[Path]:
    """`stem`.png and `stem`.svg in `folder`; the figure is closed (its memory freed)."""
    paths = []
    with style.context():
        for fmt in FORMATS:
            path = folder / f"{stem}.{fmt}"
            options = PNG_OPTIONS if fmt == "png" else SVG_OPTIONS
            fig.savefig(path, format=fmt, **options)  # type: ignore[arg-type]
            paths.append(path)
    fig.clear()
    return paths


def write_run_charts(run: Run, folder: Path, stems: Sequence[str] | None = None) -> list[Path]:
    """Every run chart (or those named in `stems`), as PNG and SVG, into `folder` (created
    if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for stem, chart in RUN_CHARTS.items():
        if stems is None or stem in stems:
            paths += save(chart(run), folder, stem)
    return paths
