"""The chaos run at CI size (bench/chaos.py --ci): 20 runs of 6 users on a private PostgreSQL and
Redis, worker processes SIGKILLed every few seconds, Redis and PostgreSQL each restarted once,
the API probed all along. It starts its own services on free ports, so it disturbs neither the
shared services nor this session's test database; it runs as a subprocess and reports JSON."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def chaos(tmp_path_factory) -> dict:
    report = tmp_path_factory.mktemp("chaos") / "chaos.json"
    process = subprocess.Popen([sys.executable, "bench/chaos.py", "--ci", "--json", str(report)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=420)
    except subprocess.TimeoutExpired:
        process.terminate()  # SIGTERM: the chaos run stops its private PostgreSQL and Redis
        output, _ = process.communicate(timeout=60)
    assert report.exists(), f"the chaos run did not report:\n{output[-5000:]}"
    result = json.loads(report.read_text())
    result["output"] = output[-4000:]
    return result


pytestmark = [pytest.mark.slow, pytest.mark.timeout(540)]


def test_the_chaos_run_really_injected_its_faults(chaos):
    # given the CI-sized chaos run, then workers were killed and both services went down
    assert chaos["kills"] >= 3, chaos["output"]
    assert chaos["redis_down_seconds"] >= 3 and chaos["pg_down_seconds"] >= 3, chaos["output"]
    assert chaos["probes"].get("redis") and chaos["probes"].get("postgres"), chaos["output"]


def test_every_run_ends_succeeded_despite_killed_workers_and_restarted_services(chaos):
    assert chaos["unexpected_status"] == 0 and chaos["statuses"] == {"succeeded": chaos["runs"]}, chaos["output"]
    assert chaos["workers_exited_on_their_own"] == 0, "a worker exited when a service restarted"


def test_each_run_seq_is_written_once_with_no_gap(chaos):
    assert chaos["duplicate_steps"] == 0 and chaos["seq_gaps"] == 0, chaos["output"]


def test_no_event_is_lost_or_duplicated(chaos):
    assert chaos["lost_events"] == 0 and chaos["duplicate_events"] == 0, chaos["output"]


def test_no_side_effect_is_lost_or_duplicated(chaos):
    # artifacts and deliverable files (the sketch journey's outside effects) were checked
    assert chaos["side_effects"]["artifacts"] > 0 and chaos["side_effects"]["deliverable files"] > 0
    assert chaos["lost_side_effects"] == 0 and chaos["duplicate_side_effects"] == 0, chaos["output"]
    assert chaos["problems"] == [], chaos["problems"]


def test_the_api_never_answers_500_and_is_served_while_redis_is_down(chaos):
    # requests are filed under the outage they *started* in
    assert all("500" not in codes for codes in chaos["probes"].values()), chaos["probes"]
    assert set(chaos["probes"]["redis"]) == {"200"}, chaos["probes"]
    assert set(chaos["probes"]["postgres"]) <= {"200", "503"}, chaos["probes"]
