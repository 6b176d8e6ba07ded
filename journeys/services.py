"""The write side of journeys: every change to a run outside a step goes through one of these.

Each is one transaction; step messages are sent only after it commits. The CLI, the admin, the
API and the portal all call these, so they behave the same everywhere.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from journeys import dispatch, uploads
from journeys.memory.profiles import profile_preferences
from journeys.models import PAUSABLE_STATUSES, TERMINAL_STATUSES, Artifact, Chunk, Event, Run, RunStatus, Source, Step
from journeys.policies import PolicyError, load_policy
from journeys.redaction import scrub, scrub_text
from journeys.requests import BudgetRequest, InvalidRequest, RunNotFound, build_spec, resolve_budgets, validate_goal
from journeys.state import merge_patch, replay


def service_event(run: Run, kind: str, message: str, **data: Any) -> Event:
    message, data = scrub_text(message), scrub(data)
    event = Event.objects.create(run=run, seq=None, kind=kind, message=message, data=data)
    payload = {"id": event.pk, "seq": None, "kind": kind, "message": message}
    transaction.on_commit(lambda: dispatch.publish_live(run.pk, payload))
    return event


def tier_weight(user) -> int:
    """The weight of the user's tier: the heaviest HW_TIER_WEIGHTS group the user is in."""
    weights = settings.HW_TIER_WEIGHTS
    groups = set(user.groups.filter(name__in=list(weights)).values_list("name", flat=True))
    return max([weights[name] for name in groups] + [weights.get("free", 1)])


def get_user(username: str):
    user, _ = get_user_model().objects.get_or_create(username=username)
    return user


def start_run(
    user,
    journey: str,
    goal: str,
    *,
    words: int | None = None,
    spec: dict[str, Any] | None = None,
    budgets: BudgetRequest = BudgetRequest(),
    priority: int = 0,
    files: list[uploads.UploadedFile] | tuple = (),
    parent: Run | None = None,
) -> Run:
    """Validate the request (goal, spec fields, uploads, budgets), create the run with its
    uploads and enqueue its first step after commit. Any invalid input raises InvalidRequest
    before anything is written."""
    try:
        policy = load_policy(journey)
    except PolicyError as error:
        raise InvalidRequest(str(error)) from error
    goal = validate_goal(goal)
    run_spec = build_spec(policy, words, dict(spec or {}), profile_preferences(user.pk))
    try:
        prepared = [uploads.prepare_upload(item.filename, item.data) for item in files]
    except uploads.UploadRefused as error:
        raise InvalidRequest(str(error)) from None
    if policy.requires_upload and not prepared and not run_spec["uploads"]:
        raise InvalidRequest(f"the {journey} journey needs an uploaded document (DOCX, PDF or TXT)")
    limits = resolve_budgets(policy.budgets.model_dump(), budgets)
    with transaction.atomic():
        run = Run.objects.create(
            user=user,
            parent=parent,
            journey=journey,
            goal=goal,
            spec=run_spec,
            policy=policy.model_dump(mode="json"),
            route=policy.start_route,
            priority=priority,
            weight=tier_weight(user),
            lease_expires_at=timezone.now() + timezone.timedelta(seconds=settings.HW_DISPATCH_GRACE_SECONDS),
            **limits,
        )
        for item in prepared:
            warn_about_upload(run, uploads.store_upload(run, item), item)
        service_event(run, "created", f"Run created: {journey} journey, {run_spec['words']} words", spec=run.spec)
        ticket = dispatch.ticket_for(run)
        transaction.on_commit(lambda: dispatch.send_step(ticket))
    return run


def locked_run(run_id: int) -> Run:
    try:
        return Run.objects.select_for_update().get(pk=run_id)
    except (Run.DoesNotExist, ValueError, TypeError):
        raise RunNotFound(f"there is no run with id {run_id!r}") from None


def pause_run(run_id: int, by: str = "operator") -> Run:
    """Stop a run after its current step; resume_run continues it from the same seq."""
    with transaction.atomic():
        run = locked_run(run_id)
        if run.status not in PAUSABLE_STATUSES:
            raise InvalidRequest(f"run {run.pk} is {run.status}; only queued, running or waiting runs can be paused")
        run.status = RunStatus.PAUSED
        run.resume_at = None
        run.save(update_fields=["status", "resume_at", "updated_at"])
        release_slot_on_commit(run)
        service_event(run, "paused", f"Paused by {by}; the step in progress (if any) will finish first", by=by)
    return run


def resume_run(run_id: int, by: str = "operator") -> Run:
    """Continue a paused run from its checkpoint (or let it wait for its human again)."""
    with transaction.atomic():
        run = locked_run(run_id)
        if run.status != RunStatus.PAUSED:
            raise InvalidRequest(f"run {run.pk} is {run.status}; only paused runs can be resumed")
        if run.state.get("human", {}).get("pending"):
            run.status = RunStatus.WAITING_HUMAN
            run.save(update_fields=["status", "updated_at"])
            service_event(run, "resumed", f"Resumed by {by}; still waiting for a human answer", by=by)
            return run
        requeue(run)
        service_event(run, "resumed", f"Resumed by {by} at step {run.seq}", by=by)
    return run


def requeue(run: Run) -> None:
    """Mark the run due at its current seq and send the step after commit."""
    run.status = RunStatus.QUEUED
    run.status_reason = ""  # whatever it waited for (a human, its children) is over
    run.lease_owner = ""
    run.lease_expires_at = timezone.now() + timezone.timedelta(seconds=settings.HW_DISPATCH_GRACE_SECONDS)
    run.resume_at = None
    run.save(update_fields=["status", "status_reason", "lease_owner", "lease_expires_at", "resume_at", "updated_at"])
    ticket = dispatch.ticket_for(run)
    transaction.on_commit(lambda: dispatch.send_step(ticket))


def release_slot_on_commit(run: Run) -> None:
    user_id, run_id, weight = run.user_id, run.pk, run.weight
    transaction.on_commit(lambda: dispatch.release_slot(user_id, run_id, weight))


def abort_run(run_id: int, by: str = "operator", reason: str = "") -> Run:
    with transaction.atomic():
        run = locked_run(run_id)
        if run.status in TERMINAL_STATUSES:
            raise InvalidRequest(f"run {run.pk} has already ended ({run.status})")
        run.status = RunStatus.ABORTED
        run.status_reason = reason or f"aborted by {by}"
        run.finished_at = timezone.now()
        run.lease_owner = ""
        run.lease_expires_at = None
        run.save(update_fields=["status", "status_reason", "finished_at", "lease_owner", "lease_expires_at", "updated_at"])
        release_slot_on_commit(run)
        service_event(run, "aborted", f"Aborted by {by}" + (f": {reason}" if reason else ""), by=by)
        wake_parent(run)
    return run


def wake_parent(child: Run) -> None:
    """Called inside the transaction that made `child` terminal: re-queue its parent if the parent
    waits for its children and none is still going. Locking the parent row serialises sibling
    endings, so the last child to end always sees the others ended (journeys.children)."""
    if child.parent_id is None:
        return
    parent = Run.objects.select_for_update().get(pk=child.parent_id)
    if parent.status != RunStatus.WAITING_CHILDREN:
        return
    going = Run.objects.filter(parent=parent).exclude(pk=child.pk).exclude(status__in=TERMINAL_STATUSES).exists()
    if going:
        return
    service_event(parent, "children", "Every part has ended; the assignment continues")
    requeue(parent)


def answer_run(run_id: int, answers: dict[str, Any], by: str = "student", *, state_delta: dict[str, Any] | None = None) -> Run:
    """Record a human's answer as a step of its own (so replaying deltas stays complete) and
    continue the run on the route the waiting node named.

    `state_delta` (a JSON merge patch) carries what the answer adds to the compact state beyond
    the answers themselves, e.g. the parsed Turnitin report under state["turnitin"]."""
    with transaction.atomic():
        run = locked_run(run_id)
        human = run.state.get("human", {})
        if run.status != RunStatus.WAITING_HUMAN or not human.get("pending"):
            raise InvalidRequest(f"run {run.pk} is {run.status} and is not waiting for an answer")
        # A plain union, not a merge: "pending": None must stay in the delta to clear the flag.
        delta = {**(state_delta or {}), "human": {"pending": None, "answers": answers, "answered_by": by}}
        now = timezone.now()
        route = human.get("resume_route") or run.route
        Step.objects.create(
            run=run, seq=run.seq, node="human", route_in=run.route, attempt=1,
            started_at=now, finished_at=now, delta=delta, route=route,
        )
        run.state = merge_patch(run.state, delta)
        run.seq += 1
        run.route = route
        run.status_reason = ""
        run.save(update_fields=["state", "seq", "route", "status_reason", "updated_at"])
        service_event(run, "answered", f"{by} answered; continuing at '{route}'", answers=answers)
        requeue(run)
    return run


