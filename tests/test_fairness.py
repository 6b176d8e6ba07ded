"""Fair per-user admission: a heavy user's backlog never sits in front of a light user's first step."""
from __future__ import annotations

import redis
from django.conf import settings
from django.contrib.auth import get_user_model

from journeys import services
from journeys.fairness import Admission, PendingStep
from journeys.models import Run, RunStatus, Step
from tests.conftest import wait_for


def test_admission_caps_a_user_and_admits_the_next_run_when_a_slot_frees(redis_client):
    admission = Admission(redis_client, prefix="hwtest-fair-unit", base_cap=2, slot_seconds=60)
    redis_client.delete(*admission.keys(7))

    admitted = [admission.admit(7, PendingStep(run_id, 0)) for run_id in (1, 2, 3, 4)]
    again = admission.admit(7, PendingStep(1, 5))  # a run that holds a slot keeps it step to step

    assert admitted == [True, True, False, False] and again
    assert (admission.in_flight(7), admission.deferred(7)) == (2, 2)
    assert admission.release(7, 1) == [PendingStep(3, 0)]
    assert admission.release(7, 2) == [PendingStep(4, 0)]
    assert admission.release(7, 3) == [] and admission.in_flight(7) == 1
    assert admission.cap(weight=2) == 4


def test_a_light_users_first_step_does_not_wait_behind_a_heavy_backlog(worker, script):
    # given a heavy user with 16 runs already queued
    users = get_user_model().objects
    heavy, light = users.create_user("heavy"), users.create_user("light")
    heavy_runs = [services.start_run(heavy, "sketch", f"Essay {index} on tides", words=200, spec={"sections": 2})
                  for index in range(16)]

    # when a light user starts one run
    light_run = services.start_run(light, "sketch", "Essay on estuaries", words=200, spec={"sections": 2})
    wait_for(lambda: Step.objects.filter(run=light_run).exists(), 60, what="the light user's first step")

    # then most of the heavy backlog had not even started: it was deferred, not queued ahead
    started_heavy = Run.objects.filter(pk__in=[run.pk for run in heavy_runs], seq__gt=0).count()
    assert started_heavy <= 2 * settings.HW_USER_STEPS_IN_FLIGHT, started_heavy
    # and every deferred run still completes: no slot leaks, no starvation
    wait_for(lambda: not Run.objects.filter(user=heavy).exclude(status=RunStatus.SUCCEEDED).exists(), 240,
             interval=0.5, what="the heavy backlog to finish")
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.zcard(f"{settings.HW_QUEUE_PREFIX}:fair:deferred:{heavy.pk}") == 0
