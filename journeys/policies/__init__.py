"""Journey policies: one YAML file per journey in this folder, validated on load.

Unknown keys are refused, so a typo in a policy is an error, not a silently ignored rule.
Operators change policies without a deploy; a run keeps the policy it started with.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agents.registry import NODES


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
    tools: ToolPolicy = ToolPolicy()

    @model_validator(mode="after")
    def _routes_are_known(self) -> Policy:
        unknown = sorted(node for node in self.routes.values() if node not in NODES)
        if unknown:
            raise ValueError(f"unknown nodes {unknown}; known nodes: {sorted(NODES)}")
        for name in (self.start_route, self.error_route, self.budget_exhausted_route):
            if name not in self.routes:
                raise ValueError(f"route {name!r} is not in routes {sorted(self.routes)}")
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