def attach_upload(run_id: int, filename: str, data: bytes, by: str = "student") -> str:
    """Add a document to a run that has not ended; returns its Source key. A refused file
    (empty, unreadable, too large) raises InvalidRequest and changes nothing."""
    try:
        prepared = uploads.prepare_upload(filename, data)
    except uploads.UploadRefused as error:
        raise InvalidRequest(str(error)) from None
    with transaction.atomic():
        run = locked_run(run_id)
        if run.is_terminal:
            raise InvalidRequest(f"run {run.pk} has already ended ({run.status}); start a new run for this file")
        key = uploads.store_upload(run, prepared)
        service_event(run, "upload", f"{by} uploaded {prepared.filename} ({prepared.words} words) as {key}", key=key)
        warn_about_upload(run, key, prepared)
    return key


def warn_about_upload(run: Run, key: str, prepared: uploads.PreparedUpload) -> None:
    """What was neutralised in an upload (e.g. a PDF's JavaScript) is told to the student and operators."""
    for warning in prepared.warnings:
        service_event(run, "upload_warning", f"{prepared.filename}: {warning}", key=key)


def reap_runs(limit: int = 500) -> int:
    """Re-send the due step of every run whose lease expired (a worker died, a message was lost)."""
    now = timezone.now()
    grace = timezone.timedelta(seconds=settings.HW_DISPATCH_GRACE_SECONDS)
    stale = Run.objects.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING], lease_expires_at__lt=now)
    recovered = 0
    for run in stale.only("id", "seq", "user_id", "weight", "priority", "lease_owner")[:limit]:
        with transaction.atomic():
            taken = Run.objects.filter(pk=run.pk, seq=run.seq, lease_expires_at__lt=now).update(
                lease_owner="", lease_expires_at=now + grace, updated_at=now
            )
            if not taken:
                continue
            owner = run.lease_owner
            why = f"lease of {owner} expired" if owner else "step message not picked up in time"
            service_event(run, "recovered", f"Step {run.seq} re-offered: {why}", seq=run.seq, previous_owner=owner)
            ticket = dispatch.ticket_for(run)
            transaction.on_commit(lambda ticket=ticket: dispatch.send_step(ticket))
            recovered += 1
    return recovered


def resume_due_runs(limit: int = 500) -> int:
    """Resume the runs the system paused (every LLM provider down, a daily budget spent) whose
    `resume_at` has come; the beat calls this with the reaper. An operator's pause is never
    resumed here (it leaves `resume_at` empty)."""
    due = Run.objects.filter(status=RunStatus.PAUSED, resume_at__lte=timezone.now()).values_list("id", flat=True)
    resumed = 0
    for run_id in list(due[:limit]):
        with transaction.atomic():
            run = locked_run(run_id)
            if run.status != RunStatus.PAUSED or run.resume_at is None or run.resume_at > timezone.now():
                continue
            reason = run.status_reason
            requeue(run)
            service_event(run, "resumed", f"Resumed automatically at step {run.seq} after: {reason}"[:2000], by="system")
            resumed += 1
    return resumed


def raise_budget(run_id: int, increase: BudgetRequest, by: str = "operator") -> Run:
    """Add to a run's limits. A run that ended because a budget ran out continues from the route
    it was on when the budget stopped it (its finalizer's stop-gap deliverable stays a version)."""
    amounts = {name: getattr(increase, name) for name in ("tokens", "seconds", "usd") if getattr(increase, name)}
    if not amounts:
        raise InvalidRequest("say how much to add to at least one budget (tokens, seconds or usd)")
    if any(value < 0 for value in amounts.values()):
        raise InvalidRequest("a budget can only be raised; use a positive amount")
    added = resolve_budgets({"tokens": 0, "seconds": 0, "usd": 0}, BudgetRequest(**amounts))
    with transaction.atomic():
        run = locked_run(run_id)
        revive = run.status == RunStatus.BUDGET_EXHAUSTED
        if run.status in TERMINAL_STATUSES and not revive:
            raise InvalidRequest(f"run {run.pk} has ended ({run.status}); only a run stopped by its budget can continue")
        run.limit_tokens += added["limit_tokens"]
        run.limit_seconds += added["limit_seconds"]
        run.limit_usd += added["limit_usd"]
        run.save(update_fields=["limit_tokens", "limit_seconds", "limit_usd", "updated_at"])
        spent = run.exhausted_budget()
        service_event(run, "budget", f"{by} raised the budget by {describe(amounts)}", by=by, added=amounts)
        if revive and not spent:
            continue_after_budget(run)
    return run


