import socket

import pytest

from tests.portal.people import people  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """These tests log users in; they test outages, not hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def closed_port() -> int:
    """A 127.0.0.1 port with nothing listening: a Redis that is down (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FlakyRole:
    """A PostgreSQL login role the test can lock out (NOLOGIN, its sessions ended) and let back
    in: the database refusing a process's connections, as during a restart or a failover."""

    def __init__(self, name: str) -> None:
        self.name = name

    def database_url(self) -> str:
        from django.conf import settings

        database = settings.DATABASES["default"]
        return f"postgres://{self.name}@{database['HOST']}:{database['PORT']}/{database['NAME']}"

    def allow(self, allowed: bool) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(f"ALTER ROLE {self.name} {'LOGIN' if allowed else 'NOLOGIN'}")
            if not allowed:
                cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [self.name])


@pytest.fixture
def flaky_role(transactional_db):
    import os

    from django.db import connection

    role = FlakyRole(f"hw_flaky{os.environ.get('HW_TEST_ID', '')}".lower().replace("-", "_"))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role.name}")
        cursor.execute(f"CREATE ROLE {role.name} SUPERUSER LOGIN")
    yield role
    role.allow(False)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role.name}")
