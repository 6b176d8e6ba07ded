"""Fair per-user admission: a heavy user's backlog never sits in front of a light user's first step."""
from __future__ import annotations

from collections import Counter
from itertools import combinations

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from journeys import dispatch, services
from journeys.fairness import Admission, PendingStep
from journeys.models import Run, RunStatus, Step
from tests.conftest import wait_for


def test_admission_caps_a_user_and_admits_the_next_run_when_a_slot_frees(redis_client):
    admission = Admission(redis_client, prefix=f"{settings.HW_QUEUE_PREFIX}-fair-unit", base_cap=2, slot_seconds=60)
    redis_client.delete(*admission.keys(7))

    admitted = [admission.admit(7, PendingStep(run_id, 0)) for run_id in (1, 2, 3, 4)]
    again = admission.admit(7, PendingStep(1, 5))  # a run that holds a slot keeps it step to step

    assert admitted == [True, True, False, False] and again
    assert (admission.in_flight(7), admission.deferred(7)) == (2, 2)
    assert admission.release(7, 1) == [PendingStep(3, 0)]
    assert admission.release(7, 2) == [PendingStep(4, 0)]
    assert admission.release(7, 3) == [] and admission.in_flight(7) == 1
    assert admission.cap(weight=2) == 4


def test_a_paid_user_weighs_more_and_the_free_user_keeps_its_own_slots(db, redis_client):
    # given a user in the paid tier and one in none (free)
    users = get_user_model().objects
    paid, free = users.create_user("payer"), users.create_user("free")
    paid.groups.add(Group.objects.create(name="paid"))
    admission = Admission(redis_client, prefix=f"{settings.HW_QUEUE_PREFIX}-fair-tiers", base_cap=2, slot_seconds=60)
    redis_client.delete(*admission.keys(paid.pk), *admission.keys(free.pk))

    # when each starts runs and asks for ten slots
    weights = [services.start_run(user, "sketch", "Essay on tides", words=200).weight for user in (paid, free)]
    paid_slots = sum(admission.admit(paid.pk, PendingStep(run_id, 0), weights[0]) for run_id in range(10))
    free_slots = sum(admission.admit(free.pk, PendingStep(100 + run_id, 0), weights[1]) for run_id in range(10))

    # then the paid tier's weight doubles its slots, and the free user's slots are its own, not the rest
    assert weights == [2, 1]
    assert (paid_slots, free_slots) == (4, 2)


def test_users_are_spread_over_every_lane_and_reshuffled_each_period(settings):
    # given 16 lanes whose user -> lane hash changes every 300 s
    settings.HW_LANES, settings.HW_LANE_PERTURB_SECONDS = 16, 300
    period = 300 * 5_000_000.0
    users = range(1, 801)

    # when 800 users are placed now, later in the same period, and in the next one
    now = [dispatch.lane_for_user(user, period) for user in users]
    same_period = [dispatch.lane_for_user(user, period + 299) for user in users]
    next_period = [dispatch.lane_for_user(user, period + 300) for user in users]

    # then every lane is used and none is crowded; a period keeps its placement
    counts = Counter(now)
    assert set(counts) == set(range(16)) and max(counts.values()) <= 2 * len(users) / 16
    assert same_period == now
    # and the next period reshuffles: users who shared a lane seldom share one again
    sharing = [(a, b) for a, b in combinations(range(200), 2) if now[a] == now[b]]
    still = sum(next_period[a] == next_period[b] for a, b in sharing)
    assert sum(a != b for a, b in zip(now, next_period, strict=True)) > 0.8 * len(users)
    assert still <= 0.2 * len(sharing), (still, len(sharing))


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
