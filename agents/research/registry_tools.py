"""Registry tools as one more source of works for the Researcher's passes.

Each pass also asks the search tools the run may use (policy `tools.allowed`, minus the ones a
rollback disabled): the active tools and the candidates this run ingested, with the pass's first
queries. Their works join the providers' and go through the same de-duplication, scoring and
selection. A tool that fails or whose result drifts from its spec stops being asked in this
pass and becomes `failure` (state.tools.failure): the Critic's `repair` route.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agents.contracts import EventNote, NodeContext
from agents.tool_search import csl_of, label, search_arguments, search_tools, work_key, works_in
from tools.registry import ToolArgumentsInvalid, ToolError
from tools.scholarly import Work

QUERIES_PER_TOOL = 2


@dataclass
class ToolSearch:
    found: list[tuple[str, str, Work]] = field(default_factory=list)
    tried: list[str] = field(default_factory=list)
    failure: dict[str, Any] | None = None
    events: list[EventNote] = field(default_factory=list)


def usable_tools(context: NodeContext) -> list[dict[str, Any]]:
    registry = context.services.get("tools")
    if registry is None:
        return []
    disabled = (context.state.get("tools") or {}).get("disabled") or []
    return search_tools(registry, context.policy.get("tools", {}).get("allowed", ["*"]), disabled)


def fresh_tools(context: NodeContext) -> list[dict[str, Any]]:
    """Usable tools no pass has asked yet (new ones: ingested or repaired since)."""
    tried = set((context.state.get("research") or {}).get("tools_tried") or [])
    return [summary for summary in usable_tools(context) if label(summary) not in tried]


def search_with_tools(context: NodeContext, queries: list[str], tools: list[dict[str, Any]]) -> ToolSearch:
    search = ToolSearch()
    registry = context.services["tools"]
    for summary in tools:
        search.tried.append(label(summary))
        for query in queries[:QUERIES_PER_TOOL]:
            try:
                arguments = search_arguments(summary, query)
                answer = registry.call(summary["name"], arguments,
                                       idempotency_key=context.effect_key("tool", summary["name"], arguments))
            except ToolArgumentsInvalid:
                break
            except ToolError as error:
                search.failure = search.failure or {**error.observation, "resume_route": context.route}
                search.events.append(EventNote("tool", f"{label(summary)}: {error}", {"tool": summary["name"],
                                                                                     "kind": error.observation["kind"]}))
                break
            for record in works_in(answer.result):
                csl = csl_of(record)
                search.found.append((summary["name"], query, Work(provider=summary["name"], provider_id=work_key(csl), csl=csl)))
    return search
