"""The commit half of a step: everything a node returned is written in one transaction."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from agents.contracts import ArtifactOut, EventNote, Record
from journeys import children, dispatch, services
from journeys.adaptive import store_calls
from journeys.memory import hooks as memory_hooks
from journeys.models import Artifact, Event, Run, RunStatus, Step
from journeys.redaction import scrub, scrub_text
from journeys.state import compact_patch, merge_patch

if TYPE_CHECKING:
    from journeys.engine import Execution

logger = logging.getLogger(__name__)

# Writers of domain records a node may return: kind -> dotted path of
# `write(run: Run, seq: int, data: dict) -> None`, called inside the step's transaction.
RECORD_WRITERS: dict[str, str] = {
    "source": "journeys.evidence.write_source",
    "task_spec": "journeys.specs.write_task_spec",
    "child_runs": "journeys.children.write_children",
    "turnitin_handoff": "turnitin.handoff.write_handoff",
    "turnitin_verdict": "turnitin.handoff.write_verdict",
    "tool_version": "tools.services.write_tool_version",
    "tool_repair": "tools.services.write_repair_attempt",
    "lesson_use": "journeys.memory.lessons.write_lesson_use",
}


def store_records(run: Run, seq: int, records: list[Record]) -> None:
    for record in records:
        try:
            path = RECORD_WRITERS[record.kind]
        except KeyError:
            raise ValueError(f"unknown record kind {record.kind!r}; known: {sorted(RECORD_WRITERS)}") from None
        import_string(path)(run, seq, record.data)


class ArtifactLoader:
    """Reads the artifacts a run's state refers to (the claim-check side of the state).

    Nodes read a family of artifacts together (the Writer, QA and the Finalizer read every
    `section-i`), so the first read of a current version loads the current version of every
    referenced artifact of that family in one query: one query per family and step, not one per
    section (which made a long run's steps cost O(sections) round trips each).
    """

    def __init__(self, run_id: int, references: dict[str, int]) -> None:
        self.run_id = run_id
        self.references = references
        self._loaded: dict[tuple[str, int], str] = {}

    def __call__(self, name: str, version: int | None = None) -> str:
        wanted = version or self.references.get(name)
        if wanted is None:
            raise KeyError(f"run {self.run_id} has no artifact named {name!r}")
        if (name, wanted) not in self._loaded:
            if wanted == self.references.get(name):
                self._load_family(name)
            else:
                self._loaded[(name, wanted)] = self._one(name, wanted)
        return self._loaded[(name, wanted)]

    def _load_family(self, name: str) -> None:
        family = artifact_family(name)
        current = {other: version for other, version in self.references.items()
                   if artifact_family(other) == family and (other, version) not in self._loaded}
        self._loaded.update(self._query(current))
        if (name, current[name]) not in self._loaded:
            self._loaded[(name, current[name])] = self._one(name, current[name])

    def _query(self, versions: dict[str, int]) -> dict[tuple[str, int], str]:
        wanted = Q()
        for name, version in versions.items():
            wanted |= Q(name=name, version=version)
        rows = Artifact.objects.filter(wanted, run_id=self.run_id).values_list("name", "version", "content")
        return {(name, version): content for name, version, content in rows}

    def _one(self, name: str, version: int) -> str:
        # Raises Artifact.DoesNotExist with the usual message when the reference is dangling.
        return Artifact.objects.values_list("content", flat=True).get(run_id=self.run_id, name=name, version=version)


def artifact_family(name: str) -> str:
    """`section-12` -> `section-`; a name without a numeric suffix is its own family."""
    stem = name.rstrip("0123456789")
    return stem if stem != name and stem.endswith("-") else name


def deliverable_dir(run_id: int) -> Path:
    return Path(settings.HW_DELIVERABLES_DIR) / f"run-{run_id}"


def export_file(run_id: int, filename: str, content: str | bytes) -> str:
    """Write a deliverable atomically (temp file + rename); rewriting the same file is harmless."""
    folder = deliverable_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(filename).name
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, target)
    return str(target)


def store_artifacts(run: Run, seq: int | None, artifacts: list[ArtifactOut]) -> dict[str, int]:
    """Store each as the next version of its name; return the new references (name -> version)."""
    references: dict[str, int] = {}
    current = run.state.get("artifacts", {})
    for item in artifacts:
        # The state references the newest version of every artifact a step stored (claim check).
        latest = current.get(item.name) or 0
        payload = item.binary if item.binary is not None else item.content.encode("utf-8")
        path = export_file(run.pk, item.export_as, payload) if item.export_as else ""
        Artifact.objects.create(
            run=run,
            name=item.name,
            version=latest + 1,
            kind=item.kind,
            content_type=item.content_type,
            content=scrub_text(item.content),
            blob=item.binary,
            size=len(payload),
            sha256=hashlib.sha256(payload).hexdigest(),
            step_seq=seq,
            path=path,
        )
        references[item.name] = latest + 1
    return references


def store_events(run: Run, seq: int | None, notes: list[EventNote]) -> list[Event]:
    events = [
        Event(run=run, seq=seq, index=index, kind=note.kind, message=scrub_text(note.message), data=scrub(note.data))
        for index, note in enumerate(notes)
    ]
    created = Event.objects.bulk_create(events)
    payloads = [{"id": event.pk, "seq": seq, "kind": event.kind, "message": event.message} for event in created]
    transaction.on_commit(lambda: [dispatch.publish_live(run.pk, payload) for payload in payloads])
    return created


def next_status(run: Run, execution: Execution) -> str:
    """The status after a step. A pause or abort that arrived during the step wins over 'continue'."""
    if run.status == RunStatus.ABORTED:
        return RunStatus.ABORTED
    if execution.ending:
        return RunStatus.BUDGET_EXHAUSTED
    outcome_status = execution.outcome.status
    if outcome_status in {"succeeded", "failed"}:
        return outcome_status
    if run.status == RunStatus.PAUSED or execution.pause_seconds is not None:
        return RunStatus.PAUSED
    if outcome_status == "waiting_human":
        return RunStatus.WAITING_HUMAN
    if outcome_status == "waiting_children" and children.open_children(run):
        # Checked with the run row locked: a child that ended meanwhile either committed before
        # (then it is not open and the run continues) or waits for this lock and wakes the run.
        return RunStatus.WAITING_CHILDREN
    return RunStatus.RUNNING


def persist_step(run_id: int, seq: int, owner: str, execution: Execution) -> bool:
    """Write step `seq` if this worker still holds the lease; False if it lost it meanwhile."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=run_id)
        if run.seq != seq or run.lease_owner != owner:
            logger.warning("run %s step %s: lease lost to another worker; result discarded", run_id, seq)
            return False
        outcome = execution.outcome
        references = store_artifacts(run, seq, outcome.artifacts)
        store_records(run, seq, outcome.records)
        delta = merge_patch(outcome.delta, {"artifacts": references}) if references else outcome.delta
        # Lists kept as their changed items (journeys/state.py: linear growth per run), then
        # scrubbed once for both the step and the run's state, so replaying the stored deltas
        # gives the state; only what changed is scrubbed (the state is scrubbed already).
        delta = scrub(compact_patch(run.state, delta))
        write_step(run, seq, execution, delta)
        store_calls(run, seq, execution.meter)
        store_events(run, seq, list(outcome.events) + execution.extra_events)
        update_run(run, execution, delta)
        memory_hooks.after_step(run, outcome.records)
    return True


def write_step(run: Run, seq: int, execution: Execution, delta: dict) -> Step:
    outcome = execution.outcome
    return Step.objects.create(
        run=run,
        seq=seq,
        node=execution.node,
        route_in=execution.route_in,
        attempt=run.attempt,
        started_at=execution.started_at,
        finished_at=timezone.now(),
        delta=delta,
        observation=scrub(outcome.observation),
        verdict=scrub(outcome.verdict),
        route=outcome.route,
        tokens=execution.meter.tokens,
        cost_usd=execution.meter.cost_usd.quantize(Decimal("0.000001")),
        duration_seconds=execution.duration,
        error=scrub_text(execution.error),
    )


# The run's columns a step changes (update_run): saving only these keeps the step's UPDATE from
# re-serialising the run's spec, policy and goal every step. A record writer that changes other
# columns saves them itself (journeys.specs.write_task_spec).
STEP_FIELDS = ["state", "seq", "attempt", "route", "used_tokens", "used_seconds", "used_usd", "status", "lease_owner",
               "lease_expires_at", "finished_at", "status_reason", "resume_at", "updated_at"]


def update_run(run: Run, execution: Execution, delta: dict) -> None:
    now = timezone.now()
    outcome = execution.outcome
    run.state = merge_patch(run.state, delta)
    run.seq += 1
    run.attempt = 0
    run.route = outcome.route
    paused_by_operator = run.status == RunStatus.PAUSED
    run.used_tokens += execution.meter.tokens
    run.used_seconds += execution.duration
    run.used_usd += execution.meter.cost_usd.quantize(Decimal("0.000001"))
    run.status = next_status(run, execution)
    run.lease_owner = ""
    continuing = run.status == RunStatus.RUNNING
    run.lease_expires_at = now + timezone.timedelta(seconds=settings.HW_DISPATCH_GRACE_SECONDS) if continuing else None
    if run.is_terminal:
        run.finished_at = now
        run.status_reason = outcome.reason or execution.ending or run.status_reason
    elif run.status in {RunStatus.WAITING_HUMAN, RunStatus.WAITING_CHILDREN}:
        run.status_reason = outcome.reason
    elif execution.pause_seconds is not None and not paused_by_operator:
        # Paused by the system (providers down, daily budget spent): the reaper resumes it.
        run.resume_at = now + timezone.timedelta(seconds=execution.pause_seconds)
        run.status_reason = outcome.reason
    run.status_reason = scrub_text(run.status_reason)
    run.save(update_fields=STEP_FIELDS)
    if run.is_terminal and run.parent_id:
        services.wake_parent(run)
    if continuing:
        ticket = dispatch.ticket_for(run)
        transaction.on_commit(lambda: dispatch.send_step(ticket))
    else:
        user_id, run_id, weight = run.user_id, run.pk, run.weight
        transaction.on_commit(lambda: dispatch.release_slot(user_id, run_id, weight))
