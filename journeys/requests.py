"""What a student may ask for when starting a run, shared by the portal form and the API
serializer so both offer the same choices, and its validation: the goal, the word target, the
budgets and the spec (the agents' TaskSpec validates the spec as a whole). The services
(journeys/services.py) call these before they write; a refusal is an InvalidRequest whose message
is for the person who asked."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from agents import taskspec
from agents.taskspec import MAX_WORDS, MIN_WORDS, SpecError, spec_data, validate_spec
from journeys.policies import Policy

STYLE_NAMES = {"apa": "APA 7th", "harvard": "Harvard", "mla": "MLA 9th", "chicago": "Chicago author-date",
               "ieee": "IEEE", "vancouver": "Vancouver"}
LEVEL_NAMES = {"secondary": "Secondary school", "undergraduate": "Undergraduate", "postgraduate": "Postgraduate (Master's)",
               "doctoral": "Doctoral"}
# The values are TaskSpec's own, so a choice offered here is always one the spec accepts.
CITATION_STYLES = [(style, STYLE_NAMES.get(style, style)) for style in taskspec.CITATION_STYLES]
LEVELS = [(level, LEVEL_NAMES.get(level, level)) for level in taskspec.LEVELS]
MAX_REGION_CHARS = 60
MAX_RECENCY_YEARS = 100
MAX_MIN_SOURCES = 100
UPLOAD_EXTENSIONS = (".docx", ".pdf", ".txt", ".md")

# Request field -> TaskSpec field, for the fields copied into the run's spec.
SPEC_FIELDS = {"style": "style", "level": "level", "region": "region", "recency": "recency_years",
               "deadline": "deadline", "min_sources": "min_sources"}


def spec_from_request(cleaned: dict[str, Any]) -> dict[str, Any]:
    """The run spec from validated request fields; empty optional fields are left out."""
    spec: dict[str, Any] = {}
    for name, field in SPEC_FIELDS.items():
        value = cleaned.get(name)
        if value in (None, ""):
            continue
        spec[field] = value.isoformat() if isinstance(value, date) else value
    return spec


def upload_problem(name: str, size: int, max_bytes: int) -> str:
    """Why an uploaded file is refused, or '' when it is acceptable."""
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        return f"'{name}' is not a supported file; upload one of: {', '.join(UPLOAD_EXTENSIONS)}"
    if size > max_bytes:
        return f"'{name}' is {size / 1_048_576:.1f} MB; the limit is {max_bytes / 1_048_576:.0f} MB"
    if size == 0:
        return f"'{name}' is empty"
    return ""


class InvalidRequest(ValueError):
    """A request that cannot be carried out; the message says why, for the person who asked."""


class RunNotFound(InvalidRequest):
    pass


@dataclass(frozen=True)
class BudgetRequest:
    tokens: int | None = None
    seconds: float | None = None
    usd: float | None = None


def validate_goal(goal: str) -> str:
    goal = (goal or "").strip()
    if not goal:
        raise InvalidRequest("the goal is empty; say what you want written")
    if len(goal) > settings.HW_GOAL_MAX_CHARS:
        raise InvalidRequest(f"the goal is {len(goal)} characters long; the limit is {settings.HW_GOAL_MAX_CHARS}")
    if "\x00" in goal:
        raise InvalidRequest("the goal contains a NUL character")
    return goal


def validate_words(words: Any, default: int) -> int:
    if words is None:
        return default
    try:
        value = int(words)
    except (TypeError, ValueError):
        raise InvalidRequest(f"the word target must be a whole number, got {words!r}") from None
    if not MIN_WORDS <= value <= MAX_WORDS:
        raise InvalidRequest(f"the word target must be between {MIN_WORDS} and {MAX_WORDS}, got {value}")
    return value


def build_spec(
    policy: Policy, words: int | None, fields: dict[str, Any], preferences: dict[str, str] | None = None
) -> dict[str, Any]:
    """The run's TaskSpec from the policy's defaults, the student's remembered preferences
    (profile memory: style, level) and the fields the student gave explicitly.

    `explicit` lists those fields so the GoalInterpreter never overrides them with a guess."""
    given = {key: value for key, value in fields.items() if value is not None and value != "" and value != []}
    if words is not None:
        given["words"] = validate_words(words, policy.gates.default_words)
    elif "words" in given:
        given["words"] = validate_words(given["words"], policy.gates.default_words)
    explicit = sorted(key for key in given if key not in {"uploads", "interpreted", "topic", "explicit", "part"})
    defaults = {"deliverable": policy.deliverable, "words": policy.gates.default_words, **policy.spec_defaults}
    defaults.update(preferences or {})
    try:
        spec = validate_spec({**defaults, **given, "explicit": explicit})
    except SpecError as error:
        raise InvalidRequest(str(error)) from None
    return spec_data(spec)


def resolve_budgets(defaults: dict[str, float], request: BudgetRequest) -> dict[str, Any]:
    limits = {}
    for name in ("tokens", "seconds", "usd"):
        value = getattr(request, name)
        value = defaults[name] if value is None else value
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise InvalidRequest(f"the {name} budget must be a number, got {value!r}") from None
        if number < 0 or not number.is_finite():
            raise InvalidRequest(f"the {name} budget must be zero or more, got {value}")
        limits[name] = number
    return {
        "limit_tokens": int(limits["tokens"]),
        "limit_seconds": float(limits["seconds"]),
        "limit_usd": limits["usd"].quantize(Decimal("0.000001")),
    }
