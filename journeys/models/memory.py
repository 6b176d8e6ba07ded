"""Long-term memory: lessons distilled from finished runs, and each student's profile.

A Lesson is semantic memory: one thing a run showed (which providers and queries found sources
for a topic, how a tool was repaired, which revision strategy lowered similarity, which plan met
the gates first time), embedded by its topic so a later run on a similar topic retrieves it. It
keeps its provenance (run, step seqs, event ids) and an operator can retire it.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from journeys.models.evidence import EMBEDDING_DIMENSIONS


class LessonKind(models.TextChoices):
    RESEARCH = "research"  # providers and queries that found good sources for a topic
    TOOL_REPAIR = "tool_repair"  # a tool that failed, and how it was repaired (or rolled back)
    REVISION = "revision"  # revision strategies and what they did to similarity
    PLAN = "plan"  # a plan shape that met the gates first time (or why one was revised)


class LessonStatus(models.TextChoices):
    ACTIVE = "active"
    RETIRED = "retired"


class Lesson(models.Model):
    kind = models.CharField(max_length=20, choices=LessonKind.choices)
    topic = models.TextField(help_text="The topic it was learned on; retrieval compares topics.")
    text = models.TextField(help_text="The lesson as agents and operators read it.")
    data = models.JSONField(default=dict, blank=True, help_text="What the agents act on (providers, queries ...).")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=120, blank=True)
    embedding_dimensions = models.SmallIntegerField(null=True, blank=True)
    # Provenance: the run, and the step seqs and events it rests on.
    run = models.ForeignKey("journeys.Run", on_delete=models.SET_NULL, null=True, blank=True, related_name="lessons")
    journey = models.CharField(max_length=40, blank=True)
    step_seqs = models.JSONField(default=list, blank=True)
    event_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=LessonStatus.choices, default=LessonStatus.ACTIVE)
    retired_at = models.DateTimeField(null=True, blank=True)
    retired_by = models.CharField(max_length=150, blank=True)
    retired_reason = models.TextField(blank=True)
    uses = models.IntegerField(default=0, help_text="Steps that acted on it.")
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One lesson of a kind per run and topic: re-distilling a run (a redelivered task) updates it.
            models.UniqueConstraint(fields=["run", "kind", "topic"], name="lesson_run_kind_topic_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="lesson_status_kind"),
            HnswIndex(name="lesson_embedding_hnsw", fields=["embedding"], m=16, ef_construction=64,
                      opclasses=["vector_cosine_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} lesson {self.pk}: {self.text[:60]}"

    @property
    def is_active(self) -> bool:
        return self.status == LessonStatus.ACTIVE

    def retire(self, by: str, reason: str = "") -> None:
        self.status = LessonStatus.RETIRED
        self.retired_at = timezone.now()
        self.retired_by = by[:150]
        self.retired_reason = reason
        self.save(update_fields=["status", "retired_at", "retired_by", "retired_reason"])


class UserProfile(models.Model):
    """What the system remembers about one student: preferences and a writing fingerprint."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="writing_profile")
    citation_style = models.CharField(max_length=20, blank=True, help_text="Their usual style (last chosen explicitly).")
    level = models.CharField(max_length=20, blank=True)
    fingerprint = models.JSONField(default=dict, blank=True, help_text="agents.memory.profile.fingerprint, merged over drafts.")
    drafts = models.JSONField(default=list, blank=True, help_text="Upload sources already measured (ids), so none counts twice.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"profile of {self.user_id}"
