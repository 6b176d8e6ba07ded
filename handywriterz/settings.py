"""The one settings module. Every value comes from the environment, with defaults that run the
whole product on one machine with nothing configured (the embedded default). `os.environ` is read
here and nowhere else."""
from __future__ import annotations

import datetime
import json
import os
import re
from pathlib import Path

import dj_database_url
import yaml
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent

# litellm downloads its price list at import unless told to use the bundled copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from error
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from error


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_json_object(name: str, default: dict) -> dict:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {raw[:80]!r}: {error.msg}") from error
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {type(value).__name__}")
    return value


DEBUG = env_bool("DEBUG", False)
# Secrets come from the environment only. `make` (scripts/services.sh env) generates one per
# checkout in .hw/secret_key; tests/testenv.py sets its own; production sets SECRET_KEY.
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: export SECRET_KEY=<50+ random characters> "
            "(the make targets generate one in .hw/secret_key; DEBUG=true uses a development key)"
        )
    SECRET_KEY = "insecure-development-key-used-only-with-DEBUG-on"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "journeys",
    "agents",
    "tools",
    "turnitin",
    "evaluation",
    # Login throttling (failed attempts per username and address; docs/security.md "Web").
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # 503 + Retry-After instead of 500 while PostgreSQL is unreachable (handywriterz/middleware.py).
    "handywriterz.middleware.DatabaseUnavailableMiddleware",
    # Serves static files (portal CSS/JS, the offline API docs) from gunicorn, no CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # journeys.access.RULES for the portal's pages (the API applies them through DRF).
    "journeys.access.RouteRulesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy and Permissions-Policy (Django 5.2 has no setting for them).
    "handywriterz.headers.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every authenticate() (portal log-in, admin log-in, API token) first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "handywriterz.urls"
WSGI_APPLICATION = "handywriterz.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "journeys.access.roles",
            ],
        },
    },
]

# The embedded default (scripts/services.sh) serves PostgreSQL 18 + pgvector on this port.
DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:54329/handywriterz")
# Persistent connections: a worker steps many runs, and opening a connection per step costs more
# than the step itself. (Django's pool, below, replaces them when enabled.)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=0 if env_bool("HW_DB_POOL", False) else env_int("HW_DB_CONN_MAX_AGE", 300, minimum=0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"].setdefault("OPTIONS", {})
HW_DB_POOL = env_bool("HW_DB_POOL", False)
if HW_DB_POOL:
    # Django's psycopg 3 pool keeps connections bounded per process when many threads step runs.
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "min_size": 1,
        "max_size": env_int("HW_DB_POOL_MAX", 8, minimum=1),
        "timeout": 30,
    }
DATABASES["default"]["TEST"] = {"NAME": env_str("HW_TEST_DATABASE_NAME", "test_handywriterz")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves static files from gunicorn. Straight from the apps' static folders by default,
# so the embedded default needs no collectstatic; production may collectstatic and set this false.
WHITENOISE_USE_FINDERS = env_bool("HW_STATIC_FROM_FINDERS", True)
WHITENOISE_AUTOREFRESH = DEBUG
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:run-list"
LOGOUT_REDIRECT_URL = "portal:home"
MEDIA_ROOT = Path(env_str("HW_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "journeys.redaction.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "LiteLLM": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        # PDF libraries log every oddity of a damaged upload; the refusal message says enough.
        "pypdf": {"level": "ERROR"},
        "pdfminer": {"level": "ERROR"},
    },
}

# --- Redis and Celery -------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# One step per task, acknowledged after it ran: a worker killed mid-step leaves the message
# to be redelivered, and the claim makes the redelivery harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_SEND_TASK_EVENTS = env_bool("HW_CELERY_TASK_EVENTS", False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes every database connection before and after every task unless this
# is set; set, it closes them every 2 x this many tasks, and between tasks a worker applies
# Django's own policy instead (handywriterz.pooling.recycle_connections), keeping its connection.
CELERY_DB_REUSE_MAX = 1000
# A Redis restart must not end a worker: it reconnects for as long as it takes (None = forever;
# 0 would mean "never retry"). Messages lost with Redis are re-sent by the lease reaper.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Unacked messages come back after this long; the lease reaper usually recovers a run sooner.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("HW_VISIBILITY_TIMEOUT_SECONDS", 3600, minimum=10),
}

