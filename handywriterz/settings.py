"""The one settings module. Every value comes from the environment, with defaults that run the
whole product on one machine with nothing configured (the embedded default). `os.environ` is read
here and nowhere else."""
from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
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
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("HW_REQUIRE_SECRET_KEY", False):
        raise ImproperlyConfigured("SECRET_KEY must be set in production")
    # Only for the embedded default and tests; production sets SECRET_KEY.
    SECRET_KEY = "insecure-embedded-default-key-set-SECRET_KEY-in-production"
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
if env_bool("HW_DB_POOL", False):
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
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "LiteLLM": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
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
CELERY_TASK_QUEUES = [Queue(HW_CONTROL_QUEUE, _exchange, routing_key=HW_CONTROL_QUEUE)] + [
    Queue(f"{HW_QUEUE_PREFIX}.lane.{lane}", _exchange, routing_key=f"{HW_QUEUE_PREFIX}.lane.{lane}")
    for lane in range(HW_LANES)
]
CELERY_TASK_DEFAULT_QUEUE = HW_CONTROL_QUEUE
CELERY_TASK_DEFAULT_EXCHANGE = HW_QUEUE_PREFIX
CELERY_TASK_DEFAULT_ROUTING_KEY = HW_CONTROL_QUEUE
CELERY_BEAT_SCHEDULER = env_str("HW_BEAT_SCHEDULER", "django_celery_beat.schedulers:DatabaseScheduler")
HW_REAPER_INTERVAL_SECONDS = env_float("HW_REAPER_INTERVAL_SECONDS", 15.0)
CELERY_BEAT_SCHEDULE = {
    "reap-expired-run-leases": {
        "task": "journeys.tasks.reap_runs_task",
        "schedule": HW_REAPER_INTERVAL_SECONDS,
        "options": {"queue": HW_CONTROL_QUEUE, "expires": HW_REAPER_INTERVAL_SECONDS * 2},
    },
}

# --- The engine -------------------------------------------------------------------------------
# A claimed step's lease: renewed every third of it while the step runs; a worker that dies
# stops renewing, and another may take the step over this long after (crash recovery).
HW_STEP_LEASE_SECONDS = env_int("HW_STEP_LEASE_SECONDS", 60, minimum=1)
# A step that runs longer than this is killed (Celery hard time limit), whatever its lease.
HW_STEP_TIME_LIMIT_SECONDS = env_int("HW_STEP_TIME_LIMIT_SECONDS", 900, minimum=1)
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
    }
}

# --- API --------------------------------------------------------------------------------------
# Requests per user (or per address when anonymous); "N/second|minute|hour|day".
HW_API_RATES = {
    "user": env_str("HW_API_RATE_USER", "600/minute"),
    "anon": env_str("HW_API_RATE_ANON", "60/minute"),
}

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
