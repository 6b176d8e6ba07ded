"""The plan's steps, built from a journey's phases. Each step is a small dict (state is compact):

    {"id", "kind": research|write|evaluate|tool, "action": an agents.executor.ACTIONS name,
     "title", "depends_on": [ids], "success": {"test": name, ..., "text": for people},
     "status": pending|done|failed|skipped, "attempts": int, optional "section", "branch", "revise"}

The Executor runs the first pending step whose dependencies are done; the Critic evaluates the
success test of each done step (agents.gates).
"""
from __future__ import annotations

from typing import Any

from agents.taskspec import TaskSpec


def step(step_id: str, kind: str, action: str, title: str, depends_on: list[str], success: dict[str, Any], **extra: Any) -> dict:
    return {
        "id": step_id, "kind": kind, "action": action, "title": title, "depends_on": depends_on,
        "success": success, "status": "pending", "attempts": 0, **extra,
    }


def build_steps(phases: list[str], sections: list[dict[str, Any]], spec: TaskSpec, branches: list[dict]) -> list[dict]:
    steps: list[dict] = []
    last: list[str] = []
    branch_for = {item["section"]: item for item in branches}
    for phase in phases:
        added = PHASE_BUILDERS[phase](sections, spec, last, branch_for)
        steps += added
        last = [item["id"] for item in added] or last
    return steps


def _research(sections, spec: TaskSpec, after, branches) -> list[dict]:
    need = spec.min_sources
    return [step("research", "research", "research", f"Find at least {need} sources", after,
                 {"test": "sources", "min": need, "text": f"at least {need} usable sources with evidence chunks"})]


def _sections(action: str, kind: str = "write"):
    def build(sections, spec: TaskSpec, after, branches) -> list[dict]:
        built = []
        for index, section in enumerate(sections):
            extra = {"section": index}
            if index in branches and action == "write_section":
                extra["branch"] = branches[index]
            built.append(step(
                f"{action.split('_')[0]}-{index}", kind, action, f"{action.split('_')[0].capitalize()} \"{section['heading']}\"",
                after,
                {"test": "section", "section": index, "text": f"about {section['words']} words (±tolerance), claims cited"},
                **extra,
            ))
        return built
    return build


def _single(step_id: str, kind: str, action: str, title: str, test: dict[str, Any]):
    def build(sections, spec, after, branches) -> list[dict]:
        return [step(step_id, kind, action, title, after, test)]
    return build


PHASE_BUILDERS = {
    "research": _research,
    "write": _sections("write_section"),
    "rewrite": _sections("rewrite_section"),
    "synthesis": _sections("write_section"),
    "find_cited": _single("find-cited", "research", "find_cited", "Find the works the draft cites",
                          {"test": "cited", "text": "every citation of the draft matched to a retrieved work, or reported"}),
    "annotate": _single("annotate", "write", "annotate_sources", "Annotate every source",
                        {"test": "artifact", "name": "annotations", "text": "an annotation for every cited source"}),
    "claims": _single("claims", "tool", "claims_matrix", "Build the claims matrix",
                      {"test": "artifact", "name": "claims-matrix", "text": "a claims x sources matrix with evidence"}),
    "slides": _single("slides", "write", "build_slides", "Outline the slides with speaker notes",
                      {"test": "artifact", "name": "slides", "text": "a slide for every main point, with notes"}),
    "children": _single("spawn", "tool", "spawn_children", "Start one run per part",
                        {"test": "children_ended", "text": "every part's run has ended"}),
    "assemble": _single("assemble", "tool", "assemble_children", "Assemble the parts",
                        {"test": "sections_written", "text": "every part is in the document"}),
    "evaluate": _single("qa", "evaluate", "qa", "Check claims, citations, originality and structure",
                        {"test": "qa_passed", "text": "QA passes every gate"}),
    "interpret_upload": lambda sections, spec, after, branches: [],
}