def describe(amounts: dict[str, float]) -> str:
    units = {"tokens": "{:,.0f} tokens", "seconds": "{:,.0f} seconds", "usd": "${:,.2f}"}
    return ", ".join(units[name].format(value) for name, value in amounts.items())


def continue_after_budget(run: Run) -> None:
    """Put a budget-exhausted run back on the route the ending step pre-empted."""
    steps = list(Step.objects.filter(run=run).order_by("-seq").values_list("route_in", "route")[:2])
    route = steps[1][1] if len(steps) > 1 else run.policy["start_route"]
    run.route = route
    run.finished_at = None
    run.status_reason = ""
    run.save(update_fields=["route", "finished_at", "status_reason", "updated_at"])
    service_event(run, "resumed", f"Continuing at '{route}' with the raised budget")
    requeue(run)


def fork_run_from_step(run_id: int, seq: int, by: str = "operator") -> Run:
    """A new run that shares the history of `run_id` before step `seq` and re-runs from there.

    The deltas of steps 0..seq-1 are copied and replayed into the new run's state (so the copy
    is exactly the checkpoint), with the artifacts, sources and events they produced; the new
    run then executes step `seq` on the route the old one took there."""
    with transaction.atomic():
        source = locked_run(run_id)
        if not 0 <= seq <= source.seq:
            raise InvalidRequest(f"run {source.pk} has steps 0..{source.seq - 1}; cannot fork from step {seq}")
        steps = list(Step.objects.filter(run=source, seq__lt=seq).order_by("seq"))
        fork = copy_run(source, steps, seq)
        copy_history(source, fork, seq)
        service_event(fork, "forked", f"Forked by {by} from run {source.pk} at step {seq}", parent=source.pk, seq=seq, by=by)
        service_event(source, "forked", f"{by} re-ran this run from step {seq} as run {fork.pk}", child=fork.pk, seq=seq)
        if fork.status == RunStatus.QUEUED:
            ticket = dispatch.ticket_for(fork)
            transaction.on_commit(lambda: dispatch.send_step(ticket))
    return fork


def copy_run(source: Run, steps: list[Step], seq: int) -> Run:
    state = replay([step.delta for step in steps])
    waiting = bool(state.get("human", {}).get("pending"))
    return Run.objects.create(
        user_id=source.user_id, parent=source, journey=source.journey, goal=source.goal, spec=source.spec,
        policy=source.policy, state=state, seq=seq,
        route=steps[-1].route if steps else source.policy["start_route"],
        status=RunStatus.WAITING_HUMAN if waiting else RunStatus.QUEUED,
        priority=source.priority, weight=source.weight,
        limit_tokens=source.limit_tokens, limit_seconds=source.limit_seconds, limit_usd=source.limit_usd,
        used_tokens=sum(step.tokens for step in steps),
        used_seconds=sum(step.duration_seconds for step in steps),
        used_usd=sum((step.cost_usd for step in steps), Decimal("0")),
        lease_expires_at=None if waiting else timezone.now() + timezone.timedelta(seconds=settings.HW_DISPATCH_GRACE_SECONDS),
    )


def copy_history(source: Run, fork: Run, seq: int) -> None:
    """Copy the rows produced before `seq`: steps, events, artifacts, sources with their chunks."""
    Step.objects.bulk_create(
        Step(**{**row, "run_id": fork.pk}) for row in Step.objects.filter(run=source, seq__lt=seq).values(*copied_fields(Step))
    )
    Event.objects.bulk_create(
        Event(**{**row, "run_id": fork.pk}) for row in Event.objects.filter(run=source, seq__lt=seq).values(*copied_fields(Event))
    )
    # Rows with no step (a student's uploads) are inputs of the run: the fork keeps them too.
    before = Q(step_seq__lt=seq) | Q(step_seq__isnull=True)
    artifacts = Artifact.objects.filter(before, run=source).values(*copied_fields(Artifact))
    Artifact.objects.bulk_create(Artifact(**{**row, "run_id": fork.pk}) for row in artifacts)
    for origin in Source.objects.filter(before, run=source).prefetch_related("chunks"):
        chunks = list(origin.chunks.all())
        origin.pk, origin.run_id = None, fork.pk
        origin.save(force_insert=True)
        Chunk.objects.bulk_create(
            Chunk(source=origin, run_id=fork.pk, user_id=chunk.user_id, ordinal=chunk.ordinal, text=chunk.text,
                  anchor=chunk.anchor, embedding=chunk.embedding, embedding_model=chunk.embedding_model)
            for chunk in chunks
        )


def copied_fields(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields if field.attname not in {"id", "run_id"}]
