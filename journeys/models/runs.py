"""Runs, their step checkpoints, their human-readable events and their artifacts.

State rules live here (fat models, thin services): which statuses are terminal, which may be
paused or resumed. The engine (journeys.engine) and the services (journeys.services) are the only
writers.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING_HUMAN = "waiting_human"
    WAITING_CHILDREN = "waiting_children"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ABORTED = "aborted"
    BUDGET_EXHAUSTED = "budget_exhausted"


TERMINAL_STATUSES = frozenset(
    {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.ABORTED, RunStatus.BUDGET_EXHAUSTED}
)
# Statuses in which a step message may be claimed and executed.
STEPPABLE_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING})
PAUSABLE_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.WAITING_HUMAN, RunStatus.WAITING_CHILDREN})


class Run(models.Model):
    """One goal of one user, driven step by step by the engine."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    journey = models.CharField(max_length=40)
    goal = models.TextField()
    spec = models.JSONField(default=dict, blank=True)
    # The validated policy as it was when the run started: editing a policy file never changes
    # the rules of a run already in flight.
    policy = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    status_reason = models.TextField(blank=True)
    route = models.CharField(max_length=40, default="plan")
    seq = models.IntegerField(default=0)
    attempt = models.IntegerField(default=0, help_text="Claims of the current seq so far.")
    state = models.JSONField(default=dict, blank=True)

    limit_tokens = models.BigIntegerField()
    limit_seconds = models.FloatField()
    limit_usd = models.DecimalField(max_digits=12, decimal_places=6)
    used_tokens = models.BigIntegerField(default=0)
    used_seconds = models.FloatField(default=0.0)
    used_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))

    lease_owner = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    priority = models.SmallIntegerField(default=0, help_text="Order among the same user's waiting runs.")
    weight = models.SmallIntegerField(default=1, help_text="Tier weight: multiplies the user's step slots.")
    # Set when the system paused the run (every LLM provider down, a user's daily budget spent):
    # the reaper resumes it then. An operator's pause leaves it empty: only a human resumes.
    resume_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "lease_expires_at"], name="run_status_lease"),
            models.Index(fields=["user", "-created_at"], name="run_user_created"),
            models.Index(fields=["status", "resume_at"], name="run_status_resume"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(limit_tokens__gte=0), name="run_limit_tokens_nonneg"),
            models.CheckConstraint(condition=Q(limit_seconds__gte=0), name="run_limit_seconds_nonneg"),
            models.CheckConstraint(condition=Q(limit_usd__gte=0), name="run_limit_usd_nonneg"),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.journey}, {self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def exhausted_budget(self) -> str | None:
        """The name of the first budget used up, or None while every budget has room."""
        if self.used_tokens >= self.limit_tokens:
            return "tokens"
        if self.used_seconds >= self.limit_seconds:
            return "seconds"
        if self.used_usd >= self.limit_usd:
            return "usd"
        return None

    def budget_view(self) -> dict:
        return {
            "limits": {
                "tokens": self.limit_tokens,
                "seconds": self.limit_seconds,
                "usd": float(self.limit_usd),
            },
            "used": {
                "tokens": self.used_tokens,
                "seconds": round(self.used_seconds, 3),
                "usd": float(self.used_usd),
            },
        }


class Step(models.Model):
    """The checkpoint of one node execution. Storage grows with the delta, not the state."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    seq = models.IntegerField()
    node = models.CharField(max_length=60)
    route_in = models.CharField(max_length=40)
    attempt = models.IntegerField(default=1)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    delta = models.JSONField(default=dict, blank=True)
    observation = models.JSONField(default=dict, blank=True)
    verdict = models.JSONField(default=dict, blank=True)
    route = models.CharField(max_length=40, help_text="The route the node chose next.")
    tokens = models.IntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    duration_seconds = models.FloatField(default=0.0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="step_run_seq_unique")]

    def __str__(self) -> str:
        return f"step {self.seq} of run {self.run_id} ({self.node} -> {self.route})"


class Event(models.Model):
    """A human-readable line of a run's history: what was done and why."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    # The step that produced it; None for events written by services (pause, resume, ...).
    seq = models.IntegerField(null=True, blank=True)
    index = models.SmallIntegerField(default=0)
    kind = models.CharField(max_length=40)
    message = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "seq", "index"],
                condition=Q(seq__isnull=False),
                name="event_run_seq_index_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"


class Artifact(models.Model):
    """Large text produced by a run (outline, sections, drafts, deliverables), versioned by name.

    The run's state holds only references (name -> version): the claim-check pattern.
    """

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="artifacts")
    name = models.CharField(max_length=120)
    version = models.IntegerField()
    kind = models.CharField(max_length=40, default="text")
    content_type = models.CharField(max_length=100, default="text/markdown")
    content = models.TextField(blank=True)
    # Binary deliverables (DOCX, PDF, PPTX) live in the database too, so any web machine can
    # serve them; the exported file under HW_DELIVERABLES_DIR is a convenience copy.
    blob = models.BinaryField(null=True, blank=True)
    size = models.IntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    step_seq = models.IntegerField(null=True, blank=True)
    path = models.CharField(max_length=500, blank=True, help_text="Exported file, if any.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name", "version"], name="artifact_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} of run {self.run_id}"
