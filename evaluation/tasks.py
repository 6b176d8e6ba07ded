"""Celery tasks of the evaluation app (thin: one service call each)."""
from __future__ import annotations

from celery import shared_task
from django.conf import settings

from evaluation import services
from evaluation.models import Trigger


@shared_task(name="evaluation.tasks.run_eval_suite_task", time_limit=settings.HW_EVAL_SUITE_TIMEOUT_SECONDS + 120)
def run_eval_suite_task(paths: list[str] | None = None, trigger: str = Trigger.NIGHTLY) -> int:
    """Run the suite (default: HW_EVAL_SUITE_DIR) isolated, like `manage.py eval run`; returns
    the EvalRun id. Not acks_late: a suite run is long and not idempotent (a redelivery would
    run it twice); a lost night is caught by the next one."""
    return services.run_suite_for_record(paths or [str(settings.HW_EVAL_SUITE_DIR)], trigger).pk
