"""The five kinds of visitor the portal and API are tested with, and runs in the states the
tests need. Imported by tests/portal/conftest.py and tests/api/conftest.py."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from journeys import services
from journeys.models import Run, RunStatus, Step
from journeys.state import merge_patch

PASSWORD = "a-long-passphrase-1"
ROLES = ("anonymous", "other", "owner", "checker", "operator")
GOAL = "Write an essay on urban heat islands and public health"


@dataclass
class People:
    owner: User
    other: User
    checker: User
    operator: User

    def user(self, role: str) -> User | None:
        return None if role == "anonymous" else getattr(self, role)


def make_people() -> People:
    checkers, _ = Group.objects.get_or_create(name="checker")
    checker = User.objects.create_user("checker", password=PASSWORD)
    checker.groups.add(checkers)
    return People(
        owner=User.objects.create_user("owner", password=PASSWORD),
        other=User.objects.create_user("other", password=PASSWORD),
        checker=checker,
        operator=User.objects.create_user("operator", password=PASSWORD, is_staff=True, is_superuser=True),
    )


def queued_run(user: User, words: int = 300, journey: str = "write", **spec) -> Run:
    return services.start_run(user, journey, GOAL, words=words, spec=spec)


def idle_run(user: User) -> Run:
    """A paused run: its first step message (sent on commit) finds it not steppable, so a worker
    running in the session leaves it alone."""
    with transaction.atomic():
        run = queued_run(user)
        services.pause_run(run.pk, by="test")
    run.refresh_from_db()
    return run


@transaction.atomic
def waiting_run(user: User, questions: list[str] | None = None, kind: str = "clarify") -> Run:
    """A run whose agents asked the student a question, recorded as a step like a node would.
    Made in one transaction, so a worker that gets its first step message finds it waiting."""
    run = queued_run(user)
    if questions is None:
        questions = ["Which country should the essay focus on?", "Is it for a module on planning?"]
    human = {"pending": True, "kind": kind, "resume_route": run.route, "questions": questions}
    step = Step.objects.create(
        run=run, seq=0, node="interpreter", route_in=run.route, started_at=run.created_at, finished_at=run.created_at,
        delta={"human": human}, route=run.route,
    )
    Run.objects.filter(pk=run.pk).update(
        status=RunStatus.WAITING_HUMAN, seq=step.seq + 1, state=merge_patch(run.state, {"human": human}), lease_expires_at=None
    )
    run.refresh_from_db()
    return run


def clear_throttles() -> None:
    """Forget this session's API rate buckets (only its own keys: others share the Redis DB)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{settings.CACHES['default']['KEY_PREFIX']}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def people(db) -> People:
    clear_throttles()
    return make_people()