# Per-user lanes: each run's steps go to one lane queue chosen from its user; a worker consumes
# every lane, and kombu's Redis transport rotates between them, so a heavy user's backlog in one
# lane does not block the others.
HW_LANES = env_int("HW_LANES", 16, minimum=1)
HW_LANE_PERTURB_SECONDS = env_int("HW_LANE_PERTURB_SECONDS", 300, minimum=1)
# At most this many runs of one user have a step queued or running (times the tier weight).
HW_USER_STEPS_IN_FLIGHT = env_int("HW_USER_STEPS_IN_FLIGHT", 4, minimum=1)


def _tier_weights(raw: str) -> dict[str, int]:
    weights = {}
    for item in raw.split(","):
        name, _, weight = item.partition(":")
        if not name.strip() or not weight.strip().isdigit() or int(weight) < 1:
            raise ImproperlyConfigured(f"HW_TIER_WEIGHTS must look like 'free:1,paid:2', got {raw!r}")
        weights[name.strip()] = int(weight)
    return weights


# Tier = a Django group name; its weight multiplies the user's step slots (never starving others).
HW_TIER_WEIGHTS = _tier_weights(env_str("HW_TIER_WEIGHTS", "free:1,paid:2"))
HW_QUEUE_PREFIX = env_str("HW_QUEUE_PREFIX", "hw")
HW_CONTROL_QUEUE = f"{HW_QUEUE_PREFIX}.control"
_exchange = Exchange(HW_QUEUE_PREFIX, type="direct")
# Background memory work (embedding chunks and lessons, distilling lessons): its own queue, so an
# operator can give it a dedicated worker and it never sits in front of a run's step.
HW_MEMORY_QUEUE = f"{HW_QUEUE_PREFIX}.memory"
CELERY_TASK_QUEUES = [
    Queue(HW_CONTROL_QUEUE, _exchange, routing_key=HW_CONTROL_QUEUE),
    Queue(HW_MEMORY_QUEUE, _exchange, routing_key=HW_MEMORY_QUEUE),
] + [
    Queue(f"{HW_QUEUE_PREFIX}.lane.{lane}", _exchange, routing_key=f"{HW_QUEUE_PREFIX}.lane.{lane}")
    for lane in range(HW_LANES)
]
CELERY_TASK_DEFAULT_QUEUE = HW_CONTROL_QUEUE
CELERY_TASK_DEFAULT_EXCHANGE = HW_QUEUE_PREFIX
CELERY_TASK_DEFAULT_ROUTING_KEY = HW_CONTROL_QUEUE
CELERY_BEAT_SCHEDULER = env_str("HW_BEAT_SCHEDULER", "django_celery_beat.schedulers:DatabaseScheduler")
HW_REAPER_INTERVAL_SECONDS = env_float("HW_REAPER_INTERVAL_SECONDS", 15.0)
# Releases lapsed checker claims, resumes runs whose report is in, expires forgotten cycles.
HW_TURNITIN_SWEEP_INTERVAL_SECONDS = env_float("HW_TURNITIN_SWEEP_INTERVAL_SECONDS", HW_REAPER_INTERVAL_SECONDS)
CELERY_BEAT_SCHEDULE = {
    "reap-expired-run-leases": {
        "task": "journeys.tasks.reap_runs_task",
        "schedule": HW_REAPER_INTERVAL_SECONDS,
        "options": {"queue": HW_CONTROL_QUEUE, "expires": HW_REAPER_INTERVAL_SECONDS * 2},
    },
    "sweep-turnitin-cycles": {
        "task": "turnitin.tasks.sweep_turnitin_task",
        "schedule": HW_TURNITIN_SWEEP_INTERVAL_SECONDS,
        "options": {"queue": HW_CONTROL_QUEUE, "expires": HW_TURNITIN_SWEEP_INTERVAL_SECONDS * 2},
    },
    # Safety net for chunk embedding: chunks written without an embedding (or with another
    # model's) are embedded in bounded batches; a step's commit normally enqueues this at once.
    "embed-pending-chunks": {
        "task": "journeys.tasks.embed_chunks_task",
        "schedule": env_float("HW_EMBED_SWEEP_SECONDS", 60.0),
        "options": {"queue": HW_MEMORY_QUEUE, "expires": env_float("HW_EMBED_SWEEP_SECONDS", 60.0)},
    },
}

