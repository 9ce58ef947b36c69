"""Charts inlined as SVG markup: one HTML file, real text, nothing fetched.

A chart file is parsed as XML (which drops the prolog, the DOCTYPE and comments), cleaned
of anything that could run or fetch (scripts, foreignObject, event attributes, links that
are not in-document), and given ids unique to the chart: matplotlib names clip paths by a
hash of their geometry, so two charts in one page could otherwise share an id. Its
stylesheet (matplotlib writes `*{stroke-linejoin: round}`) is scoped to the chart so it does
not style the page.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_HREFS = ("href", f"{{{XLINK_NS}}}href")
_DROP = {f"{{{SVG_NS}}}{tag}" for tag in ("script", "foreignObject", "metadata")}
_REFERENCE = re.compile(r"url\(\s*#([^)\s]+)\s*\)")
_SELECTORS = re.compile(r"([^{}]+)\{")

# Run charts, then compare charts, by what their file names say; unknown ones come after.
ORDER = (
    "when_overlay",
    "when",
    "diff",
    "outcome",
    "funnel",
    "stop",
    "route",
    "state",
    "timeline",
    "exit_date",
    "how_long",
    "date",
    "notice",
    "share",
)


class ChartError(ValueError):
    """A file in charts/ that is not an SVG image."""


@dataclass(frozen=True)
class Chart:
    name: str  # the file's stem, e.g. "when"
    markup: str  # an <svg> element, ready to place in HTML
    width: float | None  # CSS pixels as drawn: shown no wider, so its text keeps its size


def _rank(stem: str) -> tuple[int, str]:
    """By the word the name starts with (diff_when is a diff chart), else the first word
    it contains; unknown names last, alphabetically."""
    lowered = stem.lower()
    for test in (str.startswith, str.__contains__):
        for i, word in enumerate(ORDER):
            if test(lowered, word):
                return i, lowered
    return len(ORDER), lowered


def chart_files(folder: Path) -> list[Path]:
    """The SVG charts of a folder's charts/, in reading order."""
    charts = folder / "charts"
    if not charts.is_dir():
        return []
    files = [p for p in charts.iterdir() if p.suffix.lower() == ".svg" and p.is_file()]
    return sorted(files, key=lambda p: _rank(p.stem))


def _scope_style(css: str, scope: str) -> str:
    def prefix(match: re.Match[str]) -> str:
        selectors = [s.strip() for s in match.group(1).split(",")]
        return ", ".join(f"#{scope} {s}" for s in selectors if s) + " {"

    return _SELECTORS.sub(prefix, css)


def _clean(root: ET.Element, scope: str) -> None:
    ids: dict[str, str] = {}
    for element in root.iter():
        if "id" in element.attrib:
            ids[element.attrib["id"]] = f"{scope}-{element.attrib['id']}"

    def relink(value: str) -> str:
        return _REFERENCE.sub(lambda m: f"url(#{ids.get(m.group(1), m.group(1))})", value)

    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in _DROP:
                parent.remove(child)
    for element in root.iter():
        for name in list(element.attrib):
            value = element.attrib[name]
            if name.lower().startswith("on"):
                del element.attrib[name]
            elif name == "id":
                element.attrib[name] = ids[value]
            elif name in _HREFS:
                if value.startswith("#"):
                    element.attrib[name] = "#" + ids.get(value[1:], value[1:])
                else:
                    del element.attrib[name]  # nothing outside the page
            elif "url(" in value:
                element.attrib[name] = relink(value)
        if element.tag == f"{{{SVG_NS}}}style" and element.text:
            element.text = _scope_style(relink(element.text), scope)


_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(pt|px)?\s*$")
_PX = {"pt": 4 / 3, "px": 1.0, None: 1.0}


def _size_by_viewbox(root: ET.Element) -> float | None:
    """Let the page's CSS size the chart: keep its aspect ratio in a viewBox, drop its
    fixed width and height; returns the width it was drawn at, in CSS pixels."""
    width = _LENGTH.match(root.attrib.get("width", ""))
    height = _LENGTH.match(root.attrib.get("height", ""))
    if "viewBox" not in root.attrib:
        if not (width and height):
            return None  # no way to know its proportions: leave it as drawn
        root.attrib["viewBox"] = f"0 0 {width.group(1)} {height.group(1)}"
    root.attrib.pop("width", None)
    root.attrib.pop("height", None)
    return float(width.group(1)) * _PX[width.group(2)] if width else None


def inline(path: Path, scope: str) -> Chart:
    """The chart at `path` as an <svg> element whose ids all start with `scope`."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ChartError(f"{path}: not a readable SVG chart ({exc})") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ChartError(f"{path}: not an SVG image (root element {root.tag!r})")
    _clean(root, scope)
    root.attrib["id"] = scope
    root.attrib["role"] = "img"
    root.attrib["aria-label"] = path.stem.replace("_", " ")
    width = _size_by_viewbox(root)
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return Chart(path.stem, ET.tostring(root, encoding="unicode"), width)


def charts(folder: Path) -> list[Chart]:
    return [inline(path, f"chart{i + 1}") for i, path in enumerate(chart_files(folder))]
