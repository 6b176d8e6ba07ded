"""Request validation and response shapes of /api/v2. Validation here catches what a client got
wrong field by field; journeys.services re-checks what matters (goal, words, budgets)."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agents.taskspec import MAX_WORDS, MIN_WORDS
from journeys import reports
from journeys.models import Artifact, Run
from journeys.policies import known_journeys
from journeys.requests import CITATION_STYLES, LEVELS, MAX_MIN_SOURCES, MAX_RECENCY_YEARS, MAX_REGION_CHARS


class StartRunSerializer(serializers.Serializer):
    journey = serializers.ChoiceField(choices=[], help_text="Which journey to run, e.g. 'write'.")
    goal = serializers.CharField(max_length=settings.HW_GOAL_MAX_CHARS, help_text="What should be written, in your words.")
    words = serializers.IntegerField(required=False, min_value=MIN_WORDS, max_value=MAX_WORDS)
    style = serializers.ChoiceField(choices=CITATION_STYLES, required=False, help_text="Citation style.")
    level = serializers.ChoiceField(choices=LEVELS, required=False)
    region = serializers.CharField(required=False, allow_blank=True, max_length=MAX_REGION_CHARS)
    recency = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_RECENCY_YEARS, help_text="Prefer sources from the last N years."
    )
    min_sources = serializers.IntegerField(required=False, min_value=0, max_value=MAX_MIN_SOURCES)
    deadline = serializers.DateField(required=False)
    upload = serializers.FileField(required=False, help_text="A draft or reading (DOCX, PDF, TXT, Markdown); multipart only.")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["journey"].choices = [(name, name) for name in known_journeys()]

    def validate_goal(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("the goal contains a NUL character")
        return value

    def validate_deadline(self, value):
        if value < timezone.localdate():
            raise serializers.ValidationError("the deadline is in the past")
        return value


class BudgetSerializer(serializers.Serializer):
    tokens = serializers.FloatField()
    seconds = serializers.FloatField()
    usd = serializers.FloatField()


class BudgetsSerializer(serializers.Serializer):
    limits = BudgetSerializer()
    used = BudgetSerializer()


class QuestionSerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField()
    hint = serializers.CharField(allow_blank=True)


class WaitingSerializer(serializers.Serializer):
    kind = serializers.CharField()
    questions = QuestionSerializer(many=True)


class RunSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    budgets = serializers.SerializerMethodField()
    waiting = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = Run
        fields = [
            "id", "journey", "goal", "spec", "status", "status_reason", "route", "seq", "progress",
            "budgets", "waiting", "links", "created_at", "started_at", "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, run: Run) -> float:
        return float(run.state.get("progress", 0.0))

    @extend_schema_field(BudgetsSerializer)
    def get_budgets(self, run: Run) -> dict:
        return run.budget_view()

    @extend_schema_field(WaitingSerializer(allow_null=True))
    def get_waiting(self, run: Run) -> dict | None:
        question = reports.pending_question(run)
        if question is None:
            return None
        return {"kind": str(question.get("kind", "")), "questions": reports.question_items(question)}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_links(self, run: Run) -> dict[str, str]:
        names = ["run-events", "run-artifacts", "run-pause", "run-resume", "run-abort", "run-answer"]
        links = {name.removeprefix("run-"): reverse(f"api:{name}", args=[run.pk]) for name in names}
        links["portal"] = reverse("portal:run-detail", args=[run.pk])
        return links


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    message = serializers.CharField()
    data = serializers.JSONField()
    created_at = serializers.DateTimeField()


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    last_id = serializers.IntegerField()
    status = serializers.CharField()


class ArtifactSerializer(serializers.ModelSerializer):
    filename = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = Artifact
        fields = ["name", "version", "kind", "content_type", "size", "sha256", "step_seq", "filename", "download", "created_at"]
        read_only_fields = fields

    def get_filename(self, artifact: Artifact) -> str:
        return reports.artifact_filename(artifact)

    def get_download(self, artifact: Artifact) -> str:
        return reverse("api:run-artifact-download", args=[artifact.run_id, artifact.name]) + f"?version={artifact.version}"


class AnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.CharField(max_length=4000, allow_blank=True), allow_empty=False,
        help_text="Question id -> answer, for the questions in the run's `waiting` field.",
    )

    def validate_answers(self, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 50:
            raise serializers.ValidationError("too many answers (50 at most)")
        if any(len(key) > 100 for key in value):
            raise serializers.ValidationError("a question id is longer than 100 characters")
        return value


class AbortSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)
