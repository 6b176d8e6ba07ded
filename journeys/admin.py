from django.contrib import admin

from journeys.costs import cost_summary
from journeys.memory.lessons import retire_lessons
from journeys.models import Artifact, Event, Lesson, ProviderCall, Run, Step, UserProfile


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = ("seq", "node", "route", "attempt", "tokens", "cost_usd", "duration_seconds", "error")
    readonly_fields = fields
    show_change_link = True


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ("seq", "kind", "message", "created_at")
    readonly_fields = fields


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "journey", "status", "route", "seq", "used_tokens", "used_usd", "resume_at", "created_at")
    list_filter = ("status", "journey")
    search_fields = ("goal", "user__username")
    readonly_fields = ("seq", "attempt", "state", "lease_owner", "lease_expires_at", "resume_at", "used_tokens", "used_seconds",
                       "used_usd")
    inlines = [StepInline, EventInline]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ("run", "seq", "node", "route", "tokens", "duration_seconds")
    readonly_fields = [field.name for field in Step._meta.fields]


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ("run", "name", "version", "kind", "size", "created_at")
    readonly_fields = [field.name for field in Artifact._meta.fields]


@admin.register(ProviderCall)
class ProviderCallAdmin(admin.ModelAdmin):
    """Every provider try with its cost; the changelist heads with totals per provider and per
    user over the filtered calls (e.g. filter by date to see today's spend)."""

    list_display = ("created_at", "run", "user", "seq", "provider", "deployment", "outcome", "prompt_tokens",
                    "completion_tokens", "cost_usd", "latency_ms")
    list_filter = ("outcome", "provider", "deployment", "created_at")
    search_fields = ("user__username", "deployment", "model", "run__id")
    list_select_related = ("run", "user")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in ProviderCall._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            calls = changelist.queryset
            response.context_data["cost_by_provider"] = cost_summary(calls, "provider", 20)
            response.context_data["cost_by_user"] = cost_summary(calls, "user", 20)
        return response
@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    """Operators review what the agents learned and retire lessons that are wrong or stale."""

    list_display = ("id", "kind", "status", "short_text", "topic", "run", "uses", "last_used_at", "created_at")
    list_filter = ("status", "kind", "journey")
    search_fields = ("text", "topic")
    actions = ["retire_selected"]
    readonly_fields = (
        "kind", "topic", "text", "data", "embedding_model", "embedding_dimensions", "run", "journey", "step_seqs",
        "event_ids", "status", "retired_at", "retired_by", "uses", "last_used_at", "created_at",
    )
    exclude = ("embedding",)

    @admin.display(description="lesson")
    def short_text(self, lesson: Lesson) -> str:
        return lesson.text[:120]

    @admin.action(description="Retire the selected lessons (agents stop using them; they stay stored)")
    def retire_selected(self, request, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = retire_lessons(ids, by=request.user.get_username(), reason="retired in admin")
        self.message_user(request, f"Retired {count} lesson(s).")


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "citation_style", "level", "updated_at")
    search_fields = ("user__username",)
    readonly_fields = ("fingerprint", "drafts", "updated_at")
