"""The isolated environment an evaluation runs in, and running a suite in a child process with it.

Settings are read once per process (queue names, Redis, leases), so an evaluation started from a
developer's shell or from a production worker cannot just change them: it starts a child
`manage.py eval run` with its own queue prefix, Redis database, short leases and the harness's
scripted model providers; the child brings up the fake scholarly APIs and its own workers.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from evaluation.workers import ROOT, dies_with_this_process


def redis_database(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))


def scripted_name() -> str:
    """The harness's scripted providers are scripted/<this>-primary and -secondary (in the child)."""
    return f"eval{settings.HW_QUEUE_PREFIX}"


def provider_models(model: str) -> list[str]:
    """HW_LLM_MODELS for a task: its litellm model, or for `offline` two scripted providers
    (answered by the offline model) so provider faults can hit the primary and fail over."""
    if model != "offline":
        return [model]
    return [f"scripted/{scripted_name()}-primary", f"scripted/{scripted_name()}-secondary"]


def isolated_environment(base: dict[str, str], database_url: str) -> dict[str, str]:
    """The child's environment: `base` plus the evaluation's own queues, Redis database and knobs."""
    env = {key: value for key, value in base.items() if key != "CELERY_BROKER_URL"}
    env.update({
        "HW_EVAL_ISOLATED": "true",
        "DATABASE_URL": database_url,
        # One prefix per evaluation: two evaluations at once (two checkouts, a nightly and a
        # developer) never share queues, scripted providers or adaptive-IO state.
        "HW_QUEUE_PREFIX": f"{settings.HW_EVAL_QUEUE_PREFIX}{os.getpid()}",
        "REDIS_URL": redis_database(settings.REDIS_URL, settings.HW_EVAL_REDIS_DB),
        "HW_ADAPTIVE_REDIS_URL": redis_database(settings.REDIS_URL, settings.HW_EVAL_REDIS_DB),
        "HW_BEAT_SCHEDULER": "celery.beat:PersistentScheduler",
        # Crash recovery observable in seconds (worker kill faults).
        "HW_STEP_LEASE_SECONDS": "4",
        "HW_DISPATCH_GRACE_SECONDS": "6",
        "HW_REAPER_INTERVAL_SECONDS": "1",
        "HW_STEP_TIME_LIMIT_SECONDS": "300",
        "HW_LANES": "2",
        # Deterministic runs: nothing learnt from earlier runs, no background embedding.
        "HW_EMBED_CHUNKS_ON_WRITE": "false",
        "HW_DISTIL_LESSONS": "false",
        "HW_EMBED_SWEEP_SECONDS": "3600",
        # The fake APIs, not the bundled demo corpus nor the public ones.
        "HW_SCHOLARLY_CORPUS": "",
        "HW_LLM_ROUTER": "",
        "HW_TOOL_OFFER_ALLOWED_HOSTS": "127.0.0.1",
        "HW_FETCH_ALLOWED_HOSTS": "127.0.0.1",
        "HW_DELIVERABLES_DIR": str(settings.HW_EVAL_LOG_DIR / "deliverables"),
        "PYTHONUNBUFFERED": "1",
    })  # fmt: skip
    return env


def current_database_url() -> str:
    database = settings.DATABASES["default"]
    password = database.get("PASSWORD") or ""
    return f"postgres://{database['USER']}:{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


def run_in_child(paths: list[str], *, json_out: Path | None, trigger: str, output: IO[str] | None) -> int:
    """Run `manage.py eval run PATHS` in an isolated child; its table goes to `output` (or is
    discarded). Returns the child's exit code (0 all passed, 1 some failed, 2 bad input)."""
    command = dies_with_this_process("manage.py", "eval", "run", *[str(Path(path).resolve()) for path in paths],
                                     "--trigger", trigger)
    if json_out is not None:
        command += ["--json", str(Path(json_out).resolve())]
    env = isolated_environment(dict(os.environ), current_database_url())
    settings.HW_EVAL_LOG_DIR.mkdir(parents=True, exist_ok=True)
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if output is not None:
                output.write(line)
                output.flush()
        try:
            return child.wait(settings.HW_EVAL_SUITE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()
            return child.wait()


def in_child() -> bool:
    return settings.HW_EVAL_ISOLATED

