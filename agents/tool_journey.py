"""Small Researcher, Critic and Writer for the `tool_research` journey: the loop that exercises
tools end to end (registry calls, drift -> repair, rollback -> re-plan, dry sources -> ingest).

They are deliberately plain so the tool machinery is what gets tested; the product's full
Researcher/Critic/Writer use the same contracts: a failed registry call goes into
`state.tools.failure` with the route to resume, `agents.self_debugger.repair_reasons` tells a
Critic to take the `repair` route, and `agents.tool_ingestor.growth_route` says when dry sources mean `ingest`.
"""
from __future__ import annotations

from typing import Any

from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome, Record
from agents.self_debugger import repair_reasons
from agents.tool_ingestor import growth_route
from agents.tool_search import csl_of, label, search_arguments, search_tools, work_key, works_in
from tools.registry import ToolArgumentsInvalid, ToolError, ToolRegistry


def source_record(work: dict[str, Any], tool: str, query: str) -> Record:
    csl = csl_of(work)
    text = csl.get("abstract") or csl["title"]
    return Record("source", {"key": work_key(csl), "csl": csl, "provider": tool, "query": query, "origin": "tool",
                             "relevance": 0.5, "credibility": 0.5, "chunks": [{"text": text, "anchor": "abstract"}]})


def research(context: NodeContext) -> Outcome:
    """Ask each usable search tool in turn until one finds works; a failing tool stops the pass."""
    registry: ToolRegistry = context.services["tools"]
    tools_state = context.state.get("tools") or {}
    query = (context.state.get("plan") or {}).get("title") or context.goal
    tried = list((context.state.get("research") or {}).get("tools_tried") or [])
    allowed = context.policy.get("tools", {}).get("allowed", ["*"])
    for summary in search_tools(registry, allowed, tools_state.get("disabled") or []):
        if label(summary) in tried:
            continue
        try:
            arguments = search_arguments(summary, query)
            answer = registry.call(summary["name"], arguments,
                                   idempotency_key=context.effect_key("tool", summary["name"], arguments))
        except ToolArgumentsInvalid:
            tried.append(label(summary))
            continue
        except ToolError as error:
            failure = {**error.observation, "resume_route": context.route}
            event = EventNote("tool", f"{label(summary)}: {error}", {"tool": summary["name"], "kind": failure["kind"]})
            return Outcome(route="reflect", delta={"tools": {"failure": failure}}, observation={"tool_failure": failure},
                           events=[event])
        works = works_in(answer.result)
        tried.append(label(summary))
        if works:
            records = [source_record(work, summary["name"], query) for work in works]
            return Outcome(route="reflect", records=records,
                           delta={"research": {"found": len(records), "dry": False, "tools_tried": tried, "tool": label(summary)}},
                           events=[EventNote("evidence", f"{label(summary)} found {len(records)} work(s) for {query!r}",
                                             {"tool": summary["name"], "keys": [record.data["key"] for record in records]})])
    return Outcome(route="reflect", delta={"research": {"dry": True, "tools_tried": tried}},
                   events=[EventNote("evidence", f"Sources ran dry for {query!r}: tried {', '.join(tried) or 'no tool'}")])


def review(context: NodeContext) -> Outcome:
    state = context.state
    reasons = repair_reasons(state)
    if reasons:
        return verdict("repair", reasons)
    found = (state.get("research") or {}).get("found")
    if found:
        return verdict("finalize", [f"{found} source(s) found"])
    if (state.get("research") or {}).get("dry"):
        growth = growth_route(context, "act")
        if growth:
            return verdict(growth[0], [growth[1]])
        return verdict("finalize", ["sources ran dry and nothing is left to ingest"])
    return verdict("act", ["research has not run yet"])


def verdict(route: str, reasons: list[str]) -> Outcome:
    return Outcome(route=route, verdict={"route": route, "reasons": reasons},
                   events=[EventNote("verdict", f"-> {route}: " + "; ".join(reasons), {"route": route, "reasons": reasons})])


def report(context: NodeContext) -> Outcome:
    """A short research brief that cites every source found, numbered, with its DOI or URL."""
    # Newest first, then by title: the numbering is stable whatever order the rows come back in.
    sources = sorted(context.services["evidence"].sources(), key=lambda item: (-(item["year"] or 0), item["csl"]["title"]))
    title = (context.state.get("plan") or {}).get("title") or context.goal
    lines = [f"# {title}", ""]
    if not sources:
        lines.append("No sources were found for this topic; nothing is cited.")
    for number, source in enumerate(sources, start=1):
        csl = source["csl"]
        lines.append(f"- {csl['title']} ({source['year'] or 'n.d.'}) [{number}], found with {source['provider']}.")
    lines += ["", "## References", ""]
    for number, source in enumerate(sources, start=1):
        csl = source["csl"]
        authors = ", ".join(author.get("literal", "") for author in csl.get("author", [])) or "Anonymous"
        link = f"https://doi.org/{csl['DOI']}" if csl.get("DOI") else csl.get("URL", "")
        lines.append(f"[{number}] {authors} ({source['year'] or 'n.d.'}). {csl['title']}. {link}".rstrip())
    text = "\n".join(lines) + "\n"
    return Outcome(route="done", status="succeeded", delta={"progress": 1.0, "deliverable": {"sources": len(sources)}},
                   artifacts=[ArtifactOut("deliverable", text, kind="deliverable", export_as="brief.md")],
                   events=[EventNote("deliverable", f"Delivered brief.md citing {len(sources)} source(s)")])
