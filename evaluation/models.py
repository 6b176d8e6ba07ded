"""Stored evaluation results: one EvalRun per suite run, one EvalResult per task in it.

The admin's trends (pass rate, retries, cost per success, steps per task over time) are
aggregates over these rows (evaluation/trends.py)."""
from __future__ import annotations

from decimal import Decimal

from django.db import models


class Trigger(models.TextChoices):
    CLI = "cli", "Command line"
    NIGHTLY = "nightly", "Nightly schedule"
    CI = "ci", "Continuous integration"
    TEST = "test", "Test suite"


class EvalRun(models.Model):
    """One run of a suite (a set of task files)."""

    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.CLI)
    paths = models.JSONField(default=list, help_text="The task files and directories asked for.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    tasks_total = models.IntegerField(default=0)
    tasks_passed = models.IntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the suite could not run to its end, if it did not.")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["trigger", "-started_at"], name="evalrun_trigger_started")]

    def __str__(self) -> str:
        return f"evaluation {self.pk} ({self.trigger}, {self.tasks_passed}/{self.tasks_total} passed)"

    @property
    def pass_rate(self) -> float | None:
        return self.tasks_passed / self.tasks_total if self.tasks_total else None

    @property
    def passed(self) -> bool:
        return bool(self.finished_at) and not self.error and self.tasks_total > 0 and self.tasks_passed == self.tasks_total


class EvalResult(models.Model):
    """One task of an EvalRun: passed or not, the first unmet expectation, and its figures."""

    eval_run = models.ForeignKey(EvalRun, on_delete=models.CASCADE, related_name="results")
    task = models.CharField(max_length=120)
    path = models.CharField(max_length=500)
    passed = models.BooleanField()
    first_unmet = models.TextField(blank=True)
    unmet = models.JSONField(default=list)
    status = models.CharField(max_length=30, help_text="The run's end status.")
    run = models.ForeignKey("journeys.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    steps = models.IntegerField(default=0)
    retries = models.IntegerField(default=0)
    tokens = models.IntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    wall_seconds = models.FloatField(default=0.0)
    routes = models.JSONField(default=list)
    measures = models.JSONField(default=dict, help_text="Everything measured (words, sources, similarity ...).")
    notes = models.JSONField(default=list, help_text="What the harness did on the way (workers killed ...).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["eval_run_id", "id"]
        constraints = [models.UniqueConstraint(fields=["eval_run", "task"], name="evalresult_run_task_unique")]
        indexes = [models.Index(fields=["task", "-created_at"], name="evalresult_task_created")]

    def __str__(self) -> str:
        return f"{self.task}: {'pass' if self.passed else 'FAIL'}"
