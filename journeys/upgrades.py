"""Deploy safety: a run's state carries the node contract versions it was written with, and a
step claimed by newer code first upgrades it (docs/reliability.md, "Deploy").

The state key VERSIONS_KEY maps each node the run's policy routes to -> the contract version of
that node's part of the state. It is stamped (inside the first step's delta) when a run starts and
changed only by an upgrade step, so replaying the deltas reproduces it like any other state.
A run written before versioning began has no stamp: every node was then at version 1.

On claim, the engine asks `plan_upgrade(run)`:
- nothing older than this code: the step runs its node as usual;
- some node older: ONE step (node UPGRADE_NODE) applies the registered upgraders in order and
  records the state change as its delta; the route is kept, so the next step runs the node the
  run was due to run, now on a state it understands;
- no upgrader for some version (or one raised): that step fails the run with the reason —
  a clear, terminal failure, never a retry loop;
- some node *newer* than this code (a rolling deploy: an old worker took a step of a run that
  new code already upgraded): the worker leaves the step alone for a new worker (`deferral`).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings

from agents.contracts import EventNote, Outcome
from agents.registry import NodeRegistry, NoUpgradePath
from journeys.state import diff_patch, merge_patch

VERSIONS_KEY = "node_versions"
UPGRADE_NODE = "contract_upgrade"


@cache
def registry() -> NodeRegistry:
    """This code version's nodes (with the operator's HW_NODE_OVERRIDES)."""
    return NodeRegistry.with_overrides(settings.HW_NODE_OVERRIDES)


@dataclass(frozen=True)
class UpgradePlan:
    recorded: dict[str, int]
    current: dict[str, int]

    @property
    def older(self) -> dict[str, int]:
        return {node: version for node, version in self.recorded.items() if version < self.current[node]}

    @property
    def newer(self) -> dict[str, int]:
        return {node: version for node, version in self.recorded.items() if version > self.current[node]}


def routed_nodes(policy: dict[str, Any]) -> list[str]:
    return sorted(set(policy.get("routes", {}).values()))


def current_versions(policy: dict[str, Any]) -> dict[str, int]:
    return {node: registry().version(node) for node in routed_nodes(policy)}


def recorded_versions(state: dict[str, Any], seq: int, policy: dict[str, Any]) -> dict[str, int]:
    """The versions the state was written with; for an unstamped run, 1 if it has steps already
    (written before versioning began), this code's own versions if it is just starting."""
    current = current_versions(policy)
    if VERSIONS_KEY in state:
        stamped = {node: int(version) for node, version in state[VERSIONS_KEY].items()}
        return {node: stamped.get(node, current[node]) for node in current}
    return {node: 1 for node in current} if seq > 0 else current


def plan_upgrade(state: dict[str, Any], seq: int, policy: dict[str, Any]) -> UpgradePlan:
    return UpgradePlan(recorded_versions(state, seq, policy), current_versions(policy))


def stamp_delta(state: dict[str, Any], policy: dict[str, Any]) -> dict[str, Any]:
    """The delta that records this code's versions in a state that has no stamp yet (else {})."""
    return {} if VERSIONS_KEY in state else {VERSIONS_KEY: current_versions(policy)}


def upgraded_state(state: dict[str, Any], plan: UpgradePlan) -> tuple[dict[str, Any], list[str]]:
    """Apply every upgrader from each older node's recorded version up to this code's version.
    Raises NoUpgradePath (or whatever an upgrader raises)."""
    upgraded, done = copy.deepcopy(state), []
    for node, version in sorted(plan.older.items()):
        for from_version in range(version, plan.current[node]):
            upgraded = registry().upgrader(node, from_version)(upgraded)
            if not isinstance(upgraded, dict):
                raise TypeError(f"the upgrader of {node} v{from_version} returned {type(upgraded).__name__}, not a dict")
            done.append(f"{node} v{from_version}->v{from_version + 1}")
    upgraded[VERSIONS_KEY] = dict(plan.current)
    return upgraded, done


def upgrade_outcome(state: dict[str, Any], route: str, plan: UpgradePlan) -> Outcome:
    """The outcome of the upgrade step: the state change as a merge patch, or the run's failure."""
    try:
        upgraded, done = upgraded_state(state, plan)
        delta = diff_patch(state, upgraded)
        if merge_patch(state, delta) != upgraded:
            raise ValueError("the upgraded state holds None values, which a JSON merge patch cannot express")
    except Exception as exc:  # noqa: BLE001 - any failure to upgrade ends the run with its reason
        reason = f"this run's state cannot be upgraded to the deployed code: {exc}"
        if not isinstance(exc, NoUpgradePath):
            reason = f"{reason} ({type(exc).__name__})"
        return Outcome(route=route, status="failed", reason=reason, events=[EventNote("error", reason)],
                       observation={"upgrade": {"from": plan.recorded, "to": plan.current, "error": str(exc)}})
    message = f"State upgraded for the deployed code: {', '.join(done) or 'versions recorded'}"
    return Outcome(route=route, delta=delta, events=[EventNote("upgrade", message, {"upgrades": done})],
                   observation={"upgrade": {"from": plan.recorded, "to": plan.current, "applied": done}})
