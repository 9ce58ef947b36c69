"""`sim report`: the HTML a reader gets from a run or compare folder, checked as text.

The browser test (test_report_browser.py) checks the same pages render in Chromium; here the
content: every number the summary holds, every scenario value beside its source, charts
inlined safely, everything escaped, nothing fetched, bad input refused in one line.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim import report
from sim.cli import main
from sim.report import scenario_table
from sim.report.pages import pct
from sim.report.svg import chart_files, inline
from sim.run_folder import RunFolderError

ROOT = Path(__file__).resolve().parent.parent


def _cells(page: str, first: str) -> list[str]:
    """The text of the cells of the table row whose first cell's text is `first`."""
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row starting {first!r}")


def test_run_report_shows_every_summary_number(report_folders: dict[str, Path]) -> None:
    page = report.render(report_folders["a"])
    s = json.loads((report_folders["a"] / "summary.json").read_text())
    head = re.search(r'id="headline-exit">(.*?)</div>\s*</div>', page, re.S)
    assert head is not None
    assert pct(s["p_exit"]) in head.group(1)
    assert f"{pct(s['p_exit_ci95'][0])} to {pct(s['p_exit_ci95'][1])}" in head.group(1)
    assert f"{pct(s['p_notice_ci95'][0])} to {pct(s['p_notice_ci95'][1])}" in page
    for outcome, label in (("exited", "exited"), ("no_move", "no move")):
        n = s["outcomes"][outcome]
        assert _cells(page, label)[2:4] == [f"{n:,}", pct(n / s["trials"])]
    # routes, with where they stopped
    unilateral = _cells(page, "unilateral")
    assert unilateral[1] == f"{s['routes']['unilateral']:,}"
    stops = s["stopped_by"]["unilateral"]
    assert f"failed at decides {stops['failed']['decides']:,}" in unilateral[3]
    assert f"superseded by act {stops['superseded']['act']:,}" in unilateral[3]
    assert f"never started {s['route_status']['unilateral']['not_started']:,}" in unilateral[3]
    died = s["stopped_by"]["act"]["died"]["end_congress"]
    assert f"died on end_congress {died:,}" in _cells(page, "act")[3]
    assert _cells(page, "date")[1:] == [s["exit_date"][k] for k in ("p10", "p50", "p90", "mean")]
    by = _cells(page, "inauguration")
    ci = s["p_exit_by_ci95"]["inauguration"]
    p_by = pct(s["p_exit_by"]["inauguration"])
    assert by[1:] == ["2029-01-20", p_by, f"{pct(ci[0])} to {pct(ci[1])}"]
    meta = re.search(r'<p class="meta">(.*?)</p>', page, re.S)
    assert meta is not None
    for text in ("1,000 trials", "seed 11", "2026-11-25 to 2029-01-20", "withdrawal-sim 0.1.0"):
        assert text in meta.group(1)


def test_run_report_lists_every_scenario_value_beside_its_source(
    report_folders: dict[str, Path],
) -> None:
    page = report.render(report_folders["a"])
    row = _cells(page, "routes.unilateral.gates.decides.p")
    assert row[1:] == ["0.6", "judgment: the gate the comparison edits"]
    assert _cells(page, "events.end_congress.date")[1:] == [
        "2027-01-03",
        "congress-119-ends: bills die",
    ]
    assert _cells(page, "events.inauguration.date")[1:] == ["2029-01-20", "no source"]
    assert _cells(page, "routes.act.gates.committee.delay")[2] == "no source"
    # a source on the outcomes mapping covers each share; folded lines are joined
    assert _cells(page, "routes.unilateral.challenges.suit.outcomes.dismissed")[1:] == [
        "0.5",
        "judgment: a guess, folded over two lines",
    ]
    assert _cells(page, "notice.revoked_by.inauguration.p")[1:] == [
        "{dist: uniform, min: 0.4, max: 0.8}",
        "judgment: a new term",
    ]
    raw = re.search(r"<details>.*?<pre[^>]*>(.*?)</pre>", page, re.S)
    assert raw is not None
    assert html.unescape(raw.group(1)) == (report_folders["a"] / "scenario.yaml").read_text()


