"""The `journey` CLI, run as a real subprocess the way operators and the harness run it."""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from journeys.models import Run, RunStatus, Step
from tests.conftest import ROOT, subprocess_env, wait_for


def journey(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "journey", *args],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=timeout,
    )


def journey_json(*args: str) -> dict:
    result = journey(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["start", "--journey", "nonsense", "--goal", "Write an essay"], "unknown journey 'nonsense'; known journeys: "),
        (["start", "--journey", "write", "--goal", "   "], "the goal is empty"),
        (["start", "--journey", "write", "--goal", "x" * 51_200], "the goal is 51200 characters long; the limit is"),
        (["start", "--journey", "write", "--goal", "Write an essay", "--max-usd", "-1"], "the usd budget must be zero or more"),
        (["start", "--journey", "write", "--goal", "Write an essay", "--max-tokens", "-5"], "the tokens budget must be zero"),
        (["start", "--journey", "write", "--goal", "Write an essay", "--words", "0"], "the word target must be between"),
        (["status", "987654321"], "there is no run with id 987654321"),
        (["status", "abc"], "run id must be a number, got 'abc'"),
        (["pause", "987654321"], "there is no run with id 987654321"),
    ],
)
def test_bad_input_gets_one_clear_line_and_a_nonzero_exit(transactional_db, args, message):
    result = journey(*args)

    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1
    assert Run.objects.count() == 0


def test_start_follow_prints_progress_and_ends_with_the_final_status_as_json(worker, script):
    result = journey("start", "--journey", "sketch", "--goal", "Write about green roofs in cities",
                     "--words", "200", "--sections", "2", "--follow", "--json")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    final = json.loads(lines[-1])
    assert final["status"] == "succeeded"
    assert any(line.startswith("[") and "100%" in line for line in lines)
    assert any("verdict" in line for line in lines)
    status = journey_json("status", str(final["run_id"]))
    assert status["seq"] == 6 and any(path.endswith("essay.md") for path in status["deliverables"])
    assert status["usage"]["tokens"] > 0 and status["budgets"]["usd"] == 2.0


def test_pause_resume_and_abort_from_the_cli(worker, script, student):
    # given two runs whose first sections are held in flight by the model
    script.push("write_section", hold="first-sections", hold_max=300)
    script.push("write_section", hold="first-sections", hold_max=300)
    started = [journey_json("start", "--journey", "sketch", "--goal", f"Essay {index} on rivers", "--words", "300",
                            "--sections", "3") for index in range(2)]
    held, aborted = (Run.objects.get(pk=item["run_id"]) for item in started)

    def first_sections_in_flight():
        return all(run.seq == 1 and run.lease_owner for run in Run.objects.filter(pk__in=[held.pk, aborted.pk]))

    # when, with both steps in flight, the second is aborted and the first paused
    wait_for(first_sections_in_flight, 60, what="both runs' first sections to be in flight")
    assert journey_json("abort", str(aborted.pk))["status"] == "aborted"
    assert journey_json("pause", str(held.pk))["status"] == "paused"
    script.release("first-sections")

    # then the step in flight is kept, and the paused run goes no further
    wait_for(lambda: Step.objects.filter(run=held, seq=1).exists(), 60, what="the step in flight to finish")
    time.sleep(2)  # long enough for several steps, had the run not been paused
    held.refresh_from_db()
    assert (held.status, held.seq, Step.objects.filter(run=held).count()) == (RunStatus.PAUSED, 2, 2)

    # and resume carries it to the end; the aborted run never produced a deliverable
    assert journey_json("resume", str(held.pk))["status"] == "queued"
    wait_for(lambda: Run.objects.get(pk=held.pk).status == RunStatus.SUCCEEDED, 90, what="the resumed run to finish")
    aborted.refresh_from_db()
    assert aborted.status == RunStatus.ABORTED and not aborted.artifacts.filter(name="deliverable").exists()
    resumed_again = journey("resume", str(held.pk))
    assert resumed_again.returncode != 0 and "only paused runs can be resumed" in resumed_again.stderr
