"""Shared fixtures: real PostgreSQL (pytest-django test database), real Redis, real Celery
worker processes started as subprocesses against the test database."""
from __future__ import annotations

import gc
import json
import os
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db.backends.signals import connection_created

from evaluation.fakes.scholarly_server import ScholarlyServer
from evaluation.workers import DIE_WITH_PARENT, WorkerPool, dies_with_this_process, wait_for  # noqa: F401 - re-exported to tests

ROOT = Path(__file__).resolve().parent.parent
SCRIPT_NAME = os.environ["HW_SCRIPT_NAME"]


def subprocess_env() -> dict[str, str]:
    """The environment of a child process: this session's, pointed at the test database."""
    database = settings.DATABASES["default"]
    env = dict(os.environ)
    env["DATABASE_URL"] = (
        f"postgres://{database['USER']}:{database.get('PASSWORD') or ''}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


def flush_loses_no_deadlock(sender, connection, **kwargs) -> None:
    """This process's sessions wait 30 s before they look for a deadlock, the workers' 1 s: when a
    test's TRUNCATE (pytest-django's flush) and a worker's late transaction (a lesson distilled
    after the run ended, the beat's scheduler) lock each other, the worker's step is the one
    PostgreSQL cancels (and retries), not the flush that leaves the next test a clean database."""
    with connection.cursor() as cursor:
        cursor.execute("SET deadlock_timeout = '30s'")


connection_created.connect(flush_loses_no_deadlock, weak=False)


class Workers(WorkerPool):
    """The tests' worker pool: evaluation.workers.WorkerPool on the test database's environment."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        super().__init__(log_dir, {**subprocess_env(), **(env or {})})


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_blocker):
    """pytest-django's test database; before it is dropped, nothing may still be connected to it
    (DROP DATABASE refuses while another session uses it, and the database is left behind)."""
    yield
    with django_db_blocker.unblock():
        others = release_test_database()
    if others:
        request.node.warn(pytest.PytestWarning(
            f"sessions still on the test database were ended (pid, application, port, state, last query): {others}"
        ))


def release_test_database() -> list[tuple]:
    """Close what this process left open on the test database and end any other session still on
    it; returns those sessions. Session fixtures that use the database (workers) end before this."""
    from django.db import connection, connections

    gc.collect()  # a finished thread's connection sits in a reference cycle until collected
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, client_port, state, left(query, 80) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        others = cursor.fetchall()
        for pid, *_ in others:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    connections.close_all()
    return others


@pytest.fixture(scope="session")
def redis_client() -> redis.Redis:
    """This session's Redis, emptied of this session's own keys (others may share the database)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    for pattern in (f"{settings.HW_QUEUE_PREFIX}.*", f"_kombu.binding.{settings.HW_QUEUE_PREFIX}*", f"hw:scripted:{SCRIPT_NAME}:*"):
        keys = list(client.scan_iter(pattern))
        if keys:
            client.delete(*keys)
    return client


CORPORA = ROOT / "tests" / "fixtures" / "corpora"


@pytest.fixture(scope="session")
def scholarly_server():
    """The fake scholarly APIs on 127.0.0.1 (evaluation/fakes/scholarly_server.py), started before any
    worker so every worker gets its base URLs; tests change corpus and knobs, then reset them."""
    server = ScholarlyServer(CORPORA / "urban_heat").start()
    yield server
    server.stop()


def serving(server: ScholarlyServer, settings, corpus: Path):
    """For one test: the fake scholarly APIs serve `corpus` with no misbehaviour, and this
    process's settings point at them; afterwards, back to the session's corpus, reset."""
    server.use_corpus(corpus)
    server.reset()
    settings.HW_SCHOLARLY_BASE_URLS = server.base_urls
    settings.HW_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    yield server
    server.use_corpus(CORPORA / "urban_heat")
    server.reset()


@pytest.fixture(scope="session")
def workers(django_db_setup, django_db_blocker, redis_client, scholarly_server, tmp_path_factory):
    """One worker for the session, started on first use; stopped before the test DB is dropped."""
    pool = Workers(tmp_path_factory.mktemp("workers"), env=scholarly_server.env())
    pool.start()
    yield pool
    pool.stop_all()


@pytest.fixture
def worker(workers, transactional_db):
    """A running worker (restarted if an earlier test killed it), with a committed-data database."""
    if not any(process.poll() is None for process in workers.processes):
        workers.start()
    return workers


@pytest.fixture(autouse=True)
def quiet_runs_before_flush(request):
    """For tests on committed data: stop their runs before the flush (see quiesce_runs). Runs
    may be stepped by the session's worker even when a test never asked for one (a webhook
    resumes a run, a service re-queues it)."""
    if "transactional_db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    quiesce_runs()


def quiesce_runs(timeout: float = 30.0) -> None:
    """Stop the test's runs and let steps in flight commit before the database is flushed: a
    TRUNCATE racing a worker's step transaction can deadlock and leave the next test dirty."""
    from journeys.models import TERMINAL_STATUSES, Run

    Run.objects.exclude(status__in=TERMINAL_STATUSES).update(status="aborted", lease_expires_at=None)
    deadline = time.monotonic() + timeout
    while Run.objects.exclude(lease_owner="").exists() and time.monotonic() < deadline:
        time.sleep(0.1)


class Script:
    """Scripted answers for this session's `scripted/...` model, seen by every worker process."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def push(self, task: str = "*", **answer) -> None:
        self.client.rpush(f"hw:scripted:{SCRIPT_NAME}:{task}", json.dumps(answer))

    def key(self, task: str) -> str:
        return f"hw:scripted:{SCRIPT_NAME}:{task}"

    def release(self, hold: str) -> None:
        """Let the calls scripted with `hold=hold` finish."""
        self.client.set(f"hw:scripted:{SCRIPT_NAME}:release:{hold}", 1)

    def clear(self) -> None:
        keys = list(self.client.scan_iter(f"hw:scripted:{SCRIPT_NAME}:*"))
        if keys:
            self.client.delete(*keys)

    @property
    def calls(self) -> int:
        return int(self.client.get(f"hw:scripted:{SCRIPT_NAME}:calls") or 0)


@pytest.fixture
def script(redis_client):
    scripted = Script(redis_client)
    scripted.clear()
    yield scripted
    scripted.clear()


@pytest.fixture
def student(transactional_db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("student", password="a-long-passphrase-1")


@pytest.fixture
def still_student(db):
    """A student on the test's own transaction: nothing commits, so no step of their runs reaches
    the session's worker, whose interpreter would otherwise change the run while it is compared."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("still-student", password="a-long-passphrase-1")