def test_a_run_where_nothing_exits_says_so(report_folders: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(report_folders["b"], folder)
    summary = json.loads((folder / "summary.json").read_text())
    summary.update(exit_date=None, days_to_exit=None, p_exit_by={}, p_exit_by_ci95={})
    (folder / "summary.json").write_text(json.dumps(summary))
    page = report.render(folder)
    assert "No trial exited by the horizon." in page
    assert "P(exit) by each dated event" not in page


def test_scenario_table_gives_each_source_to_its_value() -> None:
    text = """\
start: 2026-01-01
trials: 10
events:
  e: {date: 2027-01-01, source: "fact: a date"}
routes:
  r:
    starts: after e
    gates:
      - name: g
        delay: {dist: pert, min: 1d, mode: 2d, max: 3d, source: "judgment: pert"}
        votes:
          needed: {value: 60, source: "rule: cloture"}
          ayes: 5 to 35
          source: "judgment: the votes"
    dies_on: [e, {event: e, p: 0.5}]
"""
    rows = [(r.path, r.value, r.source) for r in scenario_table.rows(text)]
    assert rows == [
        ("start", "2026-01-01", None),
        ("events.e.date", "2027-01-01", "fact: a date"),
        ("routes.r.starts", "after e", None),
        ("routes.r.gates.g.delay", "{dist: pert, min: 1d, mode: 2d, max: 3d}", "judgment: pert"),
        ("routes.r.gates.g.votes.needed", "60", "rule: cloture"),
        ("routes.r.gates.g.votes.ayes", "5 to 35", "judgment: the votes"),
        ("routes.r.dies_on", "e", None),
        ("routes.r.dies_on.e.p", "0.5", None),
    ]


def test_everything_from_the_folder_is_escaped_and_nothing_is_fetched(
    report_folders: dict[str, Path],
) -> None:
    for folder in (report_folders["a"], report_folders["compare"]):
        page = report.render(folder)
        assert "<script" not in page.lower()
        assert "<link" not in page.lower()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page, re.I)
        assert not re.search(r"@import|url\(\s*['\"]?(https?:|//)", page, re.I)
    page = report.render(report_folders["a"])
    assert "<h1>Small &lt;test&gt; &amp; &#34;report&#34;</h1>" in page
    assert "judgment: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "unpaired &lt;b&gt;" in report.render(report_folders["compare"])


def test_long_labels_wrap_at_their_joints_and_stay_escaped() -> None:
    shown = str(report.breakable("baseline[hazard_per_year.mean=0.16, <b>]"))
    assert shown == (
        "baseline[<wbr>hazard_<wbr>per_<wbr>year.<wbr>mean=<wbr>0.16,<wbr> &lt;b&gt;]"
    )  # a number's decimal point is never a break; markup in a label stays text


def test_charts_are_inlined_as_svg_with_their_text(report_folders: dict[str, Path]) -> None:
    page = report.render(report_folders["a"])
    files = chart_files(report_folders["a"])
    names = [f.name for f in files]  # fixed order, PNG ignored
    assert names == ["when.svg", "stopped.svg", "routes.svg", "states.svg", "how_long.svg"]
    assert page.count("<svg") == 5
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page and "<metadata" not in page
    assert re.search(r"<text[^>]*>When: the chance that the exit has taken effect", page)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', page):
        assert (ref[0] or ref[1]) in ids  # every in-page reference still resolves


def test_inlining_keeps_two_copies_of_a_chart_apart_and_drops_anything_active(
    tmp_path: Path,
) -> None:
    svg = """<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="300pt" height="150pt" onload="alert(1)">
 <defs><style>*{stroke-linecap: butt}</style><clipPath id="p1"><rect width="9"/></clipPath></defs>
 <script>alert(2)</script>
 <g clip-path="url(#p1)"><text x="1" y="9">A &amp; B</text></g>
 <use xlink:href="#p1"/><image href="http://example.com/x.png"/>
</svg>"""
    path = tmp_path / "x.svg"
    path.write_text(svg)
    one, two = inline(path, "chart1"), inline(path, "chart2")
    assert one.width == pytest.approx(400.0)  # 300pt in CSS pixels
    for chart, scope in ((one, "chart1"), (two, "chart2")):
        assert f'id="{scope}-p1"' in chart.markup
        assert f'clip-path="url(#{scope}-p1)"' in chart.markup
        assert f'href="#{scope}-p1"' in chart.markup
        assert f"#{scope} *{{stroke-linecap: butt}}".replace("*{", "* {") in chart.markup
        assert "alert" not in chart.markup and "example.com" not in chart.markup
        assert "<text" in chart.markup and "A &amp; B" in chart.markup
        root = chart.markup[: chart.markup.index(">")]
        assert 'viewBox="0 0 300 150"' in root and "width=" not in root


def test_compare_report_shows_values_differences_and_marks(report_folders: dict[str, Path]) -> None:
    doc = json.loads((report_folders["compare"] / "compare.json").read_text())
    page = report.render(report_folders["compare"])
    assert "<h1>Comparison: small-1 vs small-2 vs small-3</h1>" in page
    p_exit = _cells(page, "P(exit)")
    metric = doc["metrics"][0]
    for i, cell in enumerate(p_exit[1:]):
        assert cell.startswith(pct(metric["values"][i]))
    paired, unpaired = metric["differences"][1:]
    assert paired["paired"] and not unpaired["paired"]
    d, (lo, hi) = 100 * paired["value"], [100 * x for x in paired["ci95"]]
    assert f"{d:+.2f} pp ({lo:+.2f} to {hi:+.2f} pp)".replace("-", "\u2212") in p_exit[2]
    assert "paired" in p_exit[2] and "unpaired" in p_exit[3]
    for cell, diff in zip(p_exit[2:], (paired, unpaired), strict=True):
        assert ("within noise" in cell) == diff["within_noise"]
        assert ("beyond noise" in cell) == (not diff["within_noise"])
    median = _cells(page, "median exit date")
    assert median[1] == doc["metrics"][2]["values"][0]
    assert "no interval" in median[2] and "noise" not in median[2]
    assert page.count("<svg") == 5  # overlay, two differences, outcomes, funnels
    names = [f.name for f in chart_files(report_folders["compare"])]
    assert names[-2:] == ["outcomes.svg", "funnels.svg"] and names[0] == "when_overlay.svg"


