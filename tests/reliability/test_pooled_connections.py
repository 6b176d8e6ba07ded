"""A thread-pool worker (docs/performance.md, "I/O-bound concurrency") keeps many steps in flight on
a few pooled database connections: a step gives its connection back before it waits on a model,
even when it read the database first (the Writer reads the run's sections and the student's
profile, then calls the model). Real worker process with `--pool=threads` and HW_DB_POOL, logging
in as a role of its own so its connections can be counted; the scripted model holds the calls."""
from __future__ import annotations

from django.db import connection

from journeys import services
from journeys.models import Run, RunStatus
from tests.conftest import Workers, wait_for
from tests.test_engine import GOAL, assert_each_seq_once, wait_until_ended

RUNS = 6
POOL = 2


def connections_of(role: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", [role])
        return cursor.fetchone()[0]


def test_steps_waiting_on_the_model_hold_no_database_connection(workers, flaky_role, script, redis_client, student, tmp_path,
                                                              django_user_model):
    # given one thread-pool worker with more threads than runs and a pool of two connections, and
    # two students with three runs each (within the per-user cap of steps in flight)
    workers.stop_all()
    pooled = Workers(tmp_path, env={"DATABASE_URL": flaky_role.database_url(), "HW_DB_POOL": "true",
                                    "HW_DB_POOL_MAX": str(POOL)})
    pooled.start(concurrency=8, beat=False, pool="threads")
    for _ in range(RUNS):
        script.push("write_section", text="A held but fine section. " * 20, hold="writers")
    try:
        # when six runs reach the Writer, whose call the model holds
        other = django_user_model.objects.create_user("other-student", password="a-long-passphrase-1")
        runs = [services.start_run(user, "sketch", GOAL, words=300, spec={"sections": 2})
                for user in (student, other) for _ in range(RUNS // 2)]
        wait_for(lambda: redis_client.llen(script.key("write_section")) == 0, 45, 0.1,
                 f"{RUNS} Writer calls waiting on the model at once")

        # then all six steps wait on the model together, on at most the pool's two connections
        in_flight = Run.objects.filter(pk__in=[run.pk for run in runs], lease_owner__gt="").count()
        held = connections_of(flaky_role.name)
        assert in_flight == RUNS and held <= POOL, (in_flight, held)
    finally:
        script.release("writers")
    try:
        # and once the model answers, every run finishes, each step written once
        for run in runs:
            wait_until_ended(run, timeout=120)
            assert run.status == RunStatus.SUCCEEDED, run.status_reason
            assert_each_seq_once(run)
    finally:
        pooled.stop_all()
