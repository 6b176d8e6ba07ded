"""Searching with registry tools: which tools look like searches, how to call them, and how to
read works out of whatever shape they return (CSL-JSON for the evidence store).

Shared by the Researcher (agents.research.registry_tools) and the tool_research journey. A
registry call that fails or drifts becomes `failure`, the observation the Critic routes to the
SelfDebugger with; the route to resume is the caller's.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Any

from tools.registry import ToolRegistry

QUERY_NAMES = ("query", "q", "search", "term", "keywords")
LIMIT_NAMES = ("limit", "per_page", "rows", "size", "max_results")
TITLE_NAMES = ("title", "display_name", "name")


def search_tools(registry: ToolRegistry, allowed: list[str], disabled: set[str] | list[str]) -> list[dict[str, Any]]:
    """Tools that look like searches (a query argument), allowed by policy; active before candidates."""
    found = []
    for summary in registry.describe():
        properties = summary["arguments"].get("properties", {})
        if summary["name"] in disabled or not any(fnmatch.fnmatch(summary["name"], pattern) for pattern in allowed):
            continue
        if any(name in properties for name in QUERY_NAMES):
            found.append(summary)
    return sorted(found, key=lambda item: (item["status"] != "active", item["name"]))


def label(summary: dict[str, Any]) -> str:
    return f"{summary['name']}@{summary['version']}"


def search_arguments(summary: dict[str, Any], query: str, limit: int = 5) -> dict[str, Any]:
    properties = summary["arguments"].get("properties", {})
    arguments: dict[str, Any] = {next(name for name in QUERY_NAMES if name in properties): query}
    for name in LIMIT_NAMES:
        if name in properties and properties[name].get("type") == "integer":
            arguments[name] = limit
    return arguments


def works_in(result: Any) -> list[dict[str, Any]]:
    """The first list of records (dicts with a title-like key) in a tool's result."""
    stack = [result]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list) and item and all(isinstance(entry, dict) for entry in item):
            if any(key in item[0] for key in TITLE_NAMES):
                return [entry for entry in item if any(entry.get(key) for key in TITLE_NAMES)]
        if isinstance(item, dict):
            stack.extend(item.values())
    return []


def csl_of(work: dict[str, Any]) -> dict[str, Any]:
    """CSL-JSON from a tool's record: title, DOI, URL, year, authors, abstract where present."""
    title = next(str(work[key]) for key in TITLE_NAMES if work.get(key))
    csl: dict[str, Any] = {"type": "article-journal", "title": title}
    if work.get("doi"):
        csl["DOI"] = str(work["doi"])
    if work.get("url"):
        csl["URL"] = str(work["url"])
    if isinstance(work.get("year"), int):
        csl["issued"] = {"date-parts": [[work["year"]]]}
    if work.get("abstract"):
        csl["abstract"] = str(work["abstract"])
    csl["author"] = [{"literal": str(name)} for name in work.get("authors") or [] if isinstance(name, str)]
    return csl


def work_key(csl: dict[str, Any]) -> str:
    return csl.get("DOI") or re.sub(r"[^a-z0-9]+", "-", csl["title"].lower())[:80]