def test_the_paired_interval_is_narrower_than_the_unpaired_one(
    report_folders: dict[str, Path],
) -> None:
    """The fixture's numbers are real: common random numbers narrow the interval."""
    doc = json.loads((report_folders["compare"] / "compare.json").read_text())
    paired, unpaired = doc["metrics"][0]["differences"][1:]
    width = [d["ci95"][1] - d["ci95"][0] for d in (paired, unpaired)]
    assert width[0] < width[1] / 2


def _sim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True
    )


def test_sim_report_writes_the_file(report_folders: dict[str, Path], tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["report", str(report_folders["a"])])
    assert done.exit_code == 0, done.output
    target = report_folders["a"] / "report.html"
    assert done.stdout.strip() == f"Report: {target}"
    assert target.read_text() == report.render(report_folders["a"])
    # as a user runs it: a subprocess, into another file
    out = tmp_path / "cmp.html"
    done = _sim("report", str(report_folders["compare"]), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Comparison" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp.html"]  # no temporary left


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("missing", 2, "no such run folder"),
        ("empty", 2, "not a run folder"),
        ("a_file", 2, "a file; sim report takes the folder"),
        ("old_run", 2, "reads format 2"),
        ("old_compare", 2, "reads format 2"),
        ("compare_without_title", 2, "compare.json: malformed (runs[1] has no title)"),
        ("bad_chart", 2, "not a readable SVG chart"),
        ("out_is_folder", 2, "is a folder"),
        ("out_folder_missing", 2, "does not exist"),
    ],
)
def test_sim_report_refuses_bad_input_in_one_line(
    report_folders: dict[str, Path], tmp_path: Path, case: str, code: int, message: str
) -> None:
    folder, args = tmp_path / "f", []
    if case == "empty":
        folder.mkdir()
    elif case == "a_file":
        folder.write_text("name: x\n")
    elif case == "old_run":
        shutil.copytree(report_folders["b"], folder)
        info = json.loads((folder / "run.json").read_text())
        (folder / "run.json").write_text(json.dumps({**info, "format": 1}))
    elif case == "old_compare":
        shutil.copytree(report_folders["compare"], folder)
        doc = json.loads((folder / "compare.json").read_text())
        (folder / "compare.json").write_text(json.dumps({**doc, "format": 1}))
    elif case == "compare_without_title":
        shutil.copytree(report_folders["compare"], folder)
        doc = json.loads((folder / "compare.json").read_text())
        del doc["runs"][1]["title"]
        (folder / "compare.json").write_text(json.dumps(doc))
    elif case == "bad_chart":
        shutil.copytree(report_folders["b"], folder)
        (folder / "charts" / "when.svg").write_text("<svg><g></svg>")
    elif case.startswith("out"):
        shutil.copytree(report_folders["b"], folder)
        args = ["--out", str(folder if case == "out_is_folder" else tmp_path / "no" / "r.html")]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    done = CliRunner().invoke(main, ["report", str(folder), *args])
    assert done.exit_code == code, done.output
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr
    assert isinstance(done.exception, SystemExit)  # a clean exit, not a crash
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_failed_write_leaves_the_old_report_and_no_temporary(
    report_folders: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(report_folders["b"], folder)
    (folder / "report.html").write_text("old")

    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("sim.report.os.replace", refuse)
    done = CliRunner().invoke(main, ["report", str(folder)])
    assert done.exit_code == 1
    assert done.stderr.strip() == f"sim: cannot write {folder / 'report.html'}: Permission denied"
    assert (folder / "report.html").read_text() == "old"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


def test_the_wheel_carries_the_templates(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in ("base.html.j2", "run.html.j2", "compare.html.j2", "charts.html.j2"):
        assert f"sim/report/templates/{template}" in names
    assert "sim/report/templates/style.css" in names


def test_a_bad_folder_raises_for_the_python_api(
    report_folders: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(RunFolderError, match="no such run folder"):
        report.render(tmp_path / "nothing")
    folder = tmp_path / "run"
    shutil.copytree(report_folders["b"], folder)
    summary = json.loads((folder / "summary.json").read_text())
    del summary["scenario_sha256"]
    (folder / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(RunFolderError, match=r"incomplete .*scenario_sha256"):
        report.render(folder)
