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
    result = journey("start", "--journey", "write", "--goal", "Write about green roofs in cities",
                     "--words", "200", "--sections", "2", "--follow", "--json")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    final = json.loads(lines[-1])
    assert final["status"] == "succeeded"
    assert any(line.startswith("[") and "100%" in line for line in lines)
    assert any("verdict" in line for line in lines)
    status = journey_json("status", str(final["run_id"]))
    assert status["seq"] == 6 and status["deliverables"][0].endswith("essay.md")
    assert status["usage"]["tokens"] > 0 and status["budgets"]["usd"] == 2.0


def test_pause_resume_and_abort_from_the_cli(worker, script, student):
    # given two runs whose sections are slow to write
    for _ in range(30):
        script.push("write_section", text="Slow words for a slow section. " * 10, latency=1.0)
    started = [journey_json("start", "--journey", "write", "--goal", f"Essay {index} on rivers", "--words", "800",
                            "--sections", "8") for index in range(2)]
    paused, aborted = (Run.objects.get(pk=item["run_id"]) for item in started)

    # when the second is aborted and the first paused once it is under way
    assert journey_json("abort", str(aborted.pk))["status"] == "aborted"
    wait_for(lambda: Step.objects.filter(run=paused).count() >= 2, 30, what="the first run to get going")
    assert journey_json("pause", str(paused.pk))["status"] == "paused"

    # then the paused run stops advancing (after the step in flight), and resumes to the end
    def settled():
        paused.refresh_from_db()
        return not paused.lease_owner

    wait_for(settled, 20, what="the in-flight step to finish")
    frozen_at = Step.objects.filter(run=paused).count()
    time.sleep(2)  # long enough for several steps, had the run not been paused
    assert Step.objects.filter(run=paused).count() == frozen_at
    assert journey("resume", str(paused.pk), "--json").returncode == 0
    wait_for(lambda: Run.objects.get(pk=paused.pk).status == RunStatus.SUCCEEDED, 60, what="the resumed run to finish")
    aborted.refresh_from_db()
    assert aborted.status == RunStatus.ABORTED and not aborted.artifacts.filter(name="deliverable").exists()
    resumed_again = journey("resume", str(paused.pk))
    assert resumed_again.returncode != 0 and "only paused runs can be resumed" in resumed_again.stderr
