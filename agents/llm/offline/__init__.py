"""The built-in offline model: deterministic, no network, no weights.

It answers each prompt from the task block at its end (agents.prompts): structured tasks get
valid JSON built by rules, writing tasks get prose assembled from the material in the input
(goal, points and, where the input carries them, evidence passages with their citation markers).
It keeps the whole product runnable offline and in tests; it does not understand language. Real
models configured in HW_LLM_MODELS receive the very same prompts. See docs/agents.md.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.llm.offline import checks, packs, planning, repair, research, revision, writing
from agents.memory.distil import offline_distil

TASKS: dict[str, Callable[[dict[str, Any]], str]] = {
    "interpret_goal": planning.interpret_goal,
    "plan_outline": planning.plan_outline,
    "plan_tasks": planning.plan_tasks,
    "write_section": writing.write_section,
    "rewrite_paragraph": writing.rewrite_paragraph,
    "check_claims": checks.check_claims,
    "check_argument": checks.check_argument,
    "annotate_source": packs.annotate_source,
    "extract_claims": packs.extract_claims,
    "slide_outline": packs.slide_outline,
    "expand_queries": research.expand_queries,
    "plan_revision": revision.plan_revision,
    "revise_passage": revision.revise_passage,
    "tool_patch": repair.tool_patch,
    "distil_lessons": offline_distil,
}


def answer(task: str, inputs: dict[str, Any]) -> str:
    try:
        handler = TASKS[task]
    except KeyError:
        raise KeyError(f"the offline model has no skill for task {task!r}; it knows {sorted(TASKS)}") from None
    return handler(inputs)