# --- The engine -------------------------------------------------------------------------------
# A claimed step's lease: renewed every third of it while the step runs; a worker that dies
# stops renewing, and another may take the step over this long after (crash recovery).
HW_STEP_LEASE_SECONDS = env_int("HW_STEP_LEASE_SECONDS", 60, minimum=1)
# Replace node handlers by name, with their state contract version and upgraders (see
# agents.registry.NodeRegistry): {"critic": {"path": "pkg.mod.fn", "version": 2, "upgraders":
# {"1": "pkg.mod.upgrade_v1"}}}. Empty in production; the deploy-safety tests start "old" and
# "new" workers with it (docs/reliability.md).
HW_NODE_OVERRIDES = env_json_object("HW_NODE_OVERRIDES", {})
# Seconds between a worker's returns of freed heap pages to the OS (handywriterz/allocator.py;
# keeps a thread-pool worker's RSS from creeping; 0 turns it off).
HW_MALLOC_TRIM_SECONDS = env_float("HW_MALLOC_TRIM_SECONDS", 30.0)
# A step that runs longer than this is killed (Celery hard time limit), whatever its lease.
HW_STEP_TIME_LIMIT_SECONDS = env_int("HW_STEP_TIME_LIMIT_SECONDS", 900, minimum=1)
# A step task that cannot reach the database is sent again this many times, after pauses of
# about backoff x 2^n seconds (full jitter, at most 60 s); then the reaper re-offers it.
HW_STEP_DB_RETRIES = env_int("HW_STEP_DB_RETRIES", 8, minimum=0)
HW_STEP_DB_RETRY_BACKOFF_SECONDS = env_int("HW_STEP_DB_RETRY_BACKOFF_SECONDS", 1, minimum=1)
# How long an enqueued step may wait in the queue before the reaper sends it again.
HW_DISPATCH_GRACE_SECONDS = env_int("HW_DISPATCH_GRACE_SECONDS", 600, minimum=1)
HW_DELIVERABLES_DIR = Path(env_str("HW_DELIVERABLES_DIR", str(BASE_DIR / "var" / "deliverables")))
HW_POLICY_DIR = Path(env_str("HW_POLICY_DIR", str(BASE_DIR / "journeys" / "policies")))
HW_DEFAULT_BUDGET = {
    "tokens": env_int("HW_BUDGET_TOKENS", 400_000, minimum=1),
    "seconds": env_int("HW_BUDGET_SECONDS", 3600, minimum=1),
    "usd": env_float("HW_BUDGET_USD", 5.0),
}
HW_GOAL_MAX_CHARS = env_int("HW_GOAL_MAX_CHARS", 20_000, minimum=100)
# Uploaded documents (drafts to rewrite, papers to turn into slides): refused above this size,
# and refused when fewer words than this can be read from them.
HW_UPLOAD_MAX_BYTES = env_int("HW_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
HW_UPLOAD_MIN_WORDS = env_int("HW_UPLOAD_MIN_WORDS", 20, minimum=1)

# --- LLM --------------------------------------------------------------------------------------
# litellm model strings, tried in order. The default is the built-in offline model.
HW_LLM_MODELS = env_list("HW_LLM_MODELS", ["handywriterz/offline"])
HW_LLM_TIMEOUT_SECONDS = env_float("HW_LLM_TIMEOUT_SECONDS", 60.0)
# Seconds of simulated latency added by the built-in model (benchmarks and load tests only).
HW_OFFLINE_MODEL_LATENCY = env_float("HW_OFFLINE_MODEL_LATENCY", 0.0)

# --- Live run view (Server-Sent Events) -------------------------------------------------------
# A stream holds one web worker thread for its lifetime, so it is bounded: the browser's
# EventSource reconnects after it ends (Last-Event-ID resumes where it stopped).
HW_SSE_MAX_SECONDS = env_float("HW_SSE_MAX_SECONDS", 120.0)
# A comment line is sent this often when nothing happens, so proxies keep the connection open;
# the Event table is also polled at least this often in case a Redis wake-up was missed.
HW_SSE_KEEPALIVE_SECONDS = env_float("HW_SSE_KEEPALIVE_SECONDS", 10.0)
# Streams one web process serves at once; keep it below its threads (gunicorn --threads, 8 in the
# Procfile). Past it a viewer gets 503 + Retry-After and the page falls back to retrying later.
HW_SSE_MAX_STREAMS_PER_PROCESS = env_int("HW_SSE_MAX_STREAMS_PER_PROCESS", 6, minimum=1)

# The default cache (API throttling buckets) is shared by every web process through Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"{HW_QUEUE_PREFIX}.cache",
        # Bounded waits: a hung Redis must not hold API requests (throttles fail open on errors).
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# --- API --------------------------------------------------------------------------------------
# Requests per user (or per address when anonymous); "N/second|minute|hour|day".
HW_API_RATES = {
    "user": env_str("HW_API_RATE_USER", "600/minute"),
    "anon": env_str("HW_API_RATE_ANON", "60/minute"),
}

def env_structure(name: str) -> dict | None:
    """A JSON object given inline (starts with '{') or as the path of a .json/.yaml/.yml file."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        if raw.startswith("{"):
            value = json.loads(raw)
        else:
            text = Path(raw).read_text(encoding="utf-8")
            value = json.loads(text) if raw.endswith(".json") else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise ImproperlyConfigured(f"{name}: cannot read a JSON or YAML object from {raw[:200]!r}: {error}") from error
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must hold a JSON/YAML object, got {type(value).__name__}")
    return value


# --- Adaptive IO (docs/adaptive_io.md) ----------------------------------------------------------
# The model router: deployments, fallbacks, context-window fallbacks, per-provider overrides.
# Unset: HW_LLM_MODELS above is the model list. Validated by agents.llm.routing on first use
# and by `manage.py check`.
HW_LLM_ROUTER = env_structure("HW_LLM_ROUTER")
# Per-tool overrides of the IO policy below: {"tool_name": {"rpm": 60, "retry": {...}, ...}}.
HW_TOOL_IO = env_structure("HW_TOOL_IO") or {}
# Rate buckets, breakers, budget ledgers and retry counters live here, shared by every worker.
HW_ADAPTIVE_REDIS_URL = env_str("HW_ADAPTIVE_REDIS_URL", REDIS_URL)
HW_ADAPTIVE_PREFIX = env_str("HW_ADAPTIVE_PREFIX", f"{HW_QUEUE_PREFIX}:aio")
# Defaults of every provider and tool (each may override them in HW_LLM_ROUTER / HW_TOOL_IO).
HW_IO_DEFAULTS = {
    # The longest a step waits for a rate slot, a cool-down or an open circuit; beyond it the
    # run pauses (LLM) or the node hears "unavailable" (tools), and the worker is free.
    "max_wait": env_float("HW_IO_MAX_WAIT_SECONDS", 60.0),
    "retry": {
        "max_attempts": env_int("HW_RETRY_MAX_ATTEMPTS", 4, minimum=1),
        "base_delay": env_float("HW_RETRY_BASE_SECONDS", 0.5),
        "max_delay": env_float("HW_RETRY_MAX_SECONDS", 30.0),
        "max_retry_after": env_float("HW_RETRY_MAX_RETRY_AFTER_SECONDS", 120.0),
    },
    "breaker": {
        "failure_threshold": env_int("HW_BREAKER_FAILURE_THRESHOLD", 5, minimum=1),
        "open_seconds": env_float("HW_BREAKER_OPEN_SECONDS", 30.0),
        "max_open_seconds": env_float("HW_BREAKER_MAX_OPEN_SECONDS", 600.0),
    },
}
# Retries (tries beyond the first of each call) allowed per step and per run; 0 = no cap.
HW_RETRY_STEP_CAP = env_int("HW_RETRY_STEP_CAP", 12, minimum=0)
HW_RETRY_RUN_CAP = env_int("HW_RETRY_RUN_CAP", 200, minimum=0)
# Spending caps besides the run's own budget, in USD; 0 = none.
HW_STEP_BUDGET_USD = env_float("HW_STEP_BUDGET_USD", 0.0)
HW_USER_DAILY_BUDGET_USD = env_float("HW_USER_DAILY_BUDGET_USD", 0.0)
# A run paused because every provider is down fails after waiting this long in total.
HW_PROVIDER_OUTAGE_MAX_SECONDS = env_int("HW_PROVIDER_OUTAGE_MAX_SECONDS", 6 * 3600, minimum=1)

# --- Research: scholarly search and full-text fetching ---------------------------------------
# Base URL per provider, as a JSON object, e.g. {"openalex": "http://127.0.0.1:8001/openalex"};
# providers not named use their real public endpoints (tools.scholarly.DEFAULT_BASE_URLS).
HW_SCHOLARLY_BASE_URLS = env_json_object("HW_SCHOLARLY_BASE_URLS", {})
# The embedded default needs no network: with the built-in model and no provider URLs set, the
# Researcher searches the bundled demo corpus (fictitious works, DOIs 10.5555) through the
# "corpus" provider, and every deliverable built from it says so. Set HW_SCHOLARLY_CORPUS to a
# directory of CSL-JSON records to use another corpus, or to "" to use the public APIs.
_EMBEDDED_DEFAULT = HW_LLM_MODELS == ["handywriterz/offline"] and not HW_SCHOLARLY_BASE_URLS
HW_SCHOLARLY_CORPUS = env_str(
    "HW_SCHOLARLY_CORPUS", str(BASE_DIR / "tools" / "scholarly" / "demo_corpus") if _EMBEDDED_DEFAULT else ""
)
# Enabled providers in order of preference: the Researcher asks the first two first and widens
# to the rest (agents/research/ladder.py).
HW_SCHOLARLY_PROVIDERS = env_list(
    "HW_SCHOLARLY_PROVIDERS",
    ["corpus"] if HW_SCHOLARLY_CORPUS else ["openalex", "crossref", "semantic_scholar", "europe_pmc", "arxiv"],
)
# Contact address sent to the providers (OpenAlex and Crossref "polite pool", Europe PMC email).
HW_SCHOLARLY_MAILTO = env_str("HW_SCHOLARLY_MAILTO", "")
HW_SCHOLARLY_USER_AGENT = env_str("HW_SCHOLARLY_USER_AGENT", "HandyWriterz/0.1 (academic writing assistant)")
HW_SCHOLARLY_TIMEOUT_SECONDS = env_float("HW_SCHOLARLY_TIMEOUT_SECONDS", 10.0)
HW_SCHOLARLY_MAX_RETRIES = env_int("HW_SCHOLARLY_MAX_RETRIES", 2, minimum=0)
# A provider asking us to wait longer than this (Retry-After) is skipped for the pass instead.
HW_SCHOLARLY_RETRY_AFTER_CAP_SECONDS = env_float("HW_SCHOLARLY_RETRY_AFTER_CAP_SECONDS", 5.0)
HW_SEMANTIC_SCHOLAR_API_KEY = env_str("HW_SEMANTIC_SCHOLAR_API_KEY", "")
# Hosts the full-text fetcher may reach even though they resolve to private or loopback
# addresses (the SSRF guard refuses those otherwise). Tests and the evaluation harness: 127.0.0.1.
HW_FETCH_ALLOWED_HOSTS = env_list("HW_FETCH_ALLOWED_HOSTS", [])
HW_FETCH_MAX_BYTES = env_int("HW_FETCH_MAX_BYTES", 5_000_000, minimum=1000)
HW_FETCH_TIMEOUT_SECONDS = env_float("HW_FETCH_TIMEOUT_SECONDS", 15.0)
# --- Evaluation harness (docs/evaluation.md) ---------------------------------------------------
# `manage.py eval run` and the nightly suite run in a child process with its own queue prefix,
# Redis database, workers and fakes, so a developer's or production worker never takes its steps.
HW_EVAL_ISOLATED = env_bool("HW_EVAL_ISOLATED", False)  # set by the harness for its child process
HW_EVAL_QUEUE_PREFIX = env_str("HW_EVAL_QUEUE_PREFIX", f"{HW_QUEUE_PREFIX}eval")
HW_EVAL_REDIS_DB = env_int("HW_EVAL_REDIS_DB", 14, minimum=0)
HW_EVAL_SUITE_DIR = Path(env_str("HW_EVAL_SUITE_DIR", str(BASE_DIR / "evaluation" / "tasks")))
# A task whose run has not ended (or settled waiting for a human) by then is aborted and fails.
HW_EVAL_TASK_TIMEOUT_SECONDS = env_float("HW_EVAL_TASK_TIMEOUT_SECONDS", 300.0)
HW_EVAL_WORKER_CONCURRENCY = env_int("HW_EVAL_WORKER_CONCURRENCY", 2, minimum=1)
# A busy machine may take minutes to import and start a worker; the task fails after this.
HW_EVAL_WORKER_READY_SECONDS = env_float("HW_EVAL_WORKER_READY_SECONDS", 180.0)
# The whole suite run by the nightly task (and by `manage.py eval run` as a child) gives up after this.
HW_EVAL_SUITE_TIMEOUT_SECONDS = env_float("HW_EVAL_SUITE_TIMEOUT_SECONDS", 3600.0)
HW_EVAL_LOG_DIR = Path(env_str("HW_EVAL_LOG_DIR", str(BASE_DIR / "var" / "eval")))

# --- Memory: embeddings, lessons, profiles (docs/memory.md) ----------------------------------
# The embedding model. The default runs from an installed package with no network
# (agents/embeddings.py); any other name is a litellm embedding model (e.g.
# "openai/text-embedding-3-small"), asked for 384 dimensions: the vector columns and their HNSW
# indexes are vector(384). Changing it re-embeds every stored vector in the background
# (`manage.py memory reembed`); until a vector is re-embedded, search reads it by its words.
HW_EMBEDDING_MODEL = env_str("HW_EMBEDDING_MODEL", "sentence-transformers/all-MiniLM-L6-v2")
HW_EMBEDDING_TIMEOUT_SECONDS = env_float("HW_EMBEDDING_TIMEOUT_SECONDS", 30.0)
# Embed a step's new chunks right after it commits (a background task); off, the sweep above does.
HW_EMBED_CHUNKS_ON_WRITE = env_bool("HW_EMBED_CHUNKS_ON_WRITE", True)
HW_EMBED_BATCH = env_int("HW_EMBED_BATCH", 64, minimum=1)
# Batches one embedding task runs before it leaves the rest to the next task (keeps tasks short).
HW_EMBED_BATCHES_PER_TASK = env_int("HW_EMBED_BATCHES_PER_TASK", 4, minimum=1)
HW_EMBED_TASK_SECONDS = env_int("HW_EMBED_TASK_SECONDS", 900, minimum=10)
# Distil lessons from every run that ends (a background task after the final step commits).
HW_DISTIL_LESSONS = env_bool("HW_DISTIL_LESSONS", True)
# A lesson is used only when its topic is at least this similar (cosine) to the run's topic.
HW_LESSON_MIN_SIMILARITY = env_float("HW_LESSON_MIN_SIMILARITY", 0.55)
# Episodic memory: the bounded context the agents read about their own run (characters).
HW_EPISODE_CONTEXT_CHARS = env_int("HW_EPISODE_CONTEXT_CHARS", 6000, minimum=500)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["journeys.api.permissions.RouteRule"],
    "DEFAULT_THROTTLE_CLASSES": [
        "journeys.api.throttling.UserThrottle",
        "journeys.api.throttling.AnonThrottle",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "journeys.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HandyWriterz API",
    "DESCRIPTION": "Start and follow writing runs, answer the agents' questions, download deliverables.",
    "VERSION": "2.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # The docs pages load Swagger UI / Redoc from the sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Turnitin cycles (turnitin/) -----------------------------------------------------------------
# Turnitin has no API we may call: a human checker runs the check. See docs/turnitin.md.
# Shared secret of the external workbench's webhook (HMAC-SHA256); empty = webhook switched off.
HW_TURNITIN_WEBHOOK_SECRET = env_str("HW_TURNITIN_WEBHOOK_SECRET", "")
# A signed webhook request older or newer than this is refused (replay window).
HW_TURNITIN_WEBHOOK_TOLERANCE_SECONDS = env_int("HW_TURNITIN_WEBHOOK_TOLERANCE_SECONDS", 300, minimum=1)
# How long a checker may hold a claimed job before it goes back to the queue.
HW_TURNITIN_CLAIM_SLA_SECONDS = env_int("HW_TURNITIN_CLAIM_SLA_SECONDS", 4 * 3600, minimum=1)
HW_TURNITIN_MAX_ACTIVE_CLAIMS = env_int("HW_TURNITIN_MAX_ACTIVE_CLAIMS", 3, minimum=1)
# A cycle nobody completes in this time expires; the run then ends with its best draft and a note.
HW_TURNITIN_CYCLE_EXPIRY_SECONDS = env_int("HW_TURNITIN_CYCLE_EXPIRY_SECONDS", 72 * 3600, minimum=60)
HW_TURNITIN_REPORT_MAX_BYTES = env_int("HW_TURNITIN_REPORT_MAX_BYTES", 15 * 1024 * 1024, minimum=1024)
HW_TURNITIN_REPORT_MAX_PAGES = env_int("HW_TURNITIN_REPORT_MAX_PAGES", 60, minimum=1)
# Fuzzy-match score (0-100) a highlighted passage needs to count as found in the draft.
HW_TURNITIN_LOCATE_MIN_SCORE = env_float("HW_TURNITIN_LOCATE_MIN_SCORE", 85.0)
# The webhook carries the report base64-encoded in JSON: allow for that in the request body.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2_621_440, HW_TURNITIN_REPORT_MAX_BYTES * 3 + 65_536)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Email (student and checker notifications) ----------------------------------------------------
EMAIL_BACKEND = env_str("HW_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("HW_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("HW_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("HW_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("HW_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("HW_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("HW_EMAIL_TIMEOUT_SECONDS", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("HW_DEFAULT_FROM_EMAIL", "HandyWriterz <no-reply@handywriterz.local>")
HW_SITE_URL = env_str("HW_SITE_URL", "http://127.0.0.1:8000")

# --- Web security (docs/security.md, "Web") ----------------------------------------------------
# HTTPS on: cookies only over TLS, HSTS, plain HTTP redirected. On by default when the site's
# public URL is https://; the embedded default serves plain HTTP on 127.0.0.1.
HW_HTTPS = env_bool("HW_HTTPS", HW_SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = HW_HTTPS
CSRF_COOKIE_SECURE = HW_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("HW_SESSION_AGE_SECONDS", 14 * 24 * 3600, minimum=60)
SECURE_SSL_REDIRECT = HW_HTTPS and env_bool("HW_SSL_REDIRECT", True)
# Where TLS ends at a proxy, the header it sets (e.g. X-Forwarded-Proto) tells Django the request
# was https. Only set it when that proxy always overwrites the header: a client could forge it.
HW_PROXY_SSL_HEADER = env_str("HW_PROXY_SSL_HEADER", "")
# How many reverse proxies in front of the web server append the client's address to
# X-Forwarded-For (0: none; the header, which anyone can forge, is then ignored and the client is
# REMOTE_ADDR). Login lockouts and anonymous API rates key on that address (handywriterz/client_ip.py).
HW_TRUSTED_PROXY_COUNT = env_int("HW_TRUSTED_PROXY_COUNT", 0, minimum=0)
if HW_PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + HW_PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = env_int("HW_HSTS_SECONDS", 365 * 24 * 3600 if HW_HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HW_HSTS_INCLUDE_SUBDOMAINS", True)
# The header only allows submitting the domain to the browsers' preload list; nothing is sent.
SECURE_HSTS_PRELOAD = env_bool("HW_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("HW_CSRF_TRUSTED_ORIGINS", [HW_SITE_URL.rstrip("/")])
# Content-Security-Policy by path prefix (longest match wins); handywriterz/headers.py sends it.
# The portal has no inline script or style. The admin's templates and the API docs pages
# (drf-spectacular's Swagger UI / Redoc) use inline ones, so those prefixes allow them.
_CSP_BASE = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
    "font-src": "'self'", "connect-src": "'self'", "object-src": "'none'", "base-uri": "'none'",
    "form-action": "'self'", "frame-ancestors": "'none'",
}
HW_CSP = {
    "/": _CSP_BASE,
    "/admin/": {**_CSP_BASE, "style-src": "'self' 'unsafe-inline'"},
    "/api/docs/": {**_CSP_BASE, "script-src": "'self' 'unsafe-inline'", "style-src": "'self' 'unsafe-inline'"},
    "/api/redoc/": {
        **_CSP_BASE, "script-src": "'self' 'unsafe-inline'", "style-src": "'self' 'unsafe-inline'",
        "worker-src": "'self' blob:",
    },
}
HW_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

# Login throttling (django-axes): this many failed log-ins of one username from one address lock
# that pair out for the cool-off; a successful log-in resets the count. Per pair rather than
# per username, so nobody can lock a student out from elsewhere by guessing at their name.
AXES_FAILURE_LIMIT = env_int("HW_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("HW_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "journeys.portal.views.locked_out"
AXES_VERBOSE = False
# The client's address by one rule for axes and the API's anonymous buckets (handywriterz/client_ip.py).
AXES_CLIENT_IP_CALLABLE = "handywriterz.client_ip.client_ip"

# Values never written to a log, an event, a step or an artifact (journeys/redaction.py): every
# environment variable whose name says it holds a secret, and passwords inside service URLs.
_SECRET_NAME = re.compile(
    r"(^|_)(SECRET|SECRET_KEY|API_KEY|APIKEY|TOKEN|PASSWORD|PASSWD|CREDENTIALS?|ACCESS_KEY|PRIVATE_KEY|BASIC_AUTH)($|_)"
)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@\s]*:([^@\s]+)@", re.IGNORECASE)


def _secret_values(environ: dict[str, str]) -> list[str]:
    found = set()
    for name, value in environ.items():
        if _SECRET_NAME.search(name.upper()):
            found.add(value.partition(":")[2] if name.upper().endswith("BASIC_AUTH") else value)
        password = _URL_PASSWORD.match(value)
        if password:
            found.add(password.group(1))
    # Short values ("true", "1") would redact ordinary words; real secrets are longer.
    return sorted((value for value in found if len(value) >= 8), key=len, reverse=True)


HW_SECRET_VALUES = _secret_values(dict(os.environ))
# --- Tools: sandbox, ingestion, repair (docs/tools.md) ----------------------------------------
# Where generated or patched tool code runs. "auto" uses namespaces when running as root with
# util-linux `unshare`, else resource limits only (weaker; the sandbox report says which).
HW_SANDBOX_ISOLATION = env_str("HW_SANDBOX_ISOLATION", "auto")
if HW_SANDBOX_ISOLATION not in {"auto", "namespaces", "rlimits"}:
    raise ImproperlyConfigured(f"HW_SANDBOX_ISOLATION must be auto, namespaces or rlimits, got {HW_SANDBOX_ISOLATION!r}")
HW_SANDBOX_LIMITS = {
    "cpu_seconds": env_int("HW_SANDBOX_CPU_SECONDS", 5, minimum=1),
    "wall_seconds": env_float("HW_SANDBOX_WALL_SECONDS", 20.0),
    "memory_mb": env_int("HW_SANDBOX_MEMORY_MB", 512, minimum=128),
    "file_mb": env_int("HW_SANDBOX_FILE_MB", 16, minimum=1),
    "scratch_mb": env_int("HW_SANDBOX_SCRATCH_MB", 64, minimum=4),
    "processes": env_int("HW_SANDBOX_PROCESSES", 16, minimum=1),
    "open_files": env_int("HW_SANDBOX_OPEN_FILES", 64, minimum=16),
    "isolation": HW_SANDBOX_ISOLATION,
}
# OpenAPI ingestion limits: a document larger, deeper or with more operations is refused.
HW_OPENAPI_MAX_BYTES = env_int("HW_OPENAPI_MAX_BYTES", 2_000_000, minimum=1000)
HW_OPENAPI_MAX_REF_DEPTH = env_int("HW_OPENAPI_MAX_REF_DEPTH", 12, minimum=1)
HW_OPENAPI_MAX_OPERATIONS = env_int("HW_OPENAPI_MAX_OPERATIONS", 64, minimum=1)
HW_OPENAPI_FETCH_TIMEOUT = env_float("HW_OPENAPI_FETCH_TIMEOUT", 10.0)
# API descriptions offered in a run's spec must be on public addresses; these hosts ("host" or
# "host:port") are allowed anyway (tests, an intranet API the operators trust).
HW_TOOL_OFFER_ALLOWED_HOSTS = env_list("HW_TOOL_OFFER_ALLOWED_HOSTS", [])
