"""withdrawal-sim: how, whether and when the United States could leave NATO.

The Python API (`sim.run`, `sim.load_run`, `sim.compare`, `sim.scenario`,
`sim.sensitivity`) lives in
`sim.api`; it is loaded on first use so that the command line starts fast.
"""

from typing import Any

__version__ = "0.1.0"

_API = (
    "run",
    "load_run",
    "compare",
    "scenario",
    "sensitivity",
    "sweep",
    "discover",
    "Result",
    "Comparison",
    "Sensitivity",
)


def __getattr__(name: str) -> Any:
    if name in _API:
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
