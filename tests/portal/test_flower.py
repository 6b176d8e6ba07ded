"""Flower, started exactly as the Procfile starts it, answers nobody without the basic-auth
credentials from FLOWER_BASIC_AUTH: not the dashboard, not its HTTP API."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.conftest import ROOT, subprocess_env, wait_for


def procfile_command(name: str) -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"the Procfile has no {name!r} process")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_flower_from_the_procfile_requires_its_basic_auth(redis_client, tmp_path: Path):
    # given Flower started by the Procfile's command with credentials in the environment
    port = free_port()
    env = {
        **subprocess_env(), "FLOWER_PORT": str(port), "FLOWER_BASIC_AUTH": "ops:a-long-flower-secret",
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    env.pop("FLOWER_UNAUTHENTICATED_API", None)
    log = tmp_path / "flower.log"
    command = procfile_command("flower") + " --address=127.0.0.1"
    process = subprocess.Popen(
        ["bash", "-c", f"exec {command}"], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        def answering():
            assert process.poll() is None, log.read_text()[-2000:]
            try:
                return requests.get(base, timeout=2).status_code
            except requests.ConnectionError:
                return None

        wait_for(answering, 60, 0.3, "Flower to listen")

        # when it is asked without, with wrong and with the right credentials
        anonymous = [requests.get(f"{base}{path}", timeout=5).status_code for path in ("/", "/api/workers", "/api/tasks")]
        wrong = requests.get(f"{base}/", auth=("ops", "guess"), timeout=5).status_code
        right = requests.get(f"{base}/", auth=("ops", "a-long-flower-secret"), timeout=5).status_code

        # then only the right credentials get in
        assert anonymous == [401, 401, 401]
        assert wrong == 401
        assert right == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(15)


def test_the_procfile_refuses_to_start_flower_without_credentials():
    env = {key: value for key, value in os.environ.items() if key != "FLOWER_BASIC_AUTH"}
    result = subprocess.run(["bash", "-c", f"exec {procfile_command('flower')}"], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode != 0 and "set FLOWER_BASIC_AUTH" in result.stderr
