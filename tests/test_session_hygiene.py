"""The test session leaves nothing behind that could block the next one on this machine."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import DIE_WITH_PARENT, wait_for

# A stand-in for the test session: starts a long-lived child the way Workers.start does (its own
# session, through DIE_WITH_PARENT), prints the child's pid, then waits to be killed.
SESSION = (
    "import os, subprocess, sys, time; child = subprocess.Popen([sys.executable, '-c', sys.argv[1], str(os.getpid()), "
    "'-c', 'import time; time.sleep(120)'], start_new_session=True); print(child.pid, flush=True); time.sleep(120)"
)


def gone(pid: int) -> bool:
    """No such process, or only its zombie (whoever adopted it has not reaped it yet)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return any(line.startswith("State:") and line.split()[1] in {"Z", "X"} for line in status.splitlines())


def test_a_worker_dies_with_the_session_that_started_it_even_when_that_is_killed():
    # given a session that started a child the way the worker fixture does
    session = subprocess.Popen([sys.executable, "-c", SESSION, DIE_WITH_PARENT], stdout=subprocess.PIPE, text=True)
    child = int(session.stdout.readline())
    wait_for(lambda: "time.sleep" in Path(f"/proc/{child}/cmdline").read_text(), 10, 0.02, "the child to be running")

    # when the session is SIGKILLed (no fixture teardown runs)
    session.kill()
    session.wait(10)

    # then the kernel ends the child too
    wait_for(lambda: gone(child), 10, 0.05, f"process {child} to end with its parent")
