"""The scenario language: YAML text -> validated `Scenario`."""

from sim.language.errors import ScenarioError
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
    "Treaty",
    "Votes",
    "json_schema",
    "load",
    "loads",
]
