"""The scenario language: YAML text -> validated `Scenario`.

The names below are loaded on first use: a worker process unpickles scenarios (it needs
`sim.language.model`, numpy and scipy) but never reads YAML or validates a file, so it
should not pay for importing the loader, pydantic and ruamel.yaml.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.language.checks import check
    from sim.language.errors import ScenarioError, ScenarioErrors, ScenarioWarning
    from sim.language.loading import load, loads
    from sim.language.model import Challenge, Effect, Event, Gate, Route, Scenario, Treaty, Votes
    from sim.language.schema import json_schema

_WHERE = {
    "check": "checks",
    "ScenarioError": "errors",
    "ScenarioErrors": "errors",
    "ScenarioWarning": "errors",
    "load": "loading",
    "loads": "loading",
    "Challenge": "model",
    "Effect": "model",
    "Event": "model",
    "Gate": "model",
    "Route": "model",
    "Scenario": "model",
    "Treaty": "model",
    "Votes": "model",
    "json_schema": "schema",
}

__all__ = [
    "Challenge",
    "Effect",
    "Event",
    "Gate",
    "Route",
    "Scenario",
    "ScenarioError",
    "ScenarioErrors",
    "ScenarioWarning",
    "Treaty",
    "Votes",
    "check",
    "json_schema",
    "load",
    "loads",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"sim.language.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'sim.language' has no attribute {name!r}")
