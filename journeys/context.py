"""What a node can read besides its state: per-step services built from the run.

SERVICE_FACTORIES is an explicit registry: name -> dotted path of `factory(run) -> object`.
The objects are read-side helpers (evidence search, tool registry, memory); writes still go
back through the node's Outcome so the engine can persist them in the step's transaction.
"""
from __future__ import annotations

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


def build_services(run: Run, ending: str) -> dict[str, Any]:
    services: dict[str, Any] = {name: import_string(path)(run) for name, path in SERVICE_FACTORIES.items()}
    if ending:
        services["ending"] = ending
    return services
