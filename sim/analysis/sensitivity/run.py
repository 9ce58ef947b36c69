"""`sim sensitivity` end to end: scenario -> inputs -> designs -> evaluation -> analyses ->
`sensitivity.json` (and the folder, with its charts). The command line and `sim.sensitivity`
both call `sensitivity`; bad input raises `SensitivityError` before anything runs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.analysis.sensitivity import design, given, inputs, sobol, tornado
from sim.analysis.sensitivity.evaluate import Outcomes
from sim.analysis.sensitivity.execute import (
    MAX_PER_POINT,
    PinJob,
    PointJob,
    run_pins,
    run_points,
)
from sim.analysis.sensitivity.result import FORMAT, KIND, Sensitivity, ranking
from sim.intervals import wilson_list
from sim.language.model import Scenario, check_trials
from sim.runner import (
    check_workers,
    choose_engine,
    default_workers,
    overridden,
    scenario_as_run,
)

METHODS = ("given", "tornado", "sobol")
DEFAULT_METHODS = ("given", "tornado")
SOBOL_N = 128  # Saltelli base samples: N * (inputs + 2) design points
SOBOL_TRIALS = 500  # trials per design point
# The DES engine plays about 3,000 trials of the baseline a second, and a tornado plays the
# trials 1 + 2 * inputs times: without --trials, runs on DES use at most this many.
DES_TRIALS = 5000

# progress(label, total) -> advance(n): how a caller shows each stage
ProgressFactory = Callable[[str, int], Callable[[int], None]]


class SensitivityError(ValueError):
    """Bad input to `sim sensitivity`: one line for the user; nothing was run or written.
    `about_scenario`: the problem is the scenario's (the caller names its file)."""

    def __init__(self, message: str, about_scenario: bool = False) -> None:
        super().__init__(message)
        self.about_scenario = about_scenario


def check_methods(methods: Iterable[str]) -> tuple[str, ...]:
    """Known methods, each once, in the order of METHODS."""
    asked = [m.strip() for text in methods for m in str(text).split(",") if m.strip()]
    for m in asked:
        if m not in METHODS:
            raise SensitivityError(f"--method {m!r}: allowed: {', '.join(METHODS)}")
    if not asked:
        raise SensitivityError(f"--method: give one or more of {', '.join(METHODS)}")
    return tuple(m for m in METHODS if m in asked)


def _base(found: Outcomes) -> dict[str, Any]:
    n, exits, notices = found.n, int(found.exited.sum()), int(found.notice.sum())
    days = found.exit_day[found.exited]
    return {
        "trials": n,
        "exits": exits,
        "p_exit": exits / n,
        "p_exit_ci95": wilson_list(exits, n),
        "p_notice": notices / n,
        "p_notice_ci95": wilson_list(notices, n),
        "median_days_to_exit": float(np.median(days)) if days.size else None,
    }


def sensitivity(
    scenario: Scenario,
    *,
    methods: Iterable[str] = DEFAULT_METHODS,
    trials: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    sobol_n: int = SOBOL_N,
    sobol_trials: int = SOBOL_TRIALS,
    engine: str = "vector",
    out: str | Path = Path("outputs"),
    write: bool = True,
    charts: bool = True,
    progress: ProgressFactory | None = None,
) -> Sensitivity:
    """Rank the scenario's uncertain inputs by their effect on P(exit), P(notice) and the
    time to exit, by the given methods; write `out/sensitivity-<name>-<time>/` unless
    `write=False`."""
    chosen = check_methods(methods)
    found = inputs.uncertain_inputs(scenario)
    if not found:
        raise SensitivityError(
            "no uncertain input to rank: every value is a constant (write one as a "
            "distribution or 'a to b' to rank it, or compare constants with sim compare --set)",
            about_scenario=True,
        )
    try:
        engine, engine_note = choose_engine(scenario, engine)
    except ValueError as exc:
        raise SensitivityError(str(exc)) from None
    notes: list[str] = []
    plays_trials = "given" in chosen or "tornado" in chosen  # Sobol' has its own sizes
    if trials is None and engine == "des" and scenario.trials > DES_TRIALS and plays_trials:
        notes.append(
            f"ran on the DES engine (about 3,000 trials a second): {DES_TRIALS:,} trials "
            f"instead of the scenario's {scenario.trials:,}; --trials N for more"
        )
        trials = DES_TRIALS
    scenario = overridden(scenario, trials, seed)
    try:
        check_trials(scenario.trials)
        workers = default_workers() if workers is None else check_workers(workers)
        if "sobol" in chosen:
            design.check_base_samples(sobol_n)
            if not 2 <= sobol_trials <= MAX_PER_POINT:
                raise ValueError(
                    f"--sobol-trials {sobol_trials}: between 2 and {MAX_PER_POINT:,} trials "
                    "per design point"
                )
    except ValueError as exc:
        text = str(exc)
        raise SensitivityError(text if text.startswith("--") else f"--trials: {text}") from None
    as_run = scenario_as_run(scenario)
    data: dict[str, Any] = {
        "format": FORMAT,
        "kind": KIND,
        "version": __version__,
        "scenario": {
            "name": scenario.name,
            "title": scenario.title,
            "trials": scenario.trials,
            "seed": scenario.seed,
            "start": scenario.start.isoformat(),
            "horizon": scenario.horizon.isoformat(),
            "scenario_sha256": hashlib.sha256(as_run.encode("utf-8")).hexdigest(),
        },
        "engine": engine,
        "methods": list(chosen),
        "inputs": [i.to_json() for i in found],
    }
    if engine_note is not None:
        notes.insert(0, engine_note)
    names = tuple(i.name for i in found)
    if plays_trials:
        variants = design.tornado_variants(found) if "tornado" in chosen else [design.BASE]
        total = scenario.trials * len(variants)
        label = " + ".join(m for m in chosen if m != "sobol")
        advance = progress(f"{scenario.name}: {label}", total) if progress else None
        runs = run_pins(
            PinJob(scenario, engine, tuple(variants), names), scenario.trials, workers, advance
        )
        data["base"] = _base(runs.outcomes[0])
        if "given" in chosen:
            data["given"] = given.analyse(found, runs.outcomes[0], runs.x)
        if "tornado" in chosen:
            data["tornado"] = tornado.analyse(found, runs.outcomes)
    if "sobol" in chosen:
        plan = design.sobol_design(found, sobol_n, scenario.seed)
        total = plan.points * sobol_trials
        advance = progress(f"{scenario.name}: sobol", total) if progress else None
        points = run_points(
            PointJob(scenario, engine, names, sobol_trials), plan.values, workers, advance
        )
        data["sobol"] = sobol.analyse(found, plan, points, sobol_trials)
    order, by = ranking(data)
    data["ranking"] = {"by": by, "inputs": order}
    data["notes"] = notes
    result = Sensitivity(data, as_run)
    if write:
        from sim.analysis.sensitivity.folder import write_folder

        result.folder = write_folder(result, Path(out), charts=charts)
    return result
