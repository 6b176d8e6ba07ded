"""TaskSpec: what the student asked for, validated. Every agent reads the run's spec through it.

The spec is built in two passes: `journeys.services.start_run` validates the explicit form fields
(so bad input never creates a run), then the GoalInterpreter (first node) reads the free-text goal
and fills in what the form left open. Explicit fields always win over interpreted ones.
"""
from __future__ import annotations

import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

# Styles a real CSL processor renders for us (agents.rendering maps each to a CSL file).
CITATION_STYLES = ("apa", "harvard", "mla", "chicago", "ieee", "vancouver")
DELIVERABLES = ("essay", "report", "literature_review", "research_pack", "slides", "assignment", "source_list")
LEVELS = ("secondary", "undergraduate", "postgraduate", "doctoral")
MIN_WORDS, MAX_WORDS = 100, 20_000
MAX_PARTS = 12
MAX_QUESTIONS = 5

_STYLE_ALIASES = {"chicago-author-date": "chicago", "harvard1": "harvard", "cite-them-right": "harvard"}
_LEVEL_ALIASES = {
    "school": "secondary", "a-level": "secondary", "high school": "secondary", "ug": "undergraduate",
    "bachelor": "undergraduate", "masters": "postgraduate", "master": "postgraduate", "msc": "postgraduate",
    "ma": "postgraduate", "phd": "doctoral", "doctorate": "doctoral",
}


class SpecError(ValueError):
    """A spec field is invalid; the message names the field and what is allowed."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Part(Strict):
    """One section of an assignment: its own goal, word target and deadline (a child run)."""

    title: str = Field(min_length=1, max_length=300)
    words: int = Field(ge=MIN_WORDS, le=MAX_WORDS)
    goal: str = Field("", max_length=4000)
    deadline: datetime.date | None = None


class ToolOffers(Strict):
    """API descriptions the run may turn into tools when its sources run dry (agents.tool_ingestor)."""

    openapi: list[str] = Field(default_factory=list, max_length=5, description="OpenAPI 3 document URLs (http/https).")

    @field_validator("openapi")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")) or len(url) > 2000:
                raise ValueError(f"an offered API description must be an http(s) URL, got {url[:100]!r}")
        return value


class TaskSpec(Strict):
    """The validated request. Word counts are whole-piece targets; tolerance comes from policy."""

    deliverable: Literal[DELIVERABLES] = "essay"  # type: ignore[valid-type]
    words: int = Field(1000, ge=MIN_WORDS, le=MAX_WORDS, description="Word target of the whole piece.")
    style: Literal[CITATION_STYLES] = "harvard"  # type: ignore[valid-type]
    level: Literal[LEVELS] = "undergraduate"  # type: ignore[valid-type]
    min_sources: int = Field(5, ge=0, le=100, description="Sources the piece must cite at least.")
    recency_years: int | None = Field(None, ge=1, le=100, description="Cite only works this recent.")
    region: str = Field("", max_length=60, description="Preferred origin of sources, e.g. 'UK'.")
    deadline: datetime.date | None = None
    constraints: list[str] = Field(default_factory=list, max_length=20)
    sections: int | None = Field(None, ge=1, le=400, description="Number of sections to plan.")
    slides: int | None = Field(None, ge=3, le=60, description="Slides in a deck.")
    parts: list[Part] = Field(default_factory=list, max_length=MAX_PARTS)
    topic: str = Field("", max_length=500, description="The subject, as the interpreter understood it.")
    uploads: list[str] = Field(default_factory=list, description="Keys of uploaded documents (Source keys).")
    interpreted: bool = Field(False, description="True once the GoalInterpreter has run.")
    explicit: list[str] = Field(default_factory=list, description="Fields the student set in the form (final).")
    part: int | None = Field(None, ge=0, description="For a child run: the index of its part in the parent.")
    turnitin: bool = Field(False, description="A human Turnitin check before delivery (where the journey's policy allows).")
    similarity_target: float | None = Field(None, ge=0, le=100, description="Highest acceptable similarity (%); None: policy.")
    tool_offers: ToolOffers = Field(default_factory=ToolOffers, description="APIs the run may ingest as tools.")

    @field_validator("style", mode="before")
    @classmethod
    def _style(cls, value: Any) -> Any:
        return normalise_style(value) if isinstance(value, str) else value

    @field_validator("deliverable", mode="before")
    @classmethod
    def _deliverable(cls, value: Any) -> Any:
        return value.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else value

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            return _LEVEL_ALIASES.get(lowered, lowered)
        return value

    @field_validator("constraints")
    @classmethod
    def _constraints(cls, value: list[str]) -> list[str]:
        return [item.strip()[:300] for item in value if item and item.strip()]

    @model_validator(mode="after")
    def _parts_fit(self) -> TaskSpec:
        if self.deliverable == "assignment" and self.parts:
            total = sum(part.words for part in self.parts)
            if total > MAX_WORDS:
                raise ValueError(f"the parts add up to {total} words; the limit is {MAX_WORDS}")
            late = [part.title for part in self.parts if self.deadline and part.deadline and part.deadline > self.deadline]
            if late:
                raise ValueError(f"part(s) {late} are due after the assignment's deadline {self.deadline}")
        return self


def normalise_style(value: str) -> str:
    lowered = value.strip().lower()
    return _STYLE_ALIASES.get(lowered, lowered)


def explain(error: ValidationError) -> str:
    """One readable line per problem: 'words: must be between 100 and 20000 (got 0)'."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "spec"
        message = item["msg"]
        if where == "style" or where.endswith(".style"):
            message = f"unknown citation style {item.get('input')!r}; known: {', '.join(CITATION_STYLES)}"
        elif where == "words" and item["type"] in {"greater_than_equal", "less_than_equal"}:
            message = f"the word target must be between {MIN_WORDS} and {MAX_WORDS} (got {item.get('input')})"
        elif item["type"] == "extra_forbidden":
            message = "is not a field of the task spec"
        lines.append(f"{where}: {message}")
    return "; ".join(lines)


def validate_spec(data: dict[str, Any]) -> TaskSpec:
    """A TaskSpec from plain data; SpecError with a readable message when it is invalid."""
    try:
        return TaskSpec.model_validate(data)
    except ValidationError as error:
        raise SpecError(explain(error)) from None


def spec_data(spec: TaskSpec) -> dict[str, Any]:
    """The JSON form stored on the run (dates as ISO strings, defaults included)."""
    return spec.model_dump(mode="json")


def task_of(spec: dict[str, Any]) -> TaskSpec:
    """The TaskSpec of a run's stored spec (unknown legacy keys are dropped, not fatal)."""
    known = {key: value for key, value in spec.items() if key in TaskSpec.model_fields}
    return validate_spec(known)
