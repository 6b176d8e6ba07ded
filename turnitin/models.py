"""Turnitin cycles: one human check of one exact draft version of a run.

States (turnitin.services are the only writers):

    pending_upload  -> awaiting_report -> report_ready -> iterating -> done
      (in the queue)    (a checker holds it) (report in)   (run revising)  (closed)
    pending_upload / awaiting_report -> expired (nobody completed it in time)
    any open state -> cancelled (the run ended or an operator cancelled it)

A claim that outlives its SLA goes back from awaiting_report to pending_upload.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

CHECKER_GROUP = "checker"


class CycleStatus(models.TextChoices):
    PENDING_UPLOAD = "pending_upload"
    AWAITING_REPORT = "awaiting_report"
    REPORT_READY = "report_ready"
    ITERATING = "iterating"
    DONE = "done"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset(
    {CycleStatus.PENDING_UPLOAD, CycleStatus.AWAITING_REPORT, CycleStatus.REPORT_READY, CycleStatus.ITERATING}
)
# States in which a report may still be accepted for the cycle.
REPORTABLE_STATUSES = frozenset({CycleStatus.PENDING_UPLOAD, CycleStatus.AWAITING_REPORT})


class TurnitinCycle(models.Model):
    """One check: the draft version sent, the checker, the report and what was parsed from it."""

    run = models.ForeignKey("journeys.Run", on_delete=models.CASCADE, related_name="turnitin_cycles")
    number = models.PositiveSmallIntegerField(help_text="1 for the first check of the run, 2 for the next ...")
    reference = models.CharField(max_length=40, unique=True, help_text="HW-R<run>-C<number>: names the draft version.")
    status = models.CharField(max_length=20, choices=CycleStatus.choices, default=CycleStatus.PENDING_UPLOAD)
    outcome = models.CharField(max_length=30, blank=True, help_text="passed, revised, target_not_met, unlocatable ...")
    handoff_seq = models.IntegerField(help_text="The step that sent the draft.")
    # The exact draft sent: section artifact versions, and the stored Markdown and DOCX.
    draft = models.JSONField(help_text='Section artifact versions, e.g. {"section-0": 2}.')
    draft_text = models.ForeignKey("journeys.Artifact", on_delete=models.PROTECT, related_name="+")
    draft_docx = models.ForeignKey("journeys.Artifact", on_delete=models.PROTECT, related_name="+")
    draft_filename = models.CharField(max_length=120)
    draft_words = models.IntegerField(default=0)
    target_similarity = models.FloatField()
    observed_similarity = models.FloatField(null=True, blank=True)
    ai_writing_score = models.FloatField(null=True, blank=True, help_text="Shown to people; never a target.")

    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="turnitin_claims"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    releases = models.PositiveIntegerField(default=0, help_text="Claims that lapsed or were given back.")

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="turnitin_reports"
    )
    submission_id = models.CharField(max_length=100, null=True, blank=True, unique=True, help_text="Idempotency key of the upload.")
    report = models.ForeignKey("journeys.Artifact", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    highlighted_docx = models.ForeignKey("journeys.Artifact", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    parsed = models.JSONField(default=dict, blank=True, help_text="Percentages, sources and located passages.")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    report_uploaded_at = models.DateTimeField(null=True, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="turnitin_cycle_run_number_unique"),
            models.CheckConstraint(
                condition=Q(status="awaiting_report", checker__isnull=False) | ~Q(status="awaiting_report"),
                name="turnitin_cycle_claim_has_checker",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="turnitin_cycle_queue"),
            models.Index(fields=["status", "claim_expires_at"], name="turnitin_cycle_claim_sla"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CheckerProfile(models.Model):
    """Per-checker settings. The role itself is membership of the Django group "checker"."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checker_profile")
    max_active_claims = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Jobs this checker may hold at once; empty = HW_TURNITIN_MAX_ACTIVE_CLAIMS."
    )
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"checker {self.user}"


class Notification(models.Model):
    """An email to a student or checker, written in the transaction that caused it (outbox) and
    sent after commit; unsent ones are retried by the sweep."""

    cycle = models.ForeignKey(TurnitinCycle, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    recipient = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["sent_at", "attempts"], name="turnitin_notification_outbox")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"


class WebhookReceipt(models.Model):
    """Signatures of accepted webhook requests: the same signed request is never accepted twice."""

    signature = models.CharField(max_length=64, unique=True)
    submission_id = models.CharField(max_length=100)
    run_id = models.BigIntegerField()
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"webhook {self.submission_id} for run {self.run_id}"
