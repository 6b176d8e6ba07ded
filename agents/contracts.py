"""The contract between the engine and the node handlers.

A node handler is a plain function ``handler(context: NodeContext) -> Outcome``. It reads the
run's compact state, its spec and policy, calls the LLM gateway and tools through the context,
and returns what should change. It never touches the database or Celery: the engine persists the
outcome in one transaction (DESIGN.md section 2).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class ArtifactReader(Protocol):
    def __call__(self, name: str, version: int | None = None) -> str: ...


@dataclass(frozen=True)
class EventNote:
    """One line for the run's history. `kind` is short (plan, action, evidence, verdict ...)."""

    kind: str
    message: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ArtifactOut:
    """Large text to store as the next version of artifact `name`.

    `export_as` names a deliverable file (e.g. "essay.md") written under the run's folder.
    Binary deliverables (DOCX, PDF, PPTX) carry their bytes in `binary`; `content` then holds a
    short text description or stays empty.
    """

    name: str
    content: str
    kind: str = "text"
    content_type: str = "text/markdown"
    export_as: str = ""
    binary: bytes | None = None


@dataclass(frozen=True)
class Record:
    """A domain row for the engine to write in the step's transaction (a source, a chunk, a
    Turnitin handoff ...). `kind` names a writer in journeys.persistence.RECORD_WRITERS."""

    kind: str
    data: dict[str, Any]


@dataclass(frozen=True)
class BudgetView:
    limits: dict[str, float]
    used: dict[str, float]

    def remaining(self, name: str) -> float:
        return self.limits[name] - self.used[name]


@dataclass
class NodeContext:
    run_id: int
    seq: int
    attempt: int
    route: str
    journey: str
    goal: str
    spec: dict[str, Any]
    state: dict[str, Any]
    policy: dict[str, Any]
    budget: BudgetView
    llm: Any  # agents.llm.LLMGateway, bound to this step's usage meter
    read_artifact: ArtifactReader
    # Read-side helpers built per step by journeys.context.SERVICE_FACTORIES (evidence search,
    # tools, memory ...; each built on first use), plus "ending" when the engine runs the ending node of a spent budget.
    services: Mapping[str, Any] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        """Key for the outside side effects of this step: the same on every attempt of the step.

        Not per attempt: a redelivered message never re-runs an attempt (the claim refuses it);
        what repeats an effect is a step re-run after its worker died *after* the effect and
        before the commit, and that re-run is the next attempt. Only a key that attempt does not
        change lets the receiving side recognise the repeat (docs/reliability.md, Chaos)."""
        return f"run:{self.run_id}:seq:{self.seq}"

    def effect_key(self, kind: str, name: str, arguments: dict[str, Any]) -> str:
        """The key of one effect of this step, e.g. one tool call: the node is deterministic given
        the step's state, so a re-run makes the same call with the same arguments and key."""
        digest = hashlib.sha256(json.dumps(arguments, sort_keys=True, default=str).encode()).hexdigest()[:16]
        return f"{self.idempotency_key}:{kind}:{name}:{digest}"


# Statuses a node may end a run with, or put it into. "waiting_children": the run sleeps until
# every child run it started has ended (journeys.children wakes it).
NODE_STATUSES = frozenset({"succeeded", "failed", "waiting_human", "waiting_children"})


@dataclass
class Outcome:
    """What a node returns. `delta` is a JSON merge patch (RFC 7386) on the run's state."""

    route: str
    delta: dict[str, Any] = field(default_factory=dict)
    events: list[EventNote] = field(default_factory=list)
    artifacts: list[ArtifactOut] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    observation: dict[str, Any] = field(default_factory=dict)
    verdict: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in NODE_STATUSES:
            raise ValueError(f"unknown outcome status {self.status!r}; known: {sorted(NODE_STATUSES)}")


NodeHandler = Callable[[NodeContext], Outcome]
