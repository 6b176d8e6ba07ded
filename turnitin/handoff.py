"""Record writers (journeys.persistence.RECORD_WRITERS) for what the agents decide about cycles.

Both run inside the step's transaction with the run row locked, so a cycle exists exactly when
the step that created it exists; notifications go to the outbox in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from journeys.models import Artifact, Run
from turnitin import notifications
from turnitin.models import CycleStatus, TurnitinCycle


def write_handoff(run: Run, seq: int, data: dict[str, Any]) -> TurnitinCycle:
    """Create the cycle for the draft the handoff node just stored (kind "turnitin_handoff").

    `data`: number, reference, filename, target, draft ({section-i: version}), words. The draft's
    Markdown and DOCX are the artifacts `turnitin-draft` / `turnitin-draft-docx` of this step.
    """
    now = timezone.now()
    # The previous check's revision is over once the revised draft goes out again.
    TurnitinCycle.objects.filter(run=run, status=CycleStatus.ITERATING).update(
        status=CycleStatus.DONE, outcome="revised", closed_at=now, updated_at=now
    )
    artifacts = {item.name: item for item in Artifact.objects.filter(run=run, step_seq=seq, name__startswith="turnitin-draft")}
    cycle = TurnitinCycle.objects.create(
        run=run,
        number=data["number"],
        reference=data["reference"],
        handoff_seq=seq,
        draft=data["draft"],
        draft_text=artifacts["turnitin-draft"],
        draft_docx=artifacts["turnitin-draft-docx"],
        draft_filename=data["filename"],
        draft_words=int(data["words"]),
        target_similarity=float(data["target"]),
    )
    notifications.notify_handoff(cycle)
    return cycle


def write_verdict(run: Run, seq: int, data: dict[str, Any]) -> None:
    """Record the Critic's decision on a checked cycle (kind "turnitin_verdict").

    `data`: number, outcome in {passed, revising, target_not_met, unlocatable, unchanged}.
    """
    now = timezone.now()
    cycles = TurnitinCycle.objects.filter(run=run, number=data["number"])
    if data["outcome"] == "revising":
        cycles.filter(status=CycleStatus.REPORT_READY).update(status=CycleStatus.ITERATING, updated_at=now)
        return
    cycles.exclude(status__in=[CycleStatus.EXPIRED, CycleStatus.CANCELLED]).update(
        status=CycleStatus.DONE, outcome=data["outcome"], closed_at=now, updated_at=now
    )
