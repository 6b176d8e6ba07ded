"""The write side of Turnitin cycles: claims, releases, report submission and resuming the run.

Each public function is one transaction (parsing a report happens before it, outside any lock).
Views, the webhook, the admin and the sweep call these, so they behave the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from agents.contracts import ArtifactOut
from journeys.models import Artifact, Run, RunStatus
from journeys.persistence import store_artifacts
from journeys.services import answer_run, service_event
from turnitin import notifications
from turnitin.models import CHECKER_GROUP, REPORTABLE_STATUSES, CycleStatus, TurnitinCycle
from turnitin.reports import ParsedReport, Passage, parse_highlighted_docx, parse_report
from turnitin.reports.locate import locate
from turnitin.sources import match_sources


class CycleError(ValueError):
    """A request about a cycle that cannot be carried out; `status` is the HTTP status to answer."""

    status = 409


class NotAllowed(CycleError):
    status = 403


class CycleNotFound(CycleError):
    status = 404


class WrongDraft(CycleError):
    """The report is about another draft version than the one this cycle sent."""


@dataclass(frozen=True)
class Submission:
    cycle: TurnitinCycle
    created: bool
    resumed: bool


def is_checker(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.groups.filter(name=CHECKER_GROUP).exists()))


def claim_capacity(user) -> int:
    profile = getattr(user, "checker_profile", None)
    return (profile.max_active_claims if profile and profile.max_active_claims else None) or settings.HW_TURNITIN_MAX_ACTIVE_CLAIMS


def who(user) -> str:
    return user.get_username() if user is not None else "the external workbench"


def claim_next_cycle(checker) -> TurnitinCycle | None:
    """Give the checker the oldest unclaimed job (highest run priority first), or None.

    Rows another checker is claiming right now are skipped (SKIP LOCKED), so concurrent claims
    never wait on each other and never get the same job. The checker's own row is locked first so
    two tabs of one checker cannot both pass the cap on active claims.
    """
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=checker.pk).first()
        held = TurnitinCycle.objects.filter(checker=checker, status=CycleStatus.AWAITING_REPORT).count()
        if held >= claim_capacity(checker):
            raise CycleError(f"you already hold {held} job(s), the most allowed at once; upload or release one first")
        cycle = (
            TurnitinCycle.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=CycleStatus.PENDING_UPLOAD, run__status__in=[RunStatus.WAITING_HUMAN, RunStatus.PAUSED])
            .order_by("-run__priority", "created_at", "id")
            .first()
        )
        if cycle is None:
            return None
        now = timezone.now()
        cycle.status = CycleStatus.AWAITING_REPORT
        cycle.checker = checker
        cycle.claimed_at = now
        cycle.claim_expires_at = now + timezone.timedelta(seconds=settings.HW_TURNITIN_CLAIM_SLA_SECONDS)
        cycle.save(update_fields=["status", "checker", "claimed_at", "claim_expires_at", "updated_at"])
        due = cycle.claim_expires_at.strftime("%Y-%m-%d %H:%M UTC")
        service_event(
            Run(pk=cycle.run_id),
            "turnitin",
            f"Checker {who(checker)} claimed {cycle.reference}; report due by {due}",
            cycle=cycle.number,
        )
    return cycle


def release_claim(cycle_id: int, checker, why: str = "given back by the checker") -> TurnitinCycle:
    """Put a claimed job back in the queue (its checker gives it back, or an operator does)."""
    with transaction.atomic():
        cycle = locked_cycle(cycle_id)
        if cycle.status != CycleStatus.AWAITING_REPORT:
            raise CycleError(f"{cycle.reference} is {cycle.get_status_display().lower()}, not claimed")
        if cycle.checker_id != checker.pk and not checker.is_staff:
            raise NotAllowed(f"{cycle.reference} is claimed by another checker")
        back_to_queue(cycle, why)
    return cycle


def back_to_queue(cycle: TurnitinCycle, why: str) -> None:
    previous = cycle.checker
    cycle.status = CycleStatus.PENDING_UPLOAD
    cycle.checker = None
    cycle.claimed_at = cycle.claim_expires_at = None
    cycle.releases += 1
    cycle.save(update_fields=["status", "checker", "claimed_at", "claim_expires_at", "releases", "updated_at"])
    service_event(
        Run(pk=cycle.run_id),
        "turnitin",
        f"Claim of {who(previous)} on {cycle.reference} released ({why}); back in the queue",
        cycle=cycle.number,
    )
    if previous is not None and previous.email:
        notifications.notify_released(cycle, previous.email, why)


def release_expired_claims(limit: int = 200) -> int:
    """Return to the queue every claim whose SLA has passed (the beat sweep calls this)."""
    with transaction.atomic():
        lapsed = list(
            TurnitinCycle.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=CycleStatus.AWAITING_REPORT, claim_expires_at__lt=timezone.now())
            .select_related("checker")[:limit]
        )
        for cycle in lapsed:
            back_to_queue(cycle, f"no report within the {settings.HW_TURNITIN_CLAIM_SLA_SECONDS // 60} minute answer time")
    return len(lapsed)


def locked_cycle(cycle_id: int) -> TurnitinCycle:
    try:
        return TurnitinCycle.objects.select_for_update(of=("self",)).select_related("run", "checker").get(pk=cycle_id)
    except (TurnitinCycle.DoesNotExist, ValueError, TypeError):
        raise CycleNotFound(f"there is no Turnitin job {cycle_id!r}") from None


def submit_report(
    cycle_id: int, *, by, report: bytes, highlighted: bytes | None = None, submission_id: str, via: str = "workbench"
) -> Submission:
    """Store a checker's report for a cycle and resume the run. Idempotent on `submission_id`.

    Refused, with nothing stored or changed: unreadable or wrong-type files, a report of another
    draft version, a second report for a cycle that has one, a job claimed by someone else.
    """
    submission_id = (submission_id or "").strip()[:100]
    if not submission_id:
        raise CycleError("a submission id is required (it makes a repeated upload harmless)")
    earlier = TurnitinCycle.objects.filter(submission_id=submission_id).first()
    if earlier is not None:
        return repeated_submission(earlier, cycle_id)
    cycle = TurnitinCycle.objects.select_related("run").filter(pk=cycle_id).first()
    if cycle is None:
        raise CycleNotFound(f"there is no Turnitin job {cycle_id!r}")
    check_reportable(cycle, by, via)
    parsed = parse_report(report, max_bytes=settings.HW_TURNITIN_REPORT_MAX_BYTES, max_pages=settings.HW_TURNITIN_REPORT_MAX_PAGES)
    extra = parse_highlighted_docx(highlighted, max_bytes=settings.HW_TURNITIN_REPORT_MAX_BYTES) if highlighted else []
    findings = findings_for(cycle, parsed, extra)
    try:
        with transaction.atomic():
            cycle = locked_cycle(cycle_id)
            check_reportable(cycle, by, via)
            store_report(cycle, by, parsed, findings, report, highlighted, submission_id)
            resumed = resume_cycle(cycle)
    except IntegrityError:
        # Two uploads with one submission id raced: the other one won; answer as it did.
        earlier = TurnitinCycle.objects.filter(submission_id=submission_id).first()
        if earlier is None:
            raise
        return repeated_submission(earlier, cycle_id)
    return Submission(cycle, created=True, resumed=resumed)


def repeated_submission(earlier: TurnitinCycle, cycle_id: int) -> Submission:
    if str(earlier.pk) != str(cycle_id):
        raise CycleError(f"submission id already used for {earlier.reference}; each upload needs its own")
    return Submission(earlier, created=False, resumed=False)


def check_reportable(cycle: TurnitinCycle, by, via: str) -> None:
    if cycle.report_id is not None:
        uploaded = cycle.report_uploaded_at.strftime("%Y-%m-%d %H:%M UTC")
        raise CycleError(
            f"{cycle.reference} already has a report (uploaded {uploaded}); it was kept. "
            "The revised draft comes back to the queue as a new job."
        )
    if cycle.status not in REPORTABLE_STATUSES:
        raise CycleError(f"{cycle.reference} is {cycle.get_status_display().lower()}; it takes no report")
    if via == "workbench" and not (by.is_staff or (cycle.status == CycleStatus.AWAITING_REPORT and cycle.checker_id == by.pk)):
        raise NotAllowed(f"{cycle.reference} is not claimed by you; claim a job before uploading its report")


def findings_for(cycle: TurnitinCycle, parsed: ParsedReport, extra: list[Passage]) -> dict:
    """Locate the highlighted passages in the exact draft sent; refuse reports of another draft."""
    codes = [f"HW-R{run}-C{number}" for run, number in parsed.references]
    if codes and cycle.reference not in codes:
        raise WrongDraft(
            f"this report is for draft {', '.join(codes)}, but this job is {cycle.reference}; "
            "upload the report of the draft you downloaded for this job"
        )
    indexes, texts = sent_sections(cycle)
    located, unlocated = locate([*parsed.passages, *extra], texts, settings.HW_TURNITIN_LOCATE_MIN_SCORE)
    searched = len(located) + sum(1 for item in unlocated if item["why"].startswith("not found"))
    if searched and len(located) * 2 < searched:
        raise WrongDraft(
            f"only {len(located)} of {searched} highlighted passages were found in draft {cycle.reference}; "
            "the report seems to be for another draft version"
        )
    for item in located:
        item["section"] = indexes[item["section"]]
    return {"located": located, "unlocated": unlocated, "sources": match_sources(parsed.sources, cycle.run_id)}


def sent_sections(cycle: TurnitinCycle) -> tuple[list[int], list[str]]:
    indexes = sorted(int(name.rsplit("-", 1)[1]) for name in cycle.draft)
    rows = Artifact.objects.filter(run_id=cycle.run_id, name__in=list(cycle.draft)).values_list("name", "version", "content")
    contents = {name: content for name, version, content in rows if cycle.draft[name] == version}
    return indexes, [contents[f"section-{index}"] for index in indexes]


def store_report(
    cycle, by, parsed: ParsedReport, findings: dict, report: bytes, highlighted: bytes | None, submission_id: str
) -> None:
    summary = f"Turnitin report for {cycle.reference}: {parsed.similarity:g}% similarity"
    outputs = [
        ArtifactOut(
            f"turnitin-report-{cycle.number}", summary, kind="turnitin_report", content_type=parsed.content_type, binary=report
        )
    ]
    if highlighted:
        outputs.append(
            ArtifactOut(f"turnitin-highlighted-{cycle.number}", summary, kind="turnitin_highlighted", binary=highlighted)
        )
    references = store_artifacts(cycle.run, None, outputs)
    stored = {
        item.name: item
        for item in Artifact.objects.filter(run=cycle.run, name__in=list(references))
        if item.version == references[item.name]
    }
    cycle.report = stored[f"turnitin-report-{cycle.number}"]
    cycle.highlighted_docx = stored.get(f"turnitin-highlighted-{cycle.number}")
    cycle.status = CycleStatus.REPORT_READY
    cycle.observed_similarity = parsed.similarity
    cycle.ai_writing_score = parsed.ai_writing
    cycle.reported_by = by
    cycle.submission_id = submission_id
    cycle.report_uploaded_at = timezone.now()
    cycle.parsed = {
        "kind": parsed.kind, "pages": parsed.pages, "similarity": parsed.similarity, "ai_writing": parsed.ai_writing,
        "ai_display": parsed.ai_display, "turnitin_submission": parsed.submission_id, "sources": findings["sources"],
        "flagged": findings["located"], "unlocated": findings["unlocated"],
        "passages": [{"text": item.text[:1000], "source": item.source} for item in parsed.passages][:200],
    }  # fmt: skip
    cycle.save()
    message = (
        f"Report for {cycle.reference} uploaded by {who(by)}: "
        f"similarity {parsed.similarity:g}% (target {cycle.target_similarity:g}%), "
        f"AI-writing indicator {parsed.ai_display} (shown, never a target); {len(findings['located'])} flagged passage(s) located, "
        f"{len(findings['unlocated'])} not located"
    )
    service_event(cycle.run, "turnitin", message, cycle=cycle.number, similarity=parsed.similarity)
    notifications.notify_report(cycle)


def resume_cycle(cycle: TurnitinCycle) -> bool:
    """Continue the run at `reflect` with the parsed report in its state, if it waits for this
    cycle; otherwise (e.g. paused) the sweep resumes it later. Call inside a transaction."""
    run = Run.objects.select_for_update().get(pk=cycle.run_id)
    human = run.state.get("human", {})
    if run.status != RunStatus.WAITING_HUMAN or human.get("kind") != "turnitin" or human.get("cycle") != cycle.number:
        return False
    report = {
        "similarity": cycle.observed_similarity, "ai_writing": cycle.ai_writing_score, "draft": cycle.draft,
        "flagged": cycle.parsed["flagged"], "unlocated": len(cycle.parsed["unlocated"]), "sources": cycle.parsed["sources"][:20],
        "cycle_id": cycle.pk,
    }  # fmt: skip
    answers = {"turnitin_cycle": cycle.number, "similarity": cycle.observed_similarity}
    answer_run(
        run.pk, answers, by=f"checker {who(cycle.reported_by)}", state_delta={"turnitin": {"reports": {str(cycle.number): report}}}
    )
    cycle.status = CycleStatus.ITERATING
    cycle.resumed_at = timezone.now()
    cycle.save(update_fields=["status", "resumed_at", "updated_at"])
    return True
