"""What the chaos run checks once every run has ended (Django configured on the private stack).

A run's *signature* is its sequence of (seq, node, [event kinds], [artifact names]). The offline
model is deterministic, so a run under chaos that took the calm reference run's path must have
exactly its events and artifacts: one missing is a lost event / side effect, one extra a duplicate.
A run whose path diverged (a step failed during an outage and the Critic recovered) is checked
structurally: each (run, seq) once, event indexes 0..n-1 per step, nothing outside a written step.
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from journeys.models import Artifact, Event, Run, Step
from journeys.persistence import deliverable_dir


@dataclass
class Signature:
    nodes: list[str]
    events: dict[int, list[str]]
    artifacts: dict[int, list[str]]
    exports: set[str]


@dataclass
class Findings:
    statuses: Counter = field(default_factory=Counter)
    unexpected_status: list[int] = field(default_factory=list)
    steps: int = 0
    duplicate_steps: int = 0
    seq_gaps: int = 0
    lost_events: int = 0
    duplicate_events: int = 0
    orphan_events: int = 0
    duplicate_side_effects: int = 0
    lost_side_effects: int = 0
    diverged_runs: int = 0
    side_effects: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def signature(run_id: int) -> Signature:
    nodes = list(Step.objects.filter(run_id=run_id).order_by("seq").values_list("node", flat=True))
    events, artifacts = defaultdict(list), defaultdict(list)
    for seq, kind in Event.objects.filter(run_id=run_id, seq__isnull=False).order_by("seq", "index").values_list("seq", "kind"):
        events[seq].append(kind)
    for seq, name in Artifact.objects.filter(run_id=run_id).order_by("step_seq", "name").values_list("step_seq", "name"):
        artifacts[seq].append(name)
    exports = {path.name for path in deliverable_dir(run_id).glob("*")} if deliverable_dir(run_id).exists() else set()
    return Signature(nodes, dict(events), dict(artifacts), exports)


def duplicated_rows(table: str, columns: str) -> int:
    """Rows beyond the first of each key (the unique constraints should make this 0)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) n FROM {table} "  # noqa: S608 - fixed names
                       f"WHERE {columns.split(',')[1]} IS NOT NULL GROUP BY {columns}) c")
        return int(cursor.fetchone()[0])


def compare_counts(expected: dict[int, list[str]], actual: dict[int, list[str]]) -> tuple[int, int]:
    """(missing, extra) items of the per-seq multisets."""
    missing = extra = 0
    for seq in set(expected) | set(actual):
        want, have = Counter(expected.get(seq, [])), Counter(actual.get(seq, []))
        missing += sum((want - have).values())
        extra += sum((have - want).values())
    return missing, extra


def check_structure(run: Run, findings: Findings) -> None:
    seqs = list(Step.objects.filter(run=run).order_by("seq").values_list("seq", flat=True))
    findings.steps += len(seqs)
    if seqs != list(range(run.seq)):
        findings.seq_gaps += 1
        findings.problems.append(f"run {run.pk}: steps {seqs} but run.seq {run.seq}")
    indexes = defaultdict(list)
    for seq, index in Event.objects.filter(run=run, seq__isnull=False).values_list("seq", "index"):
        indexes[seq].append(index)
    for seq, found in indexes.items():
        if seq not in seqs:
            findings.orphan_events += len(found)
        elif sorted(found) != list(range(len(found))):
            findings.problems.append(f"run {run.pk} seq {seq}: event indexes {sorted(found)}")
    orphans = Artifact.objects.filter(run=run).exclude(step_seq__in=seqs).exclude(step_seq__isnull=True).count()
    findings.duplicate_side_effects += orphans


def check_exports(run: Run, expected: set[str], findings: Findings) -> None:
    """The deliverable folder holds the expected files only (no leftover temp files), each equal
    to the artifact version that exported it last."""
    folder = deliverable_dir(run.pk)
    present = {path.name for path in folder.glob("*")} if folder.exists() else set()
    findings.side_effects["deliverable files"] += len(present & expected)
    findings.lost_side_effects += len(expected - present)
    findings.duplicate_side_effects += len(present - expected)
    for extra in sorted(present - expected):
        findings.problems.append(f"run {run.pk}: unexpected file {extra} in {folder}")
    for name in present & expected:
        artifact = Artifact.objects.filter(run=run, path=str(folder / name)).order_by("-version").first()
        data = Path(folder / name).read_bytes()
        if artifact is None or hashlib.sha256(data).hexdigest() != artifact.sha256:
            findings.problems.append(f"run {run.pk}: {name} does not match its artifact")


def check_run(run: Run, reference: Signature, expected_status: str, findings: Findings) -> None:
    findings.statuses[run.status] += 1
    if run.status != expected_status:
        findings.unexpected_status.append(run.pk)
        findings.problems.append(f"run {run.pk}: {run.status} ({run.status_reason[:200]})")
    check_structure(run, findings)
    check_exports(run, reference.exports, findings)
    seen = signature(run.pk)
    findings.side_effects["artifacts"] += sum(len(names) for names in seen.artifacts.values())
    if seen.nodes != reference.nodes:
        findings.diverged_runs += 1
        return
    lost, extra = compare_counts(reference.events, seen.events)
    findings.lost_events += lost
    findings.duplicate_events += extra
    lost, extra = compare_counts(reference.artifacts, seen.artifacts)
    findings.lost_side_effects += lost
    findings.duplicate_side_effects += extra


def check_notifications(findings: Findings) -> None:
    """Emails are written in the step's transaction (so once per committed step) and carry a
    Message-ID fixed by their row (turnitin/notifications.message_id). The sketch journey sends
    none; the count is printed so a journey that does shows up here."""
    from turnitin.models import Notification

    findings.side_effects["notifications"] += Notification.objects.count()


def check_all(run_ids: list[int], reference: Signature, expected_status: str) -> Findings:
    findings = Findings()
    for run in Run.objects.filter(pk__in=run_ids).order_by("pk"):
        check_run(run, reference, expected_status, findings)
    findings.duplicate_steps = duplicated_rows("journeys_step", "run_id,seq")
    findings.duplicate_events += duplicated_rows("journeys_event", "run_id,seq,index")
    check_notifications(findings)
    return findings
