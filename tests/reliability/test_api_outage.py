"""The API while Redis (the cache holding the throttle buckets) is down: requests are served,
not answered with 500. Real PostgreSQL; the cache points at a port where no Redis listens."""
from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.portal.people import PASSWORD


def redis_down(settings, port: int) -> None:
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }}


def test_the_api_serves_a_student_while_the_throttle_cache_is_down(people, settings, closed_port):
    # given a student with a token, and the Redis holding the throttle buckets unreachable
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=people.owner).key}")
    redis_down(settings, closed_port)

    # when they list their runs
    response = client.get("/api/v2/runs")

    # then the request is served (throttling fails open), not a 500
    assert response.status_code == 200, response.content[:300]


def test_anonymous_callers_get_answers_not_500_while_the_throttle_cache_is_down(people, settings, closed_port):
    # given the throttle cache unreachable
    redis_down(settings, closed_port)

    # when an anonymous caller asks for a token, with a wrong and then the right password
    wrong = APIClient().post("/api/v2/auth/token", {"username": "owner", "password": "guess"})
    right = APIClient().post("/api/v2/auth/token", {"username": "owner", "password": PASSWORD})

    # then both get their ordinary answers
    assert wrong.status_code == 400
    assert right.status_code == 200 and right.json()["token"]
