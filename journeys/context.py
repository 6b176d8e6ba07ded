"""What a node can read besides its state: per-step services built from the run.

SERVICE_FACTORIES is an explicit registry: name -> dotted path of `factory(run) -> object`.
The objects are read-side helpers (evidence search, tool registry, memory); writes still go
back through the node's Outcome so the engine can persist them in the step's transaction.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.module_loading import import_string

from journeys.models import Run

SERVICE_FACTORIES: dict[str, str] = {
    "evidence": "journeys.evidence.evidence_reader",
    "uploads": "journeys.uploads.upload_reader",
    "children": "journeys.children.children_reader",
    # research (agents.researcher)
    "scholarly": "journeys.research.scholarly_service",
    "readings": "journeys.research.readings_reader",
    "tools": "tools.services.registry_for_run",
    "memory": "journeys.memory.service.memory_service",
}


class StepServices(Mapping):
    """The services of one step, each built on first use: most nodes touch one or two, and
    building all of them every step (the tool registry alone is a query and a few ms of CPU)
    was a tenth of a short step's cost. Built once per step, so a node sees one consistent
    object per name."""

    def __init__(self, run: Run, extra: dict[str, Any]) -> None:
        self._run = run
        self._built: dict[str, Any] = dict(extra)
        self._names = [*SERVICE_FACTORIES, *(name for name in extra if name not in SERVICE_FACTORIES)]

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in SERVICE_FACTORIES:
                raise KeyError(name)
            self._built[name] = import_string(SERVICE_FACTORIES[name])(self._run)
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def built(self) -> list[str]:
        """Names built so far (for tests and profiling)."""
        return list(self._built)


def build_services(run: Run, ending: str) -> StepServices:
    return StepServices(run, {"ending": ending} if ending else {})
