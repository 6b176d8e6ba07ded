"""Read-side views of a run, shared by the CLI, the API and the admin."""
from __future__ import annotations

from journeys.models import Artifact, Run


def deliverable_paths(run: Run) -> list[str]:
    paths = Artifact.objects.filter(run=run).exclude(path="").order_by("name", "-version")
    seen: dict[str, str] = {}
    for name, path in paths.values_list("name", "path"):
        seen.setdefault(name, path)
    return sorted(seen.values())


def run_summary(run: Run) -> dict:
    budget = run.budget_view()
    return {
        "run_id": run.pk,
        "status": run.status,
        "reason": run.status_reason,
        "journey": run.journey,
        "route": run.route,
        "seq": run.seq,
        "progress": run.state.get("progress", 0.0),
        "usage": budget["used"],
        "budgets": budget["limits"],
        "deliverables": deliverable_paths(run),
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }
