"""The RECORD_WRITERS entry "task_spec": the GoalInterpreter's spec becomes the run's spec.

Written inside the interpreting step's transaction. The spec is validated again here (a node's
output is never trusted as is), and the fields the student set explicitly are kept as they were.
"""
from __future__ import annotations

from typing import Any

from agents.taskspec import spec_data, validate_spec
from journeys.models import Run


def write_task_spec(run: Run, seq: int, data: dict[str, Any]) -> None:
    explicit = {name: run.spec[name] for name in run.spec.get("explicit", []) if name in run.spec}
    spec = validate_spec({**data, **explicit, "explicit": sorted(explicit), "uploads": run.spec.get("uploads", [])})
    run.spec = spec_data(spec)
    run.save(update_fields=["spec", "updated_at"])
