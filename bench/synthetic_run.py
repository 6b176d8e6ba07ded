"""A synthetic long run (steps with events, as the engine records them) for the episodic-memory
benchmark and tests: the shape of a write journey that researches, writes, checks, hits errors
and replans, with messages as long as the real nodes write."""
from __future__ import annotations

from typing import Any

PROVIDERS = ["openalex", "crossref", "semantic_scholar", "europe_pmc", "arxiv"]


def synthetic_step(seq: int) -> dict[str, Any]:
    """Step `seq` of the synthetic run: a plain dict as journeys.memory.episodes reads it."""
    if seq == 0:
        return step(seq, "planner", "plan", "act", [("plan", "Planned 40 sections for about 20000 words; steps: "
                                                    + ", ".join(f"write-{index} (write)" for index in range(40)))])
    if seq % 2 == 0:
        return step(seq, "critic", "reflect", "act", [("verdict", f"-> act: {seq // 2} of 100 steps done; next: "
                    f"write-{seq // 2 % 40}; sections 1-{seq // 5} within the word gate; no QA fault outstanding")])
    if seq % 25 == 1:
        provider = PROVIDERS[(seq // 25) % len(PROVIDERS)]
        return step(seq, "researcher", "expand", "reflect", [
            ("widen", f"Widening the search (rung 2 of 5: other providers) because 3 of the 8 sources needed so far, the "
                      f"last pass added {seq % 3}"),
            ("research", f"Searched {provider}, europe_pmc with 4 queries (from 2016; any region): 45 results, 12 new works, "
                         f"5 passed the filters (left out: 4 off topic, 3 too old); chose {seq % 4}"),
        ], observation={"rung": "more_providers", "chosen": seq % 4, "requests": 8})
    if seq % 17 == 0:
        return step(seq, "executor", "act", "reflect", [("error", f"Step {seq} (act) failed: LLMError: every model failed: "
                    "scripted/default: 503 upstream overloaded")], error="LLMError: every model failed: 503 upstream overloaded")
    section = (seq // 2) % 40
    return step(seq, "executor", "act", "reflect", [
        ("action", f"Wrote section {section + 1}/40 \"Theme {section}: evidence and debates on urban heat and health\" "
                   f"({480 + seq % 40} words, {3 + seq % 5} cited passages)"),
    ], observation={"status": "done", "section": section, "words": 480 + seq % 40,
                    "signature": f"section {section}: {480 + seq % 40} words"})


def step(seq: int, node: str, route_in: str, route: str, events: list[tuple[str, str]], observation: dict | None = None,
         error: str = "") -> dict[str, Any]:
    return {
        "seq": seq, "node": node, "route_in": route_in, "route": route, "error": error, "observation": observation or {},
        "events": [{"kind": kind, "message": message} for kind, message in events],
    }


def synthetic_steps(count: int) -> list[dict[str, Any]]:
    return [synthetic_step(seq) for seq in range(count)]
