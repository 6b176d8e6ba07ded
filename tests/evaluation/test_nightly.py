"""The nightly suite: a django-celery-beat PeriodicTask made by a data migration, whose task runs
the suite through the same service as the CLI and stores its results."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from evaluation.models import EvalResult, EvalRun, Trigger
from evaluation.tasks import run_eval_suite_task
from tests.conftest import wait_for

TINY = Path(__file__).resolve().parent / "tasks"


def test_migrating_creates_the_nightly_periodic_task(transactional_db):
    # given the evaluation app migrated back to before its data migration, then forward again
    call_command("migrate", "evaluation", "0001", verbosity=0)
    assert not PeriodicTask.objects.filter(task="evaluation.tasks.run_eval_suite_task").exists()
    call_command("migrate", "evaluation", verbosity=0)

    # then the beat schedule holds the nightly suite, enabled, on a daily crontab
    nightly = PeriodicTask.objects.get(task="evaluation.tasks.run_eval_suite_task")
    assert nightly.enabled and nightly.name == "evaluation: nightly suite"
    assert (nightly.crontab.minute, nightly.crontab.hour, nightly.crontab.day_of_week) == ("30", "3", "*")
    assert json.loads(nightly.kwargs) == {"trigger": "nightly"}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_nightly_task_runs_a_suite_on_a_worker_and_stores_its_results(worker):
    # when the nightly task is sent to a real worker, with a tiny suite
    run_eval_suite_task.delay(paths=[str(TINY)], trigger=Trigger.NIGHTLY)

    # then the worker runs it isolated, and an evaluation with its results is stored
    evaluation = wait_for(lambda: EvalRun.objects.filter(trigger=Trigger.NIGHTLY, finished_at__isnull=False).first(),
                          800, 1.0, "the nightly evaluation to finish")
    assert evaluation.error == ""
    assert (evaluation.tasks_total, evaluation.tasks_passed) == (1, 1)
    result = EvalResult.objects.get(eval_run=evaluation)
    assert result.task == "small_essay" and result.passed and result.run.status == "succeeded"
