"""Journey policies: one YAML file per journey in this folder, validated on load.

Unknown keys are refused, so a typo in a policy is an error, not a silently ignored rule.
Operators change policies without a deploy; a run keeps the policy it started with.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agents.registry import NODES
from agents.taskspec import SpecError, validate_spec


class PolicyError(ValueError):
    pass


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Budgets(Strict):
    """Default limits of a run of this journey (a start request may lower or raise them)."""

    tokens: int = Field(gt=0, description="LLM tokens, prompt plus completion.")
    seconds: float = Field(gt=0, description="Seconds spent executing steps (not waiting).")
    usd: float = Field(ge=0, description="Provider cost in US dollars.")


class Gates(Strict):
    word_tolerance: float = Field(0.10, ge=0, le=1, description="Allowed relative distance from the word target.")
    sections: int = Field(5, ge=1, le=400, description="Default number of sections.")
    default_words: int = Field(1000, ge=50, description="Word target when the request names none.")
    # --- research gates (agents.researcher; see docs/research.md) ---
    min_sources: int = Field(0, ge=0, le=200, description="Sources the research must find before writing; 0: no gate.")
    recency_years: int | None = Field(
        None, ge=1, le=200, description="Sources published within this many years; None: any year. The spec may override."
    )
    region: str = Field("", max_length=60, description="Region the sources should come from or be about, e.g. 'UK'; '': any.")
    # --- Turnitin gates (agents.similarity_gate; see docs/turnitin.md) ---
    turnitin: Literal["off", "on_request", "always"] = Field(
        "off", description="Turnitin check by a human checker: never, when the student's spec asks (turnitin: true), or always."
    )
    similarity_target: float = Field(
        15.0, ge=0, le=100, description="Highest acceptable overall similarity (%), unless the spec sets one."
    )
    max_turnitin_cycles: int = Field(
        3, ge=1, le=10, description="Turnitin checks at most; then the best draft is delivered with a note."
    )


# The plan skeleton a journey's Planner builds from, in order (agents.planner.phases).
PHASES = ("interpret_upload", "research", "find_cited", "write", "rewrite", "annotate", "claims", "synthesis",
          "slides", "children", "assemble", "evaluate")


class QualityGates(Strict):
    """What QA measures and the Critic enforces (agents.qa, agents.critic)."""

    claim_support_min: float = Field(0.9, ge=0, le=1, description="Share of cited sentences their chunk supports.")
    support_similarity: float = Field(0.3, ge=0, le=1, description="Least sentence-chunk similarity that counts as support.")
    similarity_max: float = Field(0.15, ge=0, le=1, description="Largest share of a section copied from one source.")
    copied_run_words: int = Field(8, ge=4, le=40, description="Unquoted words in a row shared with a source that flag a copy.")
    meaning_min: float = Field(0.8, ge=0, le=1, description="Rewrite: least embedding similarity per original chunk.")
    coverage_min: float = Field(1.0, ge=0, le=1, description="Slides: share of main points a slide covers.")
    max_repairs: int = Field(2, ge=0, le=10, description="Rewrites of one section before the Critic stops asking.")


class LoopLimits(Strict):
    """How the Critic notices it is going round in circles, and what it does then."""

    repeat_threshold: int = Field(3, ge=2, le=20, description="Same action with the same outcome this often is a loop.")
    max_replans: int = Field(3, ge=0, le=20, description="Replans before the Critic asks the student.")
    max_expansions: int = Field(2, ge=0, le=10, description="Widened searches before research counts as a dead end.")
    history: int = Field(12, ge=4, le=100, description="Recent (action, outcome) pairs kept in the state.")


class ToolPolicy(Strict):
    """Which tools the run's nodes may call, and how hard the SelfDebugger tries to repair one."""

    allowed: list[str] = Field(default_factory=lambda: ["*"], description="fnmatch patterns of tool names.")
    repair_attempts: int = Field(2, ge=1, le=5, description="Patches tried for one failure before rolling back.")
    max_repairs_per_tool: int = Field(2, ge=1, le=10, description="Repairs of one tool in one run before it is disabled.")


class Policy(Strict):
    journey: str
    description: str
    deliverable: str = Field(description="What the student receives, e.g. 'essay'.")
    routes: dict[str, str] = Field(description="Route name -> node name (agents.registry.NODES).")
    start_route: str = "plan"
    error_route: str = Field("reflect", description="Where a step that raised goes next.")
    max_consecutive_errors: int = Field(3, ge=1, description="Failed steps in a row before the run fails.")
    max_steps: int = Field(200, ge=1, description="Steps before the run ends as budget_exhausted.")
    budget_exhausted_route: str = Field("finalize", description="Run when a budget is used up.")
    budgets: Budgets
    gates: Gates = Gates()
    phases: list[Literal[PHASES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["write"], description="The plan skeleton, in order (see agents.planner)."
    )
    quality: QualityGates = QualityGates()
    loops: LoopLimits = LoopLimits()
    turnitin: bool = Field(False, description="Hand the draft to a human for a similarity report before finalizing.")
    requires_upload: bool = Field(False, description="A run of this journey needs an uploaded document.")
    spec_defaults: dict[str, Any] = Field(default_factory=dict, description="TaskSpec defaults (style, min_sources ...).")
    tools: ToolPolicy = ToolPolicy()

    @model_validator(mode="after")
    def _routes_are_known(self) -> Policy:
        unknown = sorted(node for node in self.routes.values() if node not in NODES)
        if unknown:
            raise ValueError(f"unknown nodes {unknown}; known nodes: {sorted(NODES)}")
        for name in (self.start_route, self.error_route, self.budget_exhausted_route):
            if name not in self.routes:
                raise ValueError(f"route {name!r} is not in routes {sorted(self.routes)}")
        if self.turnitin or self.gates.turnitin != "off":
            missing = sorted({"turnitin_pause", "plan_revision", "revise", "finalize"} - set(self.routes))
            if missing:
                raise ValueError(f"gates.turnitin is {self.gates.turnitin!r} but routes lack {missing}")
        try:
            validate_spec({"deliverable": self.deliverable, **self.spec_defaults})
        except SpecError as error:
            raise ValueError(f"spec_defaults: {error}") from None
        return self


def policy_dir() -> Path:
    return Path(settings.HW_POLICY_DIR)


def known_journeys() -> list[str]:
    return sorted(path.stem for path in policy_dir().glob("*.yaml"))


def load_policy(journey: str) -> Policy:
    """The validated policy of `journey`; PolicyError names the journey, the file and the problem."""
    path = policy_dir() / f"{journey}.yaml"
    if not path.is_file():
        raise PolicyError(f"unknown journey {journey!r}; known journeys: {', '.join(known_journeys())}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        policy = Policy.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as error:
        raise PolicyError(f"policy {path.name} is invalid: {error}") from error
    if policy.journey != journey:
        raise PolicyError(f"policy {path.name} names journey {policy.journey!r}, expected {journey!r}")
    return policy
