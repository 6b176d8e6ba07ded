"""scripts/audit_deps.py's decisions, against a local 127.0.0.1 server replaying PyPI-style JSON
(tests/fixtures/pypi/: the file for /pypi/<name>[/<version>]/json is that path with "/" -> "_"
plus ".json"; anything else is 404, as pypi.org answers an unknown release). The script runs as
CI runs it: a subprocess."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "tests" / "fixtures" / "pypi"


class ReplayPyPI(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        recorded = RECORDED / (self.path.strip("/").replace("/", "_") + ".json")
        body = recorded.read_bytes() if recorded.is_file() else b'{"message": "Not Found"}'
        self.send_response(200 if recorded.is_file() else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def index():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ReplayPyPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def audit(tmp_path: Path, index: str, *pins: str, required: bool = False) -> subprocess.CompletedProcess:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pinned\n" + "\n".join(pins) + "\n")
    command = [sys.executable, str(ROOT / "scripts" / "audit_deps.py"), str(requirements), "--index-url", index, "--timeout", "5"]
    return subprocess.run(command + (["--required"] if required else []), capture_output=True, text=True, timeout=60)


def test_a_vulnerable_pin_with_a_fix_fails_naming_the_advisory_and_the_fix(tmp_path, index):
    result = audit(tmp_path, index, "parserlib==2.0.0", "cleanlib==1.0")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL  parserlib==2.0.0: PYSEC-2026-101, CVE-2026-10001, GHSA-aaaa-bbbb-cccc: fixed in 2.0.1." in result.stdout
    assert "audit FAILED: upgrade parserlib (pinned 2.0.0)" in result.stdout


def test_a_vulnerability_without_a_fix_warns_and_passes(tmp_path, index):
    result = audit(tmp_path, index, "templater==3.1")
    assert result.returncode == 0, result.stdout
    assert "WARN  templater==3.1: PYSEC-2026-202, CVE-2026-20002: no fixed release yet." in result.stdout


def test_a_fix_only_on_an_older_branch_is_no_fix_for_the_pin(tmp_path, index):
    result = audit(tmp_path, index, "oldbranch==2.0.0")
    assert result.returncode == 0 and "WARN  oldbranch==2.0.0: PYSEC-2026-102" in result.stdout


def test_a_withdrawn_advisory_is_ignored(tmp_path, index):
    result = audit(tmp_path, index, "cleanlib==1.0")
    assert result.returncode == 0 and "PYSEC-2026-303" not in result.stdout
    assert "1 pins, 1 checked, 0 with a fixable vulnerability" in result.stdout


def test_without_per_release_data_a_pin_that_is_the_latest_release_is_checked_from_the_project(tmp_path, index):
    result = audit(tmp_path, index, "latestonly==5.0")
    assert result.returncode == 1
    assert "latestonly" in result.stdout and "fixed in 5.0.1" in result.stdout
    assert [line.split() for line in result.stdout.splitlines() if line.startswith("latestonly ")] == [
        ["latestonly", "5.0", "latest", "fixable"]
    ]


def test_a_pin_nobody_can_check_is_reported_loudly_and_fails_only_when_required(tmp_path, index):
    result = audit(tmp_path, index, "behind==3.0", "cleanlib==1.0", "loose>=1.0")
    assert result.returncode == 0
    assert "dependency audit NOT RUN for 1 of 2 pins" in result.stderr and "3.0 is not the latest release (4.0)" in result.stderr
    assert "WARN  not pinned with == (not audited): requirements.txt: loose>=1.0" in result.stdout
    assert audit(tmp_path, index, "behind==3.0", required=True).returncode == 2


def test_an_unreachable_index_means_the_audit_did_not_run(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = audit(tmp_path, closed, "cleanlib==1.0")
    assert result.returncode == 0 and "dependency audit NOT RUN at all for 1 of 1 pins" in result.stderr
    assert audit(tmp_path, closed, "cleanlib==1.0", required=True).returncode == 2


def test_a_missing_requirements_file_is_a_clear_cli_error(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit_deps.py"), str(tmp_path / "nope.txt")], capture_output=True, text=True
    )
    assert result.returncode == 2 and "no such requirements file" in result.stderr and "Traceback" not in result.stderr
