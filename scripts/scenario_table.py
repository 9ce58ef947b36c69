"""Write the README's table of bundled scenarios from real runs.

Runs every bundled scenario in scenarios/ (not the history replays) through the Python API
with its own seed and trials (20,000 each), and writes, between the README markers
`<!-- scenario-table:start -->` and `<!-- scenario-table:end -->`, each scenario's P(exit)
with its 95% interval, P(notice), median exit date and a sentence on what drives it (kept
here, beside the figures it explains). The table is never typed by hand: after changing a
scenario, run

    python scripts/scenario_table.py            # about 20 s a scenario on two cores

and commit README.md. `--trials N` runs fewer trials (a quick look; do not commit that).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import sim

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- scenario-table:start -->"
END = "<!-- scenario-table:end -->"

# What drives each scenario's answer: one sentence, checked against the run it describes.
DRIVES = {
    "baseline": "Almost all of it is one route: the White House moves (about 8% a year), "
    "decides to defy §1250A (0.35) and the courts do not void the notice; the Senate and "
    "Act routes add next to nothing, and only notices deposited before 2028-01-20 can take "
    "effect by the inauguration.",
    "bargaining": "The same notices as the baseline, but concessions that come while a "
    "notice is pending lead the same President to revoke it (UPU 2018-19), so about half "
    "the exits become revocations.",
    "beyond_2029": "This President's exits as in the baseline, plus the next administration's "
    "stance (no move 0.6, or 0.15 a year) and a year for a pending notice to take effect "
    "after the inauguration, unless the successor revokes it there.",
    "comply_1250a_c": "Honouring §1250A(c)'s 180-day notice pushes each unilateral notice "
    "half a year later, so decisions made after mid-2027 can no longer take effect before "
    "the inauguration.",
    "hr6508": "The votes: a majority of the House (218), cloture in the Senate (60) or "
    "two-thirds of both over a veto, against a House that backed NATO 357-22; no trial "
    "gets there.",
    "market_2026_06": "Six months of the baseline's White House hazard times the decision to "
    "defy §1250A: no exit can take effect by 2026-12-31 (a notice needs a year), so the "
    "figure to read is P(notice), against Polymarket's 5% (see Calibration).",
    "pressure_2027": "A missed 'by 2027' demand (0.7) triples the White House hazard from "
    "mid-2027: P(notice) doubles, but P(exit) rises far less, because only notices deposited "
    "by 2028-01-20 can take effect before the inauguration.",
    "senate": "Sixty-seven senators: the lawful Senate route needs them, and 65 voted for "
    "the §1250A guard rail, so almost no trial passes the vote.",
    "unilateral": "The baseline's decisive route alone, with a chamber that must first "
    "authorize its counsel to sue (about half do) and appeals that can reverse a voiding "
    "ruling before the notice takes effect.",
}


def bundled_paths() -> list[Path]:
    """The bundled forecasts, default first (as `sim scenarios` lists them)."""
    paths = sorted((ROOT / "scenarios").glob("*.yaml"))
    return sorted(paths, key=lambda p: p.stem != "baseline")


def pct(p: float) -> str:
    return f"{100 * p:.2f}%"


def row(path: Path, summary: dict[str, Any]) -> str:
    name = summary["name"]
    if name not in DRIVES:
        raise SystemExit(f"{path}: no 'what drives it' sentence in {__file__}; add one")
    low, high = summary["p_exit_ci95"]
    median = summary["exit_date"]["p50"] if summary["exit_date"] else "no exit"
    return (
        f"| `{name}` | {summary['horizon']} | {pct(summary['p_exit'])} "
        f"({pct(low)} to {pct(high)}) | {pct(summary['p_notice'])} | {median} | "
        f"{DRIVES[name]} |"
    )


def table(trials: int | None, workers: int | None) -> str:
    lines = [
        "| scenario | horizon | P(exit) (95% CI) | P(notice) | median exit date | what drives it |",
        "|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as out:
        for path in bundled_paths():
            r = sim.run(path, trials=trials, workers=workers, out=out, charts=False)
            print(f"{path.stem}: P(exit) {pct(r.summary['p_exit'])}", file=sys.stderr)
            lines.append(row(path, r.summary))
            trials_run = r.summary["trials"]
    lines.append("")
    lines.append(
        f"*Produced by `python scripts/scenario_table.py` ({trials_run:,} trials a scenario, "
        "each scenario's own seed).*"
    )
    return "\n".join(lines)


def replace_between(text: str, body: str) -> str:
    """The README with `body` between the markers (which must each appear once)."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise SystemExit(f"README.md must hold {START} then {END}, once each")
    head, rest = text.split(START)
    _, tail = rest.split(END)
    return f"{head}{START}\n{body}\n{END}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=None, help="default: each scenario's")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    args = parser.parse_args()
    body = table(args.trials, args.workers)  # minutes: read the README only after
    text = replace_between(args.readme.read_text(), body)
    tmp = args.readme.with_name(f".{args.readme.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, args.readme)  # atomic: the README is whole, old or new
    print(f"wrote {args.readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
