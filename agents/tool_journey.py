"""Small Researcher, Critic and Writer for the `tool_research` journey: the loop that exercises
tools end to end (registry calls, drift -> repair, rollback -> re-plan, dry sources -> ingest).

They are deliberately plain so the tool machinery is what gets tested; the product's full
Researcher/Critic/Writer use the same contracts: a failed registry call goes into
`state.tools.failure` with the route to resume, `agents.self_debugger.repair_reasons` tells a
Critic to take the `repair` route, and `research.dry` plus an untried offer means `expand`.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Any

from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome, Record
from agents.self_debugger import repair_reasons
from tools.registry import ToolArgumentsInvalid, ToolError, ToolRegistry

QUERY_NAMES = ("query", "q", "search", "term", "keywords")
LIMIT_NAMES = ("limit", "per_page", "rows", "size", "max_results")
TITLE_NAMES = ("title", "display_name", "name")


def search_tools(registry: ToolRegistry, allowed: list[str], disabled: set[str]) -> list[dict[str, Any]]:
    """Tools that look like searches (a query argument), allowed by policy; active before candidates."""
    found = []
    for summary in registry.describe():
        properties = summary["arguments"].get("properties", {})
        if summary["name"] in disabled or not any(fnmatch.fnmatch(summary["name"], pattern) for pattern in allowed):
            continue
        if any(name in properties for name in QUERY_NAMES):
            found.append(summary)
    return sorted(found, key=lambda item: (item["status"] != "active", item["name"]))


def search_arguments(summary: dict[str, Any], query: str) -> dict[str, Any]:
    properties = summary["arguments"].get("properties", {})
    arguments: dict[str, Any] = {next(name for name in QUERY_NAMES if name in properties): query}
    for name in LIMIT_NAMES:
        if name in properties and properties[name].get("type") == "integer":
            arguments[name] = 5
    return arguments


def works_in(result: Any) -> list[dict[str, Any]]:
    """The first list of records (dicts with a title-like key) in a tool's result."""
    stack = [result]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list) and item and all(isinstance(entry, dict) for entry in item):
            if any(key in item[0] for key in TITLE_NAMES):
                return item
        if isinstance(item, dict):
            stack.extend(item.values())
    return []


def source_record(work: dict[str, Any], tool: str, query: str) -> Record:
    title = next(str(work[key]) for key in TITLE_NAMES if work.get(key))
    csl: dict[str, Any] = {"type": "article-journal", "title": title}
    if work.get("doi"):
        csl["DOI"] = str(work["doi"])
    if work.get("url"):
        csl["URL"] = str(work["url"])
    if isinstance(work.get("year"), int):
        csl["issued"] = {"date-parts": [[work["year"]]]}
    authors = work.get("authors") or []
    csl["author"] = [{"literal": str(name)} for name in authors if isinstance(name, str)]
    key = csl.get("DOI") or re.sub(r"[^a-z0-9]+", "-", title.lower())[:80]
    text = str(work.get("abstract") or title)
    return Record("source", {"key": key, "csl": csl, "provider": tool, "query": query, "origin": "tool",
                             "relevance": 0.5, "credibility": 0.5, "chunks": [{"text": text, "anchor": "abstract"}]})


def research(context: NodeContext) -> Outcome:
    registry: ToolRegistry = context.services["tools"]
    tools_state = context.state.get("tools") or {}
    query = (context.state.get("plan") or {}).get("title") or context.goal
    tried = list((context.state.get("research") or {}).get("tried") or [])
    allowed = context.policy.get("tools", {}).get("allowed", ["*"])
    for summary in search_tools(registry, allowed, set(tools_state.get("disabled") or [])):
        label = f"{summary['name']}@{summary['version']}"
        if label in tried:
            continue
        try:
            answer = registry.call(summary["name"], search_arguments(summary, query))
        except ToolArgumentsInvalid:
            tried.append(label)
            continue
        except ToolError as error:
            failure = {**error.observation, "resume_route": context.route}
            return Outcome(route="reflect", delta={"tools": {"failure": failure}}, observation={"tool_failure": failure},
                           events=[EventNote("tool", f"{label}: {error}", {"tool": summary["name"], "kind": failure["kind"]})])
        works = [work for work in works_in(answer.result) if any(work.get(key) for key in TITLE_NAMES)]
        tried.append(label)
        if works:
            records = [source_record(work, summary["name"], query) for work in works]
            return Outcome(route="reflect", records=records,
                           delta={"research": {"found": len(records), "dry": False, "tried": tried, "tool": label}},
                           events=[EventNote("evidence", f"{label} found {len(records)} work(s) for {query!r}",
                                             {"tool": summary["name"], "keys": [record.data["key"] for record in records]})])
    return Outcome(route="reflect", delta={"research": {"dry": True, "tried": tried}},
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
        tried = (state.get("tools") or {}).get("offers_tried") or []
        offers = [url for url in (context.spec.get("tool_offers") or {}).get("openapi", []) if url not in tried]
        if offers:
            return verdict("expand", [f"sources ran dry; {len(offers)} API description(s) offered to ingest"])
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
