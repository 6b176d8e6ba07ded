"""Running a suite and storing its results — the one path of the CLI and the nightly task.

`run_suite(paths, ...)` validates the task files, then runs them in an isolated child process
(evaluation.environment); inside it, `execute_suite` runs the harness and records an EvalRun
with one EvalResult per task as each one ends.
"""
from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from evaluation import environment, harness
from evaluation.harness import TaskResult
from evaluation.models import EvalResult, EvalRun
from evaluation.taskfile import EvalTask, load_tasks

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def run_suite(paths: list[str], *, trigger: str, json_out: Path | None = None, output: IO[str] | None = None) -> int:
    """Validate, then run the tasks isolated; 0: every task passed, 1: some failed.
    Raises TaskFileError (nothing started) for bad paths or invalid task files."""
    load_tasks(paths)
    return environment.run_in_child(paths, json_out=json_out, trigger=trigger, output=output)


def run_suite_for_record(paths: list[str], trigger: str) -> EvalRun:
    """run_suite, returning the EvalRun the child stored (the nightly task's entry point)."""
    with tempfile.TemporaryDirectory(prefix="eval-json-") as directory:
        out = Path(directory) / "results.json"
        code = run_suite(paths, trigger=trigger, json_out=out)
        if not out.exists():
            raise RuntimeError(f"the evaluation ended with exit code {code} and wrote no results")
        return EvalRun.objects.get(pk=json.loads(out.read_text())["eval_run"])


def begin_eval_run(tasks: list[EvalTask], paths: list[str], trigger: str) -> EvalRun:
    return EvalRun.objects.create(trigger=trigger, paths=[str(path) for path in paths], tasks_total=len(tasks))


def record_result(eval_run: EvalRun, result: TaskResult) -> EvalResult:
    measures = result.measures
    with transaction.atomic():
        row = EvalResult.objects.create(
            eval_run=eval_run, task=result.name, path=result.path, passed=result.passed,
            first_unmet=result.first_unmet, unmet=result.unmet, status=measures.status, run_id=result.run_id,
            steps=measures.steps, retries=measures.retries, tokens=measures.tokens,
            cost_usd=Decimal(str(measures.cost_usd)).quantize(Decimal("0.000001")), wall_seconds=result.wall_seconds,
            routes=measures.routes, measures=measures.as_dict(), notes=result.notes,
        )  # fmt: skip
        if result.passed:
            EvalRun.objects.filter(pk=eval_run.pk).update(tasks_passed=F("tasks_passed") + 1)
    return row


def finish_eval_run(eval_run: EvalRun, error: str = "") -> EvalRun:
    EvalRun.objects.filter(pk=eval_run.pk).update(finished_at=timezone.now(), error=error[:5000])
    eval_run.refresh_from_db()
    return eval_run


def execute_suite(tasks: list[EvalTask], paths: list[str], trigger: str, on_result=None) -> tuple[EvalRun, list[TaskResult]]:
    """In the isolated child: run the harness and store every result as it comes."""
    eval_run = begin_eval_run(tasks, paths, trigger)

    def store(result: TaskResult) -> None:
        record_result(eval_run, result)
        if on_result:
            on_result(result)

    try:
        results = harness.run_suite(tasks, label=str(eval_run.pk), on_result=store)
    except BaseException as error:
        finish_eval_run(eval_run, f"{type(error).__name__}: {error}")
        raise
    return finish_eval_run(eval_run), results
