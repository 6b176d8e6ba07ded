"""The operator console (Django admin): runs with their steps and events, a readable replay of
the decisions, and the actions operators need: pause, resume, abort, raise a budget, re-run
from a step. Every action goes through journeys.services, like the portal, API and CLI."""
from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from journeys import console, services
from journeys.costs import cost_summary
from journeys.memory.lessons import retire_lessons
from journeys.models import Artifact, Event, Lesson, ProviderCall, Run, Step, UserProfile


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    classes = ["collapse"]
    fields = ("seq", "node", "route_in", "route", "attempt", "tokens", "cost_usd", "duration_seconds", "error")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    classes = ["collapse"]
    fields = ("seq", "kind", "message", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def by(request: HttpRequest) -> str:
    return f"operator {request.user.get_username()}"


def apply_to_selected(modeladmin, request, queryset, action, verb: str) -> None:
    done, refused = 0, []
    for run_id in queryset.values_list("pk", flat=True):
        try:
            action(run_id, by=by(request))
            done += 1
        except services.InvalidRequest as error:
            refused.append(str(error))
    if done:
        modeladmin.message_user(request, f"{verb} {done} run(s).", messages.SUCCESS)
    for reason in refused[:10]:
        modeladmin.message_user(request, reason, messages.WARNING)


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "journey", "status", "route", "seq", "used_tokens", "used_usd", "resume_at", "created_at")
    list_filter = ("status", "journey", "created_at")
    search_fields = ("goal", "user__username")
    list_select_related = ("user",)
    readonly_fields = (
        "user", "parent", "journey", "goal", "spec", "status", "status_reason", "route", "seq", "attempt", "state",
        "limit_tokens", "limit_seconds", "limit_usd", "used_tokens", "used_seconds", "used_usd",
        "lease_owner", "lease_expires_at", "weight", "created_at", "started_at", "finished_at", "priority", "resume_at",
    )
    fieldsets = (
        (None, {"fields": ("user", "parent", "journey", "goal", "spec", "status", "status_reason", "resume_at", "route", "seq",
                           "priority")}),
        ("Budgets", {"fields": (("limit_tokens", "used_tokens"), ("limit_seconds", "used_seconds"), ("limit_usd", "used_usd"))}),
        ("Engine", {"classes": ["collapse"], "fields": ("attempt", "lease_owner", "lease_expires_at", "weight", "state")}),
        ("Times", {"classes": ["collapse"], "fields": ("created_at", "started_at", "finished_at")}),
    )
    inlines = [StepInline, EventInline]
    actions = ["pause_selected", "resume_selected", "abort_selected"]
    change_form_template = "admin/journeys/run/change_form.html"
    change_list_template = "admin/journeys/run/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False  # runs start through the portal, the API or the CLI (journeys.services)

    @admin.action(description="Pause selected runs")
    def pause_selected(self, request, queryset) -> None:
        apply_to_selected(self, request, queryset, services.pause_run, "Paused")

    @admin.action(description="Resume selected runs")
    def resume_selected(self, request, queryset) -> None:
        apply_to_selected(self, request, queryset, services.resume_run, "Resumed")

    @admin.action(description="Abort selected runs")
    def abort_selected(self, request, queryset) -> None:
        apply_to_selected(self, request, queryset, services.abort_run, "Aborted")

    def get_urls(self):
        own = [
            path("costs/", self.admin_site.admin_view(self.costs_view), name="journeys_run_costs"),
            path("policies/", self.admin_site.admin_view(self.policies_view), name="journeys_run_policies"),
            path("<id:run_id>/control/<str:action>/", self.admin_site.admin_view(self.control_view), name="journeys_run_control"),
            path("<id:run_id>/raise-budget/", self.admin_site.admin_view(self.raise_budget_view), name="journeys_run_raise_budget"),
            path("<id:run_id>/fork/<int:seq>/", self.admin_site.admin_view(self.fork_view), name="journeys_run_fork"),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if run is not None:
            extra["replay"], extra["service_events"] = console.decision_replay(run)
            extra["portal_url"] = reverse("portal:run-detail", args=[run.pk])
        return super().change_view(request, object_id, form_url, extra_context=extra)

    @property
    def controls(self) -> dict:
        return {"pause": services.pause_run, "resume": services.resume_run, "abort": services.abort_run}

    def control_view(self, request: HttpRequest, run_id: int, action: str) -> HttpResponse:
        return require_POST(self._control)(request, run_id, action)

    def _control(self, request: HttpRequest, run_id: int, action: str) -> HttpResponse:
        run = get_object_or_404(Run, pk=run_id)
        if action not in self.controls or not self.has_change_permission(request, run):
            return HttpResponse(status=403)
        try:
            self.controls[action](run.pk, by=by(request))
        except services.InvalidRequest as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, f"Run {run.pk}: {action} done.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:journeys_run_change", args=[run.pk]))

    def raise_budget_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        run = get_object_or_404(Run, pk=run_id)
        if not self.has_change_permission(request, run):
            return HttpResponse(status=403)
        form = console.RaiseBudgetForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            increase = services.BudgetRequest(tokens=data.get("tokens"), seconds=data.get("seconds"), usd=data.get("usd"))
            try:
                services.raise_budget(run.pk, increase, by=by(request))
            except services.InvalidRequest as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, f"Run {run.pk}: budget raised.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:journeys_run_change", args=[run.pk]))
        context = {**self.admin_site.each_context(request), "run": run, "form": form, "opts": self.model._meta,
                   "title": f"Raise the budget of run {run.pk}"}
        return TemplateResponse(request, "admin/journeys/run/raise_budget.html", context)

    def fork_view(self, request: HttpRequest, run_id: int, seq: int) -> HttpResponse:
        return require_POST(self._fork)(request, run_id, seq)

    def _fork(self, request: HttpRequest, run_id: int, seq: int) -> HttpResponse:
        run = get_object_or_404(Run, pk=run_id)
        if not self.has_change_permission(request, run):
            return HttpResponse(status=403)
        try:
            fork = services.fork_run_from_step(run.pk, seq, by=by(request))
        except services.InvalidRequest as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:journeys_run_change", args=[run.pk]))
        self.message_user(request, f"Run {fork.pk} re-runs run {run.pk} from step {seq}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:journeys_run_change", args=[fork.pk]))

    def costs_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "rows": console.cost_per_user(), "opts": self.model._meta,
                   "title": "Cost per user"}
        return TemplateResponse(request, "admin/journeys/run/costs.html", context)

    def policies_view(self, request: HttpRequest) -> HttpResponse:
        context = {**self.admin_site.each_context(request), "policies": console.policy_summaries(), "opts": self.model._meta,
                   "title": "Journey policies"}
        return TemplateResponse(request, "admin/journeys/run/policies.html", context)


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ("run", "seq", "node", "route_in", "route", "tokens", "duration_seconds")
    list_select_related = ("run",)
    readonly_fields = [field.name for field in Step._meta.fields]


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ("run", "name", "version", "kind", "size", "created_at")
    list_select_related = ("run",)
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
