"""The periodic sweep over cycles (beat task turnitin.tasks.sweep_turnitin_task).

Every part is idempotent and takes rows with SKIP LOCKED, so two sweeps at once are harmless:
- claims past their SLA go back to the queue (the event is recorded, the checker told);
- a report that is in but whose run was not waiting (paused) resumes the run once it waits;
- a cycle nobody completed within HW_TURNITIN_CYCLE_EXPIRY_SECONDS expires, and its run goes on
  to end with its best draft and an honest note;
- cycles of runs that ended otherwise (aborted, failed) are cancelled;
- unsent notifications are retried.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from journeys.models import TERMINAL_STATUSES, Run, RunStatus
from journeys.services import answer_run, service_event
from turnitin import notifications
from turnitin.models import CycleStatus, TurnitinCycle
from turnitin.services import locked_cycle, release_expired_claims, resume_cycle


def sweep() -> dict[str, int]:
    return {
        "released": release_expired_claims(),
        "resumed": resume_ready_cycles(),
        "expired": expire_stale_cycles(),
        "cancelled": cancel_cycles_of_ended_runs(),
        "notified": notifications.retry_unsent(),
    }


def resume_ready_cycles(limit: int = 100) -> int:
    ready = TurnitinCycle.objects.filter(status=CycleStatus.REPORT_READY, run__status=RunStatus.WAITING_HUMAN)
    resumed = 0
    for cycle_id in ready.values_list("id", flat=True)[:limit]:
        with transaction.atomic():
            cycle = locked_cycle(cycle_id)
            if cycle.status == CycleStatus.REPORT_READY and resume_cycle(cycle):
                resumed += 1
    return resumed


def expire_stale_cycles(limit: int = 100) -> int:
    cutoff = timezone.now() - timezone.timedelta(seconds=settings.HW_TURNITIN_CYCLE_EXPIRY_SECONDS)
    stale = TurnitinCycle.objects.filter(
        status__in=[CycleStatus.PENDING_UPLOAD, CycleStatus.AWAITING_REPORT], created_at__lt=cutoff
    ).values_list("id", flat=True)[:limit]
    hours = settings.HW_TURNITIN_CYCLE_EXPIRY_SECONDS / 3600
    return sum(close_unanswered(cycle_id, CycleStatus.EXPIRED, f"no report within {hours:g} hours") for cycle_id in stale)


def close_unanswered(cycle_id: int, status: str, why: str) -> int:
    """Close an open cycle that got no report; a run waiting for it goes on without one."""
    with transaction.atomic():
        cycle = locked_cycle(cycle_id)
        if cycle.status not in {CycleStatus.PENDING_UPLOAD, CycleStatus.AWAITING_REPORT}:
            return 0
        cycle.status = status
        cycle.outcome = status
        cycle.closed_at = timezone.now()
        cycle.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
        service_event(cycle.run, "turnitin", f"{cycle.reference} {status}: {why}", cycle=cycle.number)
        human = cycle.run.state.get("human", {})
        if cycle.run.status == RunStatus.WAITING_HUMAN and human.get("kind") == "turnitin" and human.get("cycle") == cycle.number:
            delta = {"turnitin": {"expired": {"number": cycle.number, "why": why}}}
            answer_run(cycle.run_id, {"turnitin_cycle": cycle.number, status: True}, by="the Turnitin sweep", state_delta=delta)
    return 1


def cancel_cycle(cycle_id: int, by: str) -> int:
    """An operator stops a check; the run continues without the report."""
    return close_unanswered(cycle_id, CycleStatus.CANCELLED, f"cancelled by {by}")


def cancel_cycles_of_ended_runs(limit: int = 200) -> int:
    now = timezone.now()
    with transaction.atomic():
        ended = list(
            TurnitinCycle.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status__in=[CycleStatus.PENDING_UPLOAD, CycleStatus.AWAITING_REPORT, CycleStatus.REPORT_READY])
            .filter(run__status__in=TERMINAL_STATUSES)
            .values_list("id", "run_id", "reference")[:limit]
        )
        for cycle_id, run_id, reference in ended:
            TurnitinCycle.objects.filter(pk=cycle_id).update(
                status=CycleStatus.CANCELLED, outcome="run_ended", closed_at=now, updated_at=now
            )
            service_event(Run(pk=run_id), "turnitin", f"{reference} cancelled: the run ended before the check did")
        # A run that ended while revising closes its last cycle as it stood.
        TurnitinCycle.objects.filter(status=CycleStatus.ITERATING, run__status__in=TERMINAL_STATUSES).update(
            status=CycleStatus.DONE, outcome="run_ended", closed_at=now, updated_at=now
        )
    return len(ended)
