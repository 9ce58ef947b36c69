"""The report in a real browser: headless Chromium from the system's packages, driven by
Playwright through `executable_path` (never `playwright install`, which downloads a browser).

Every request that is not a file is aborted and recorded: the page must make none, log no
console error, show every chart with a real size, and not screenshot blank. CI (`.ci/run`)
installs Chromium and sets SIM_REQUIRE_BROWSER=1, so there a missing browser fails the test;
elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim import report
from sim.report.pages import pct
from sim.report.svg import chart_files

CHROMIUM = Path(os.environ.get("SIM_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("SIM_REQUIRE_BROWSER") == "1"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"SIM_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"{reason} (CI installs it: see .ci/run)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A persistent context in a fresh profile folder, so nothing from another run leaks in."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install '.[test]')")
    if not CHROMIUM.is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1366, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


class Visit:
    """A page loaded with every non-file request aborted, and what it tried or logged."""

    def __init__(self, context: Any, url: str) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.goto(url, wait_until="load")

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")


def _colours(png: bytes) -> tuple[int, float]:
    """Distinct colours and the standard deviation of a screenshot's pixels."""
    from PIL import Image  # matplotlib's own dependency

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    packed = pixels.astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    return len(np.unique(packed)), float(pixels.std())


def _check(visit: Visit, charts: int) -> None:
    assert visit.blocked == [], f"the page tried to fetch {visit.blocked}"
    assert visit.errors == []
    svgs = visit.page.locator("figure svg")
    assert svgs.count() == charts
    for i in range(charts):
        svg = svgs.nth(i)
        svg.scroll_into_view_if_needed()
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, box
        assert svg.locator("text").count() > 0  # real text, not glyph outlines
        count, spread = _colours(svg.screenshot())
        assert count > 5 and spread > 10, f"chart {i} looks blank ({count} colours)"
    count, spread = _colours(visit.page.screenshot(full_page=True))
    assert count > 50 and spread > 10, f"the page looks blank ({count} colours)"


def test_run_report_in_chromium(browser: Any, report_folders: dict[str, Path]) -> None:
    folder = report_folders["a"]
    path = report.write(folder)
    visit = Visit(browser, path.as_uri())
    _check(visit, len(chart_files(folder)))
    summary = report.pages.run_page(folder).data["s"]
    headline = visit.page.inner_text("#headline-exit")
    assert pct(summary["p_exit"]) in headline
    assert re.search(r"95% interval [\d.]+% to [\d.]+%", headline)
    assert visit.page.title() == summary["title"]
    assert visit.page.locator("table.scenario tbody tr").count() > 10


def test_compare_report_in_chromium(browser: Any, report_folders: dict[str, Path]) -> None:
    folder = report_folders["compare"]
    path = report.write(folder)
    visit = Visit(browser, path.as_uri())
    _check(visit, len(chart_files(folder)))
    assert "within noise" in visit.page.inner_text("body")


def test_the_guard_catches_a_page_that_fetches(browser: Any, tmp_path: Path) -> None:
    """The checks above could pass by catching nothing: here a page that does fetch."""
    page = tmp_path / "fetches.html"
    page.write_text('<!DOCTYPE html><title>x</title><img src="http://192.0.2.1/x.png">')
    visit = Visit(browser, page.as_uri())
    assert visit.blocked == ["http://192.0.2.1/x.png"]
    assert any("ERR_FAILED" in e or "Failed to load" in e for e in visit.errors), visit.errors
