"""Evaluations in the admin: every suite run with its aggregates (pass rate, retries, cost per
success, steps), its per-task results, trend charts over runs and each task's history."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from evaluation import trends
from evaluation.models import EvalResult, EvalRun


class EvalResultInline(admin.TabularInline):
    model = EvalResult
    extra = 0
    can_delete = False
    fields = ("task_link", "passed", "first_unmet", "status", "steps", "retries", "tokens", "cost_usd", "wall_seconds",
              "run")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="task")
    def task_link(self, row: EvalResult) -> str:
        return format_html("<a href='{}'>{}</a>", reverse("admin:evaluation_evalrun_task", args=[row.task]), row.task)


@admin.register(EvalRun)
class EvalRunAdmin(admin.ModelAdmin):
    list_display = ("id", "started_at", "trigger", "passed_of_total", "pass_rate_shown", "retries", "cost_per_success",
                    "steps", "wall", "error_shown")
    list_filter = ("trigger",)
    readonly_fields = ("trigger", "paths", "started_at", "finished_at", "tasks_total", "tasks_passed", "error")
    inlines = [EvalResultInline]
    change_list_template = "admin/evaluation/evalrun/change_list.html"

    def get_queryset(self, request: HttpRequest):
        return trends.with_aggregates(super().get_queryset(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="passed")
    def passed_of_total(self, run: EvalRun) -> str:
        return f"{run.passed_count}/{run.tasks_total}"

    @admin.display(description="pass rate")
    def pass_rate_shown(self, run: EvalRun) -> str:
        return f"{run.passed_count / run.result_count:.0%}" if run.result_count else "-"

    @admin.display(description="retries")
    def retries(self, run: EvalRun) -> int:
        return run.retries_total or 0

    @admin.display(description="cost per success (USD)")
    def cost_per_success(self, run: EvalRun) -> str:
        value = trends.cost_per_success(run.cost_total, run.passed_count)
        return "-" if value is None else f"{value:.6f}"

    @admin.display(description="steps")
    def steps(self, run: EvalRun) -> int:
        return run.steps_total or 0

    @admin.display(description="wall (s)")
    def wall(self, run: EvalRun) -> str:
        return f"{run.wall_total or 0:.0f}"

    @admin.display(description="error")
    def error_shown(self, run: EvalRun) -> str:
        return run.error[:80]

    def get_urls(self):
        own = [
            path("trends/", self.admin_site.admin_view(self.trends_view), name="evaluation_evalrun_trends"),
            path("task/<str:task>/", self.admin_site.admin_view(self.task_view), name="evaluation_evalrun_task"),
        ]
        return own + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context=None):
        points = trends.run_points(limit=30)
        extra = {**(extra_context or {}), "charts": trends.run_charts(points)}
        return super().changelist_view(request, extra_context=extra)

    def trends_view(self, request: HttpRequest) -> HttpResponse:
        points = trends.run_points(limit=60)
        context = {**self.admin_site.each_context(request), "title": "Evaluation trends", "points": points,
                   "charts": trends.run_charts(points), "tasks": trends.task_summaries()}
        return TemplateResponse(request, "admin/evaluation/evalrun/trends.html", context)

    def task_view(self, request: HttpRequest, task: str) -> HttpResponse:
        history = trends.task_history(task)
        context = {**self.admin_site.each_context(request), "title": f"Task {task}", "task": task, "history": history,
                   "charts": trends.task_charts(history)}
        return TemplateResponse(request, "admin/evaluation/evalrun/task.html", context)


@admin.register(EvalResult)
class EvalResultAdmin(admin.ModelAdmin):
    list_display = ("task", "eval_run", "passed", "first_unmet", "status", "steps", "retries", "tokens", "cost_usd",
                    "wall_seconds", "created_at")
    list_filter = ("passed", "task", "status")
    list_select_related = ("eval_run",)
    search_fields = ("task", "first_unmet")
    readonly_fields = [field.name for field in EvalResult._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
