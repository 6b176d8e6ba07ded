"""Child runs: an assignment's parts run as runs of their own, and the parent waits for them.

The mechanism, end to end:
1. A parent's node returns Record(kind="child_runs", data={"children": [...]}) and status
   "waiting_children". `write_children` (a RECORD_WRITERS entry) creates the child runs inside
   the parent's step transaction; each child's first step is enqueued when it commits.
2. `persistence.next_status` turns "waiting_children" into the run status WAITING_CHILDREN, unless
   every child has already ended (then the parent simply continues).
3. When a child reaches a terminal status, `services.wake_parent` (called inside the transaction
   that ended it: a step in persistence, or abort_run) locks the parent row and re-queues it if it is waiting and no other child is
   still going. Locking the parent serialises sibling endings, so the last one always sees the
   others ended, and a parent that is just committing its wait is seen once it has.
4. The parent's node runs again, reads the children through the "children" service and moves on.
"""
from __future__ import annotations

from typing import Any

from journeys import services
from journeys.evidence import source_dict
from journeys.models import TERMINAL_STATUSES, Artifact, Chunk, Run, Source


def write_children(run: Run, seq: int, data: dict[str, Any]) -> list[Run]:
    """Create the child runs a parent's step asked for; a part that already has a child is skipped.

    `data`: {"children": [{"part": int, "journey": str, "goal": str, "words": int, "spec": {...},
    "priority": int}]}."""
    existing = set(Run.objects.filter(parent=run).values_list("spec__part", flat=True))
    created = []
    for item in data["children"]:
        if item["part"] in existing:
            continue
        spec = {**item.get("spec", {}), "part": item["part"]}
        child = services.start_run(
            run.user, item["journey"], item["goal"], words=item["words"], spec=spec,
            priority=int(item.get("priority", run.priority)), parent=run,
        )
        created.append(child)
    return created


def open_children(run: Run) -> int:
    return Run.objects.filter(parent=run).exclude(status__in=TERMINAL_STATUSES).count()


class ChildrenReader:
    """The SERVICE_FACTORIES entry "children": what a parent's nodes read about its child runs."""

    def __init__(self, run: Run) -> None:
        self.run_id = run.pk

    def statuses(self) -> list[dict[str, Any]]:
        rows = Run.objects.filter(parent_id=self.run_id).order_by("id")
        return [
            {"run_id": row.pk, "part": row.spec.get("part"), "status": row.status, "reason": row.status_reason}
            for row in rows
        ]

    def all_ended(self) -> bool:
        return not Run.objects.filter(parent_id=self.run_id).exclude(status__in=TERMINAL_STATUSES).exists()

    def draft(self, run_id: int) -> str:
        """The child's final draft with citation markers (artifact "draft"), or "" if it made none."""
        row = Artifact.objects.filter(run_id=run_id, name="draft").order_by("-version").first()
        return row.content if row else ""

    def sources(self, run_id: int) -> list[dict[str, Any]]:
        """The child's sources with their chunks, so the parent can carry them into its own run."""
        result = []
        for source in Source.objects.filter(run_id=run_id).exclude(origin="upload").order_by("key"):
            chunks = Chunk.objects.filter(source=source).order_by("ordinal").values("ordinal", "text", "anchor")
            result.append({**source_dict(source), "chunks": list(chunks), "has_full_text": source.has_full_text})
        return result


def children_reader(run: Run) -> ChildrenReader:
    return ChildrenReader(run)
