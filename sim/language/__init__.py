"""The scenario language: YAML text -> validated `Scenario`."""

from sim.language.checks import check
from sim.language.errors import ScenarioError, ScenarioErrors, ScenarioWarning
from sim.language.loading import load, loads
from sim.language.model import Challenge, Effect, Event, Gate, Route, Scenario, Treaty, Votes
from sim.language.schema import json_schema

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
