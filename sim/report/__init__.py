"""`sim report`: one self-contained HTML file for a run folder or a compare folder.

Self-contained means it opens offline and fetches nothing: the stylesheet is inline, the
fonts are the reader's system fonts, and the charts are inlined SVG markup with real text.
Every value from a folder is escaped by the template engine (autoescape on).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import jinja2
import markupsafe

from sim import __version__
from sim.report.pages import Page, page
from sim.run_folder import RunFolderError

REPORT = "report.html"

__all__ = ["REPORT", "OutputError", "RunFolderError", "render", "render_page", "write"]


class OutputError(ValueError):
    """The report cannot go where it was asked to (a folder, or a missing folder)."""


def breakable(text: object) -> markupsafe.Markup:
    """Escaped text with a line-break opportunity after `[ , = / _ -` and a `.` before a
    letter: a comparison's label (`baseline[hazard_per_year.mean=0.16, ...]`) or a folder
    path then wraps at its joints instead of widening its column or breaking a number."""
    escaped = str(markupsafe.escape(text))
    return markupsafe.Markup(re.sub(r"([\[,=/_-]|\.(?=[A-Za-z]))", r"\1<wbr>", escaped))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["breakable"] = breakable
    return env


def render_page(p: Page) -> str:
    template = _environment().get_template(f"{p.kind}.html.j2")
    return template.render(page=p, version=__version__)


def render(folder: str | Path) -> str:
    """The report of a run or compare folder as HTML text; RunFolderError if the folder
    cannot be read."""
    p = page(folder)
    try:
        return render_page(p)
    except jinja2.UndefinedError as exc:  # a field the folder's files should have had
        raise RunFolderError(f"{folder}: incomplete ({exc.message}); make it again") from None


def write(folder: str | Path, out: Path | None = None) -> Path:
    """Write the report (default FOLDER/report.html) atomically: a reader finds the old
    file or the new one, never half of one. A bad folder raises RunFolderError before
    anything is written, an impossible output path OutputError; a failed write raises
    OSError and leaves no temporary file."""
    html = render(folder)
    target = Path(folder) / REPORT if out is None else Path(out)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name such as {target / REPORT}")
    if not target.parent.is_dir():
        raise OutputError(f"{target}: the folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(html)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
