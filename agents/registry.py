"""The explicit registry of node handlers: a name -> the dotted path of a function.

Imported on first use; an unknown name fails listing the known ones. No registration by import
side effects.

Deploy safety (docs/reliability.md, "Deploy"): every node has a *contract version* of the part
of the run state it writes and reads (NODE_VERSIONS, 1 when absent). A run's state records the
versions it was written with. When a change makes a node's state contract incompatible, bump its
version and register an upgrader from the old version (STATE_UPGRADERS); the engine applies the
upgraders, in order, when it claims a step of a run written by older code.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from agents.contracts import NodeHandler

NODES: dict[str, str] = {
    "interpreter": "agents.interpreter.interpret",
    "planner": "agents.planner.plan",
    "executor": "agents.executor.act",
    "critic": "agents.critic.reflect",
    "finalizer": "agents.finalizer.finalize",
    # research
    "researcher": "agents.researcher.research",
    "research_gate": "agents.research_gate.check_sources",
    "bibliography": "agents.research_gate.deliver_bibliography",
    # Turnitin loop
    "turnitin_handoff": "agents.turnitin_handoff.hand_off",
    "revision_planner": "agents.reviser.plan_revisions",
    "reviser": "agents.reviser.revise_section",
    "self_debugger": "agents.self_debugger.repair",
    "tool_ingestor": "agents.tool_ingestor.ingest",
    # Stand-ins of the Researcher, Critic and Writer for the tool_research journey (agents/tool_journey.py).
    "tool_researcher": "agents.tool_journey.research",
    "tool_reviewer": "agents.tool_journey.review",
    "tool_reporter": "agents.tool_journey.report",
}


# node -> its state contract version; a node not listed is at version 1 (the contracts as they
# were when versioning began).
NODE_VERSIONS: dict[str, int] = {}

# (node, from_version) -> dotted path of `upgrade(state: dict) -> dict`: given a copy of a run's
# state written by `node` at `from_version`, return the state as version from_version + 1 expects
# it. Pure (no I/O), total (a state without the node's keys comes back unchanged), no None values
# (state changes are JSON merge patches, where None deletes). Keep each upgrader until no run
# can still be on its version (docs/reliability.md says how to check).
STATE_UPGRADERS: dict[tuple[str, int], str] = {}

StateUpgrader = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownNode(LookupError):
    pass


class NoUpgradePath(LookupError):
    """A run's state was written by a node contract version this code cannot upgrade from."""


@dataclass(frozen=True)
class NodeRegistry:
    """Handlers, contract versions and upgraders of the nodes, as this code version has them.

    `overrides` (settings.HW_NODE_OVERRIDES, given by the engine) replace entries by name:
    {"node": {"path": "dotted.path", "version": 2, "upgraders": {"1": "dotted.path"}}} — how a
    worker is started on another build of a node (the deploy-safety tests run "old" and "new" code
    this way).
    """

    nodes: dict[str, str] = field(default_factory=lambda: dict(NODES))
    versions: dict[str, int] = field(default_factory=lambda: dict(NODE_VERSIONS))
    upgraders: dict[tuple[str, int], str] = field(default_factory=lambda: dict(STATE_UPGRADERS))

    @classmethod
    def with_overrides(cls, overrides: dict[str, Any]) -> NodeRegistry:
        registry = cls()
        for name, entry in overrides.items():
            registry._override(name, entry)
        return registry

    def _override(self, name: str, entry: Any) -> None:
        if not isinstance(entry, dict) or not set(entry) <= {"path", "version", "upgraders"}:
            raise ValueError(f"node override {name!r} must be an object with path, version, upgraders; got {entry!r}")
        if "path" in entry:
            self.nodes[name] = str(entry["path"])
        if "version" in entry:
            self.versions[name] = int(entry["version"])
        for version, path in dict(entry.get("upgraders", {})).items():
            self.upgraders[(name, int(version))] = str(path)

    def handler(self, name: str) -> NodeHandler:
        if name not in self.nodes:
            raise UnknownNode(f"unknown node {name!r}; known nodes: {', '.join(sorted(self.nodes))}")
        return _import(self.nodes[name])

    def version(self, name: str) -> int:
        return self.versions.get(name, 1)

    def upgrader(self, name: str, from_version: int) -> StateUpgrader:
        try:
            return _import(self.upgraders[(name, from_version)])
        except KeyError:
            known = sorted(f"{node} v{version}->v{version + 1}" for node, version in self.upgraders if node == name)
            raise NoUpgradePath(
                f"node {name!r}: no upgrade from contract v{from_version} (this code runs v{self.version(name)};"
                f" upgraders: {', '.join(known) or 'none'})"
            ) from None


@cache
def _import(path: str) -> Any:
    return import_string(path)


def node_handler(name: str) -> NodeHandler:
    """A node's handler as this code has it (no overrides): for a node that calls another."""
    return NodeRegistry().handler(name)
