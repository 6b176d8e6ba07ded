"""handywriterz.pooling: with HW_DB_POOL on, every seam where a step waits on the outside world
(model calls, scholarly APIs and page fetches, tools) first gives the thread's database connection
back; inside a transaction it is left alone. The end-to-end case (a thread-pool worker with six
steps waiting on two connections) is tests/reliability/test_pooled_connections.py."""
from __future__ import annotations

import pytest
from django.db import connection, transaction

from agents.llm import UsageMeter
from handywriterz.pooling import release_connection
from journeys import adaptive, services
from journeys.research import scholarly_service
from tests.test_llm_gateway import INPUTS
from tools.scholarly import SearchFilters, UnknownProvider
from tools.services import registry_for_run


@pytest.fixture
def pooled(settings, transactional_db):
    settings.HW_DB_POOL = True
    connection.ensure_connection()
    assert connection.connection is not None


def test_release_gives_the_connection_back_outside_a_transaction_only(pooled):
    with transaction.atomic():
        release_connection()
        assert connection.connection is not None  # a transaction is open on it: kept
    release_connection()
    assert connection.connection is None


def test_the_setting_off_keeps_the_connection(settings, transactional_db):
    settings.HW_DB_POOL = False
    connection.ensure_connection()
    release_connection()
    assert connection.connection is not None


def test_a_model_call_gives_the_connection_back_first(pooled, script):
    gateway = adaptive.build_background_gateway(UsageMeter())  # the engine's AdaptiveIO and models
    assert gateway.complete("write_section", {**INPUTS, "title": "Canals", "heading": "Intro", "points": ["a"],
                                              "previous": []}).text
    assert connection.connection is None


def test_a_scholarly_request_gives_the_connection_back_first(pooled, student):
    run = services.start_run(student, "sketch", "Write an essay on canals", words=300)
    scholarly = scholarly_service(run)
    connection.ensure_connection()
    with pytest.raises(UnknownProvider):
        scholarly.search("no-such-provider", "canals", SearchFilters())
    assert connection.connection is None


def test_a_tool_call_gives_the_connection_back_first(pooled):
    registry = registry_for_run(None)
    connection.ensure_connection()
    assert registry.call("text.word_count", {"text": "three small words"}).result == {"words": 3}
    assert connection.connection is None


def database_sessions() -> int:
    """Connections PostgreSQL has accepted to this database so far (pg_stat_database.sessions)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_prefork_worker_keeps_its_database_connection_from_one_step_to_the_next(worker, script, student):
    # given the session's prefork worker, warmed up on one run
    from tests.test_engine import GOAL, wait_until_ended

    wait_until_ended(services.start_run(student, "sketch", GOAL, words=200, spec={"sections": 1}))
    before = database_sessions()

    # when it steps a run of 14 steps
    run = wait_until_ended(services.start_run(student, "sketch", GOAL, words=600, spec={"sections": 6}))

    # then PostgreSQL saw far fewer new connections than steps (it was one per step, or two,
    # while Celery closed every connection around every task)
    assert run.seq == 14
    opened = database_sessions() - before
    assert opened < run.seq // 2, f"{opened} new database sessions for {run.seq} steps"
