"""The chaos run's private stack: its own PostgreSQL and Redis (scripts/services.sh with its own
HW_STATE_DIR and ports), Celery workers, one beat and one web server, all started, killed and
restarted here without touching the shared services other people use."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "scripts" / "services.sh"
# `python -c DIE_WITH_PARENT PARENT_PID ARGS...`: the kernel SIGKILLs the process when the chaos
# run dies (even by SIGKILL), then it execs `python ARGS...` (as tests/conftest.py does).
DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys; ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL); "
    "os.getppid() == int(sys.argv[1]) or os._exit(1); os.execv(sys.executable, [sys.executable, *sys.argv[2:]])"
)
# The shell's service variables would make services.sh treat a service as external.
EXTERNAL_SWITCHES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"chaos: timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class PrivateStack:
    """PostgreSQL + Redis in `state_dir`, on free ports; `env()` is what every process gets."""

    state_dir: Path
    settings_env: dict[str, str]
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/handywriterz"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def env(self) -> dict[str, str]:
        base = {key: value for key, value in os.environ.items() if key not in EXTERNAL_SWITCHES}
        return {**base, **self.settings_env, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                "PYTHONUNBUFFERED": "1"}

    def service(self, action: str, which: str = "") -> None:
        env = {key: value for key, value in os.environ.items() if key not in EXTERNAL_SWITCHES}
        env.update(HW_STATE_DIR=str(self.state_dir), HW_EMBEDDED_PG_PORT=str(self.pg_port),
                   HW_REDIS_PORT=str(self.redis_port))
        command = ["bash", str(SERVICES), action, *([which] if which else [])]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
        if done.returncode:
            raise SystemExit(f"chaos: services.sh {action} {which} failed:\n{done.stderr[-2000:]}")

    def migrate(self) -> None:
        done = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=self.env(),
                              capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise SystemExit(f"chaos: migrate failed:\n{done.stdout[-1500:]}{done.stderr[-1500:]}")


class Processes:
    """Workers (killed and restarted at random), the beat (the one reaper) and a web server."""

    def __init__(self, stack: PrivateStack, logs: Path, concurrency: int) -> None:
        self.stack, self.logs, self.concurrency = stack, logs, concurrency
        self.workers: list[subprocess.Popen] = []
        self.log_of: dict[int, Path] = {}
        self.others: list[subprocess.Popen] = []
        self.started = 0

    def spawn(self, name: str, args: list[str], ready: str | None) -> subprocess.Popen:
        log = self.logs / f"{name}.log"
        command = [sys.executable, "-c", DIE_WITH_PARENT, str(os.getpid()), *args]
        process = subprocess.Popen(command, cwd=ROOT, env=self.stack.env(), stdout=log.open("w"),
                                   stderr=subprocess.STDOUT, start_new_session=True)
        if ready:
            wait_until(lambda: ready in log.read_text(errors="replace") or process.poll() is not None, 90, f"{name} ready")
            if process.poll() is not None:
                raise SystemExit(f"chaos: {name} exited early; see {log}")
        return process

    def start_worker(self, wait: bool = True) -> subprocess.Popen:
        """A new worker; `wait=False` while a service is down (it cannot be ready until it is back)."""
        self.started += 1
        worker = self.spawn(f"worker-{self.started}", [
            "-m", "celery", "-A", "handywriterz", "worker", "--loglevel=INFO", f"--concurrency={self.concurrency}",
            f"--hostname=chaos{self.started}@%h", "--without-mingle", "--without-gossip"], "ready." if wait else None)
        self.workers.append(worker)
        self.log_of[worker.pid] = self.logs / f"worker-{self.started}.log"
        return worker

    def start_workers(self, count: int) -> None:
        """Start `count` workers at once (each needs seconds of CPU to boot) and wait for all."""
        first = self.started + 1
        for _ in range(count):
            self.start_worker(wait=False)
        logs = [self.logs / f"worker-{number}.log" for number in range(first, first + count)]
        wait_until(lambda: all("ready." in log.read_text(errors="replace") for log in logs), 180, "workers ready")

    def start_beat(self) -> None:
        self.others.append(self.spawn("beat", [
            "-m", "celery", "-A", "handywriterz", "beat", "--loglevel=INFO",
            "-s", str(self.logs / "beat-schedule")], "beat: Starting"))

    def start_web(self, port: int) -> None:
        self.others.append(self.spawn("web", ["manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], None))
        wait_until(lambda: port_open(port), 90, "web server listening")

    def ready_workers(self) -> list[subprocess.Popen]:
        """Workers that have booted (their log says ready) and are still alive."""
        return [process for process in self.workers if process.poll() is None
                and "ready." in self.log_of[process.pid].read_text(errors="replace")]

    def kill_random_worker(self, rng: random.Random) -> bool:
        """SIGKILL one booted worker and its pool children (no warm shutdown, nothing acked) and
        start a replacement. Only while two or more are up, so one always keeps stepping: killing
        workers that are still booting would test nothing but boot time. True if one was killed."""
        ready = self.ready_workers()
        if len(ready) < 2:
            return False
        victim = rng.choice(ready)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(10)
        self.workers.remove(victim)
        self.start_worker(wait=False)
        return True

    def workers_exited(self) -> list[int]:
        """Workers that ended on their own (not killed by us): a worker must survive outages."""
        gone = [process for process in self.workers if process.poll() is not None]
        for process in gone:
            self.workers.remove(process)
        return [process.pid for process in gone]

    def stop_all(self) -> None:
        for process in [*self.workers, *self.others]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*self.workers, *self.others]:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.workers, self.others = [], []
