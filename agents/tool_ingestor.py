"""ToolIngestor: when the run's sources ran dry, turn an offered OpenAPI document into tools.

The run's spec may offer API descriptions (`spec.tool_offers.openapi`: URLs). The node takes
the next untried one, validates it (size, YAML aliases, nesting, local acyclic `$ref`s,
openapi-spec-validator) and registers one *candidate* tool per operation (Record
"tool_version"); candidates are visible to this run only until an operator activates them.
Deterministic: bindings and argument schemas come from the document, no code is generated.
It returns to `reflect`: the Critic sends the run back to research, which asks the new tools
(see `growth_route`). MCP servers are registered by operators (tools.services.ingest_mcp_server), never from a run's
input, because registering one means running its command.
"""
from __future__ import annotations

from agents.contracts import EventNote, NodeContext, Outcome, Record
from agents.tool_search import search_tools
from tools.ingest.openapi import IngestLimits, IngestRejected, build_tools, fetch_document, parse_document
from tools.netguard import NetPolicy, URLRefused, URLUnresolvable, check_url


def growth_route(context: NodeContext, research_route: str) -> tuple[str, str] | None:
    """For any Critic, once the sources ran dry: ("ingest", why) while an offered API description
    is untried, then (research_route, why) while tools it produced have not been searched with."""
    routes = context.policy["routes"]
    tools_state = context.state.get("tools") or {}
    tried = tools_state.get("offers_tried") or []
    offers = [url for url in (context.spec.get("tool_offers") or {}).get("openapi", []) if url not in tried]
    if offers and "ingest" in routes:
        return "ingest", f"sources ran dry; {len(offers)} API description(s) offered to ingest"
    searched = {item.split("@")[0] for item in (context.state.get("research") or {}).get("tools_tried") or []}
    allowed = context.policy.get("tools", {}).get("allowed", ["*"])
    searchable = {item["name"] for item in search_tools(context.services["tools"], allowed, tools_state.get("disabled") or [])}
    new = [name for name in tools_state.get("ingested") or [] if name in searchable and name not in searched]
    if new and research_route in routes:
        return research_route, f"searching with the newly ingested tools {', '.join(new)}"
    return None


def ingest(context: NodeContext) -> Outcome:
    tools_state = context.state.get("tools") or {}
    tried = list(tools_state.get("offers_tried") or [])
    offers = [url for url in (context.spec.get("tool_offers") or {}).get("openapi", []) if url not in tried]
    if not offers:
        return Outcome(route="reflect", delta={"tools": {"offers_exhausted": True}},
                       events=[EventNote("ingest", "No API description left to ingest")])
    url = offers[0]
    options = context.services["tools"].options
    limits: IngestLimits = options.get("ingest_limits", IngestLimits())
    allowed = options.get("offer_allowed_hosts", [])
    try:
        tools = ingest_offer(url, limits, allowed)
    except IngestRejected as error:
        return Outcome(route="reflect", delta={"tools": {"offers_tried": [*tried, url]}},
                       events=[EventNote("ingest", f"Rejected the API description at {url}: {error}", {"url": url})],
                       observation={"rejected": str(error)})
    why = f"the built-in sources found nothing for run {context.run_id}; ingested {url}"
    records = [Record("tool_version", {**tool, "status": "candidate", "created_by": "agent:tool_ingestor", "why": why})
               for tool in tools]
    names = [tool["name"] for tool in tools]
    return Outcome(
        route="reflect",
        delta={"tools": {"offers_tried": [*tried, url], "ingested": [*(tools_state.get("ingested") or []), *names]}},
        records=records,
        events=[EventNote("ingest", f"Ingested {len(names)} operation(s) from {url} as candidate tools: {', '.join(names)}",
                          {"url": url, "tools": names})],
        observation={"ingested": names},
    )


def ingest_offer(url: str, limits: IngestLimits, allowed_hosts: list[str]) -> list[dict]:
    """Fetch, check and build; the offer and every server it names must be public (or allowed).
    The servers are checked again at every call (tools.ingest.openapi.execute_operation)."""
    policy = NetPolicy.allowing(allowed_hosts)
    tools = build_tools(parse_document(fetch_document(url, limits, policy), limits), source_url=url, limits=limits)
    for tool in tools:
        try:
            check_url(tool["binding"]["base_url"], policy)
        except (URLRefused, URLUnresolvable) as error:
            raise IngestRejected(f"the API's server: {error}") from None
    return tools
