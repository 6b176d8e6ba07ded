"""`manage.py eval run` as a developer runs it (a real subprocess, only PostgreSQL and Redis up):
it brings up its own fake APIs and workers in an isolated child, prints the table, stores the
results and exits 0 only when every task passed; bad input is one line and exit 2."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from evaluation.models import EvalResult, EvalRun, Trigger
from tests.conftest import ROOT, subprocess_env

HERE = Path(__file__).resolve().parent
PASSING = HERE / "tasks" / "small_essay.yaml"
FAILING = HERE / "failing" / "unanswered_question.yaml"


def eval_run(*args: str, timeout: float = 800) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "eval", "run", *args], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


def table_rows(stdout: str) -> dict[str, list[str]]:
    lines = stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("task "))
    rows = {}
    for line in lines[start + 2:]:
        if not line.strip():
            break
        rows[line.split()[0]] = line.split()
    return rows


@pytest.mark.slow
@pytest.mark.timeout(900)  # worker start-up and a real run: minutes on a busy 2-core box
def test_a_passing_task_prints_its_row_and_exits_zero(transactional_db, tmp_path):
    out = tmp_path / "results.json"

    result = eval_run(str(PASSING), "--json", str(out))

    assert result.returncode == 0, result.stdout + result.stderr
    header = next(line for line in result.stdout.splitlines() if line.startswith("task "))
    for column in ("result", "first unmet expectation", "steps", "retries", "tokens", "cost", "wall", "routes"):
        assert column in header
    row = table_rows(result.stdout)["small_essay"]
    assert row[1] == "pass" and row[2] == "-"
    assert "1 passed, 0 failed" in result.stdout
    payload = json.loads(out.read_text())
    assert payload["passed"] is True and payload["results"][0]["status"] == "succeeded"
    assert "finalize" in payload["results"][0]["routes"] and payload["results"][0]["steps"] > 5


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_failing_task_is_shown_with_its_first_unmet_expectation_and_the_exit_is_one(transactional_db):
    result = eval_run(str(PASSING), str(FAILING))

    assert result.returncode == 1, result.stdout + result.stderr
    rows = table_rows(result.stdout)
    assert rows["small_essay"][1] == "pass"
    assert rows["unanswered_question"][1] == "FAIL"
    assert "status: expected succeeded, got waiting_human" in result.stdout
    assert "1 passed, 1 failed" in result.stdout and "Traceback" not in result.stdout + result.stderr

    # and the results are stored: one EvalRun, one EvalResult per task, with the run they made
    evaluation = EvalRun.objects.get()
    assert (evaluation.trigger, evaluation.tasks_total, evaluation.tasks_passed) == (Trigger.CLI, 2, 1)
    assert evaluation.finished_at is not None and evaluation.error == ""
    passed, failed = EvalResult.objects.get(task="small_essay"), EvalResult.objects.get(task="unanswered_question")
    assert passed.passed and passed.status == "succeeded" and passed.run.status == "succeeded"
    assert passed.steps == passed.run.steps.count() and passed.tokens == passed.run.used_tokens > 0
    assert not failed.passed and failed.status == "waiting_human"
    assert failed.first_unmet.startswith("status: expected succeeded, got waiting_human")
    assert failed.notes == ["the run waits for a human and the task has no answer left"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere/at/all.yaml"], "no such task file or directory: nowhere/at/all.yaml"),
        ([str(HERE / "test_taskfile.py")], "invalid YAML in"),
        ([str(PASSING), "--json", "/nonexistent-dir/out.json"], "--json: no such directory /nonexistent-dir"),
    ],
)
def test_bad_paths_and_invalid_files_get_one_clear_line_and_exit_two(db, args, message):
    result = eval_run(*args, timeout=120)

    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_an_invalid_task_file_names_the_field(db, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(PASSING.read_text().replace("seed: 1", "seed: 1\nfautls: []").replace(
        "../../fixtures", str(ROOT / "tests" / "fixtures")))

    result = eval_run(str(broken), timeout=120)

    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"CommandError: unknown key 'fautls' in {broken}; allowed: ") or \
        f"unknown key 'fautls' in {broken}; allowed: " in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unmigrated_database_gets_one_clear_line_not_a_traceback(db):
    # given an empty database (nothing migrated) on the same server
    env = subprocess_env()
    server, test_name = env["DATABASE_URL"].rsplit("/", 1)
    name = f"{test_name}_empty"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{server}/{name}"
    try:
        # when a developer runs a task against it
        result = subprocess.run([sys.executable, "manage.py", "eval", "run", str(PASSING)], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # then it says to migrate first, in one line, and runs nothing
    assert result.returncode == 2
    assert "run `python manage.py migrate` first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr
