"""The runner: each task on the real engine, one after another, in this (isolated) process.

For a suite it starts the fake scholarly APIs on 127.0.0.1 and a pool of real Celery workers;
for each task it serves the task's corpus, injects its faults, starts the run through
journeys.services (the path the CLI takes), plays the human, kills a worker when told, waits for
the run to end, then measures it from the database and checks every expectation.
Call it only in the child process that evaluation.environment sets up (`in_child()`).
"""
from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis
from django.conf import settings
from django.db import close_old_connections

from evaluation import faults, registry_tool
from evaluation.environment import in_child, provider_models
from evaluation.expectations import Measures, family, measure, unmet
from evaluation.fakes.scholarly_server import ScholarlyServer
from evaluation.human import ScriptedHuman
from evaluation.taskfile import EvalTask
from evaluation.workers import WorkerFailed, WorkerPool
from journeys import services, uploads
from journeys.models import TERMINAL_STATUSES, Run, RunStatus

POLL_SECONDS = 0.05


class NotIsolated(RuntimeError):
    """The harness was called outside its isolated child process."""


@dataclass
class TaskResult:
    name: str
    path: str
    passed: bool
    unmet: list[str]
    measures: Measures
    wall_seconds: float
    run_id: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def first_unmet(self) -> str:
        return self.unmet[0] if self.unmet else ""

    def as_dict(self) -> dict:
        return {
            "task": self.name, "path": self.path, "passed": self.passed, "first_unmet": self.first_unmet,
            "unmet": self.unmet, "run_id": self.run_id, "wall_seconds": round(self.wall_seconds, 2),
            "notes": self.notes, **self.measures.as_dict(),
        }  # fmt: skip


@dataclass
class Suite:
    """What the tasks share: the fake APIs, the worker pool (per model list), Redis."""

    server: ScholarlyServer
    log_dir: Path
    worker_env: dict[str, str]
    redis: redis.Redis
    label: str
    pool: WorkerPool | None = None
    models: list[str] = field(default_factory=list)

    def workers_for(self, models: list[str]) -> WorkerPool:
        """A running pool whose workers use `models` (restarted when a task needs others)."""
        if self.pool is not None and self.models == models and self.pool.alive():
            return self.pool
        self.stop_workers()
        env = {**self.worker_env, **self.server.env(), "HW_LLM_MODELS": ",".join(models)}
        ready = settings.HW_EVAL_WORKER_READY_SECONDS
        self.pool = WorkerPool(self.log_dir, env, name=f"eval{len(self.models)}-", ready_timeout=ready)
        self.pool.start(concurrency=settings.HW_EVAL_WORKER_CONCURRENCY)
        self.models = models
        return self.pool

    def stop_workers(self) -> None:
        if self.pool is not None:
            self.pool.stop_all()
            self.pool = None


def run_suite(tasks: list[EvalTask], label: str, on_result: Callable[[TaskResult], None] | None = None) -> list[TaskResult]:
    """Run every task; `on_result` hears each result as soon as it is known."""
    if not in_child():
        raise NotIsolated("run the harness through evaluation.services.run_suite (it isolates the run)")

    log_dir = Path(tempfile.mkdtemp(prefix="eval-", dir=ensure(settings.HW_EVAL_LOG_DIR)))
    empty = ensure(log_dir / "empty-corpus")
    client = redis.Redis.from_url(settings.REDIS_URL)
    purge_queues(client)
    results = []
    with ScholarlyServer(empty) as server:
        suite = Suite(server, log_dir, dict(os.environ), client, label)
        try:
            for task in tasks:
                result = run_task(suite, task)
                results.append(result)
                if on_result:
                    on_result(result)
        finally:
            suite.stop_workers()
    return results


