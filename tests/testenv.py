"""Loaded as a pytest plugin (-p tests.testenv) before Django configures itself.

The test session must never share queues with a developer's demo worker, so it gets its own
queue prefix and Redis database, and short leases so crash recovery is observable in seconds.
"""
import os
import tempfile
from urllib.parse import urlsplit, urlunsplit


def _redis_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


_base_redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# HW_TEST_ID keeps concurrent test sessions on one machine (several checkouts) apart.
SUFFIX = os.environ.get("HW_TEST_ID", "")
TEST_ENV = {
    # Settings refuse to start without one (DEBUG is off); a fixed key for tests only.
    "SECRET_KEY": "test-only-secret-key-8f3c1a9e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c",
    "HW_TEST_DATABASE_NAME": f"test_handywriterz{SUFFIX}",
    "HW_SCRIPT_NAME": f"default{SUFFIX}",
    "REDIS_URL": os.environ.get("HW_TEST_REDIS_URL", _redis_db(_base_redis, 15)),
    "HW_QUEUE_PREFIX": f"hwtest{SUFFIX}",
    "HW_STEP_LEASE_SECONDS": "4",
    "HW_STEP_TIME_LIMIT_SECONDS": "300",
    "HW_DISPATCH_GRACE_SECONDS": "6",
    "HW_REAPER_INTERVAL_SECONDS": "1",
    "HW_BEAT_SCHEDULER": "celery.beat:PersistentScheduler",
    "HW_LLM_MODELS": f"scripted/default{SUFFIX}",
    "HW_DELIVERABLES_DIR": tempfile.mkdtemp(prefix="hw-test-deliverables-"),
    "HW_LANES": "4",
    # Memory's background work (embedding chunks, distilling lessons) is off for the suite: the
    # memory tests turn it on for their own worker (tests/memory/conftest.py).
    "HW_EMBED_CHUNKS_ON_WRITE": "false",
    "HW_DISTIL_LESSONS": "false",
    "HW_EMBED_SWEEP_SECONDS": "3600",
}
for key, value in TEST_ENV.items():
    os.environ[key] = value
os.environ.pop("CELERY_BROKER_URL", None)
