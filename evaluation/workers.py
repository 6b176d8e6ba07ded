"""A pool of real Celery worker processes (prefork, with an embedded beat for the lease reaper and
the Turnitin sweep), started as subprocesses: the harness's and the tests' worker pool.

Each worker is its own process group and is killed by the kernel if the process that started it
dies (even by SIGKILL: no cleanup runs then), so an orphan never keeps eating queued steps.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# `python -c DIE_WITH_PARENT PARENT_PID ARGS...` asks the kernel to SIGKILL the process when its
# parent dies (even by SIGKILL, e.g. a CI timeout: no fixture teardown runs), then execs
# `python ARGS...`; a parent already gone by then ends it at once. An orphaned worker would keep
# the database open and eat another session's tasks. Celery's prefork children already die with
# their parent (celery.concurrency.prefork).
DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys; ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL); "
    "os.getppid() == int(sys.argv[1]) or os._exit(1); os.execv(sys.executable, [sys.executable, *sys.argv[2:]])"
)


class WaitTimedOut(AssertionError):
    """A condition did not hold in time (an AssertionError so a test reports it as a failure)."""


def wait_for(predicate: Callable[[], object], timeout: float = 60.0, interval: float = 0.1, what: str = "condition"):
    """Poll until `predicate()` is truthy and return it; raise WaitTimedOut naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise WaitTimedOut(f"timed out after {timeout:.0f} s waiting for {what}")


def dies_with_this_process(*python_args: str) -> list[str]:
    """The command line of `python *python_args`, killed by the kernel when this process dies."""
    return [sys.executable, "-c", DIE_WITH_PARENT, str(os.getpid()), *python_args]


class WorkerFailed(RuntimeError):
    """A worker exited before it was ready; the message ends with its log."""


class WorkerPool:
    """Celery worker subprocesses with the environment `env` (the whole environment they get)."""

    def __init__(self, log_dir: Path, env: dict[str, str], name: str = "test", ready_timeout: float = 60.0) -> None:
        self.log_dir = Path(log_dir)
        self.ready_timeout = ready_timeout
        self.env = dict(env)
        self.name = name
        self.processes: list[subprocess.Popen] = []
        self.started = 0

    def start(self, concurrency: int = 2, beat: bool = True, extra_env: dict | None = None,
              pool: str = "prefork") -> subprocess.Popen:
        self.started += 1
        log = self.log_dir / f"worker-{self.started}.log"
        command = dies_with_this_process(
            "-m", "celery", "-A", "handywriterz", "worker", "--loglevel=INFO", f"--pool={pool}", f"--concurrency={concurrency}",
            f"--hostname={self.name}{self.started}@%h", "--without-mingle", "--without-gossip",
        )  # fmt: skip
        if beat:
            command += ["-B", "-s", str(self.log_dir / f"beat-schedule-{self.started}")]
        process = subprocess.Popen(
            command, cwd=ROOT, env={**self.env, **(extra_env or {})}, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        try:
            wait_for(lambda: "ready." in log.read_text(errors="replace") or process.poll() is not None,
                     self.ready_timeout, 0.2, "worker ready")
        except WaitTimedOut:
            self.kill(process)
            raise WorkerFailed(f"worker not ready after {self.ready_timeout:g} s (see {log})") from None
        if process.poll() is not None:
            self.processes.remove(process)
            raise WorkerFailed(f"worker exited early:\n{log.read_text(errors='replace')[-3000:]}")
        return process

    def alive(self) -> list[subprocess.Popen]:
        return [process for process in self.processes if process.poll() is None]

    def owning(self, pid: int) -> subprocess.Popen | None:
        """The worker whose process group holds `pid` (a pool child runs the steps)."""
        try:
            group = os.getpgid(pid)
        except ProcessLookupError:
            return None
        return next((process for process in self.alive() if process.pid == group), None)

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the worker and its pool children: no warm shutdown, nothing acknowledged."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        self.processes.remove(process)

    def stop_all(self) -> None:
        for process in list(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(5)
            self.processes.remove(process)