def ensure(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def purge_queues(client: redis.Redis) -> None:
    """Steps left queued by an earlier, interrupted evaluation would run on this one's workers."""
    prefix = settings.HW_QUEUE_PREFIX
    keys = list(client.scan_iter(f"{prefix}.*", count=500)) + list(client.scan_iter(f"_kombu.binding.{prefix}*", count=500))
    if keys:
        client.delete(*keys)


def run_task(suite: Suite, task: EvalTask) -> TaskResult:
    started = time.monotonic()
    faults.clear_faults(suite.redis, suite.server, settings.HW_ADAPTIVE_PREFIX)
    notes: list[str] = []
    try:
        pool = suite.workers_for(provider_models(task.model))
        suite.server.use_corpus(task.corpus or suite.log_dir / "empty-corpus")
        faults.apply_tool_faults(suite.server, task)
        faults.apply_provider_faults(suite.redis, task)
        run = start(task, suite.server, suite.label)
    except (services.InvalidRequest, WorkerFailed) as error:
        what = "the workers did not start" if isinstance(error, WorkerFailed) else "start refused"
        measures = Measures(status="not started", reason=str(error))
        return TaskResult(task.name, str(task.path), False, [f"{what}: {error}"], measures, time.monotonic() - started)
    notes += follow(run, task, suite, pool)
    close_old_connections()
    measures = measure(run)
    problems = unmet(task.expect, measures)
    registry_tool.remove_for([member.pk for member in family(run)])
    end_leftover(run)
    return TaskResult(task.name, str(task.path), not problems, problems, measures, time.monotonic() - started, run.pk, notes)


def end_leftover(run: Run) -> None:
    """A run (or child run) left waiting (measured as such) is aborted, so its questions or Turnitin jobs do not
    sit in a person's queue."""
    for member in family(run):
        if member.status not in TERMINAL_STATUSES:
            try:
                services.abort_run(member.pk, by="evaluation", reason="the evaluation task ended")
            except services.InvalidRequest:
                pass  # it ended meanwhile


def start(task: EvalTask, server: ScholarlyServer, label: str) -> Run:
    """Start the task's run as a student would, with its uploads and offered APIs."""
    spec = dict(task.spec)
    offers = faults.offer_apis(server, task)
    if offers:
        existing = (spec.get("tool_offers") or {}).get("openapi", [])
        spec["tool_offers"] = {**(spec.get("tool_offers") or {}), "openapi": [*existing, *offers]}
    files = [uploads.UploadedFile(path.name, path.read_bytes()) for path in task.inputs.values()]
    user = services.get_user(f"eval-{label}-{task.name}"[:150])
    budgets = services.BudgetRequest(task.budgets.tokens, task.budgets.seconds, task.budgets.usd)
    run = services.start_run(user, task.journey, task.goal, spec=spec, files=files, budgets=budgets)
    # Research comes steps later (interpret, plan first), so the run's own tool is there in time.
    registry_tool.register_for(run, server.root, server.root.removeprefix("http://"))
    return run


def follow(run: Run, task: EvalTask, suite: Suite, pool: WorkerPool) -> list[str]:
    """Drive the run to its end: the human answers, workers die on cue. Returns notes."""
    human = ScriptedHuman(task)
    kills = sorted(fault.at_step for fault in task.faults_of("kill"))
    notes: list[str] = []
    deadline = time.monotonic() + settings.HW_EVAL_TASK_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status in TERMINAL_STATUSES:
            return notes
        if kills and run.seq >= kills[0] and run.lease_owner:
            notes.append(kill_worker(pool, run, kills.pop(0)))
            continue
        if run.status == RunStatus.WAITING_HUMAN and not human.respond(run):
            return notes + ["the run waits for a human and the task has no answer left"]
        time.sleep(POLL_SECONDS)
    services.abort_run(run.pk, by="evaluation", reason=f"the task took longer than {settings.HW_EVAL_TASK_TIMEOUT_SECONDS:g} s")
    return notes + [f"aborted after {settings.HW_EVAL_TASK_TIMEOUT_SECONDS:g} s"]


def kill_worker(pool: WorkerPool, run: Run, at_step: int) -> str:
    """SIGKILL the worker holding the run's lease (step `run.seq` in flight) and start another."""
    parts = run.lease_owner.split(":")
    pid = int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else 0
    victim = pool.owning(pid) or (pool.alive() or [None])[0]
    if victim is None:
        return f"no worker to kill at step {run.seq}"
    pool.kill(victim)
    try:
        pool.start(concurrency=settings.HW_EVAL_WORKER_CONCURRENCY)
    except WorkerFailed as error:
        return f"killed worker {victim.pid} at step {run.seq}; its replacement did not start: {error}"
    return f"killed worker {victim.pid} while it ran step {run.seq} (asked: step {at_step})"
