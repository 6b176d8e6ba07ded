"""A step whose worker cannot reach PostgreSQL is sent again with backoff, not dropped for the
reaper; a web request that cannot reach it is answered 503 with Retry-After, not 500. Real
PostgreSQL refusing the logins of a role (it loses LOGIN, its sessions are ended); a real worker
process with no beat (no reaper could rescue the run); the production web server (gunicorn)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import httpx
import pytest

from journeys import services
from journeys.models import Event, RunStatus, Step
from tests.conftest import Workers, dies_with_this_process, subprocess_env, wait_for
from tests.test_engine import GOAL, assert_each_seq_once, wait_until_ended


def test_a_step_that_cannot_reach_the_database_is_retried_with_backoff(workers, flaky_role, script, student, tmp_path):
    # given only one worker, without a beat, logging in as a role PostgreSQL can refuse
    workers.stop_all()
    flaky = Workers(tmp_path, env={"DATABASE_URL": flaky_role.database_url(), "HW_STEP_DB_RETRY_BACKOFF_SECONDS": "1"})
    flaky.start(beat=False)
    try:
        # when PostgreSQL refuses it while a run's first step is sent, and lets it in 4 s later
        flaky_role.allow(False)
        run = services.start_run(student, "sketch", GOAL, words=300, spec={"sections": 2})
        log = tmp_path / "worker-1.log"
        wait_for(lambda: "Retry in" in log.read_text(errors="replace"), 30, 0.2, "the step's first retry")
        time.sleep(4)
        flaky_role.allow(True)

        # then the worker's own retries claim the step and finish the run; no reaper re-offered it
        wait_until_ended(run, timeout=120)
        assert run.status == RunStatus.SUCCEEDED, run.status_reason
        assert_each_seq_once(run)
        assert not Event.objects.filter(run=run, kind="recovered").exists()
        assert "OperationalError" in log.read_text(errors="replace")
    finally:
        flaky.stop_all()


def test_a_step_whose_database_dies_mid_step_is_taken_up_again_by_its_retry_not_after_its_lease(
        workers, flaky_role, script, student, tmp_path):
    # given one worker without a beat (no reaper), with leases far longer than the test, whose
    # second step makes a slow model call
    workers.stop_all()
    flaky = Workers(tmp_path, env={"DATABASE_URL": flaky_role.database_url(), "HW_STEP_DB_RETRY_BACKOFF_SECONDS": "1",
                                   "HW_STEP_LEASE_SECONDS": "600"})
    flaky.start(beat=False)
    script.push("write_section", text="A slow but fine section. " * 20, latency=4)
    try:
        run = services.start_run(student, "sketch", GOAL, words=300, spec={"sections": 2})

        def in_slow_step():
            run.refresh_from_db()
            return run.lease_owner and run.seq >= 1 and not Step.objects.filter(run=run, seq=run.seq).exists()

        wait_for(in_slow_step, 60, 0.05, "the slow step to start")
        claimed_seq, first_owner = run.seq, run.lease_owner

        # when PostgreSQL ends the worker's sessions mid-step and refuses it for 3 s
        flaky_role.allow(False)
        log = tmp_path / "worker-1.log"
        wait_for(lambda: "Retry in" in log.read_text(errors="replace"), 30, 0.2, "the step's retry")
        time.sleep(3)
        flaky_role.allow(True)

        # then the retry takes its own lease up again and the run finishes, long before that lease
        # could have expired (and with no reaper to re-offer it anyway)
        wait_until_ended(run, timeout=120)
        assert run.status == RunStatus.SUCCEEDED, run.status_reason
        assert_each_seq_once(run)
        step = Step.objects.get(run=run, seq=claimed_seq)
        assert step.attempt >= 2 and first_owner
        assert not Event.objects.filter(run=run, kind="recovered").exists()
    finally:
        flaky.stop_all()


@pytest.fixture
def web_as_flaky_role(flaky_role, tmp_path):
    """The production web server (gunicorn, as the Procfile runs it) logging in as the flaky role."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "web.log").open("w")
    server = subprocess.Popen(
        dies_with_this_process("-m", "gunicorn", "handywriterz.wsgi", "--bind", f"127.0.0.1:{port}", "--worker-class",
                               "gthread", "--workers", "1", "--threads", "4"),
        env={**subprocess_env(), "DATABASE_URL": flaky_role.database_url()}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def listening():
        try:
            return httpx.get(f"{base}/accounts/login/", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(listening, 60, 0.2, "gunicorn listening")
        yield base
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)


def test_while_the_database_refuses_the_web_server_every_surface_answers_503_with_retry_after(web_as_flaky_role, flaky_role):
    # given requests that need the database: a token exchange (API) and a signed-in page (portal)
    def token():
        return httpx.post(f"{web_as_flaky_role}/api/v2/auth/token", data={"username": "nobody", "password": "x" * 12}, timeout=10)

    def runs_page():
        return httpx.get(f"{web_as_flaky_role}/runs/", cookies={"sessionid": "a" * 32}, timeout=10)

    assert token().status_code == 400 and runs_page().status_code == 302  # the database answers

    # when PostgreSQL refuses the server's connections
    flaky_role.allow(False)
    api, page = token(), runs_page()

    # then both answer 503 with Retry-After and a message saying it is transient, not 500
    assert api.status_code == 503, api.text[:300]
    assert api.headers["Retry-After"] == "5" and "retry" in api.json()["detail"]
    assert page.status_code == 503, page.text[:300]
    assert page.headers["Retry-After"] == "5" and "briefly unavailable" in page.text

    # and once it lets them in again, the same requests get their ordinary answers
    flaky_role.allow(True)
    assert token().status_code == 400 and runs_page().status_code == 302
