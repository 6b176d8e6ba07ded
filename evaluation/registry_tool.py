"""The harness's registry search tool: a sandboxed code tool `scholar.search` over the fake
server's /tool/works, registered for each task as a candidate of the task's run only (so no other
run sees it) and removed after the task. Tool faults on `tool:scholar_search` / `tool:*` hit its
upstream too, which is how schema drift reaches the repair route (the SelfDebugger patches
registry code tools; built-in provider clients are product code and are never patched)."""
from __future__ import annotations

from django.db import transaction

from journeys.models import Run
from tools.models import Tool, ToolVersion
from tools.services import write_tool_version

NAME = "scholar.search"
RESULT_SCHEMA = {
    "type": "object",
    "required": ["works"],
    "properties": {"works": {"type": "array", "items": {
        "type": "object",
        "required": ["title", "year"],
        "properties": {
            "title": {"type": "string", "minLength": 1},
            "year": {"type": "integer"},
            "doi": {"type": ["string", "null"]},
            "abstract": {"type": ["string", "null"]},
            "authors": {"type": "array", "items": {"type": "string"}},
        },
    }}},
}  # fmt: skip
ARGUMENTS_SCHEMA = {
    "type": "object",
    "required": ["query"],
    "properties": {"query": {"type": "string", "minLength": 1}, "limit": {"type": "integer", "minimum": 1, "maximum": 20}},
    "additionalProperties": False,
}
# The tool's code for a search upstream at {base} (GET {base}/works?q=&limit= -> {"results": [...]}).
CODE = '''BASE = "{base}"


def run(arguments, http):
    payload = http.get_json(BASE + "/works", params={{"q": arguments["query"], "limit": arguments.get("limit", 5)}})
    works = []
    for item in payload["results"]:
        works.append({{
            "title": item.get("title"),
            "year": item.get("year"),
            "doi": item.get("doi"),
            "abstract": item.get("abstract"),
            "authors": item.get("authors", []),
        }})
    return {{"works": works}}
'''


def tool_data(root: str, host: str) -> dict:
    return {
        "name": NAME, "kind": "code", "status": "candidate", "created_by": "evaluation:harness",
        "why": "the evaluation harness's search tool over the task's corpus",
        "spec": {"name": NAME, "description": "Search scholarly works by keywords", "arguments": ARGUMENTS_SCHEMA,
                 "result": RESULT_SCHEMA, "hosts": [host], "timeout": 15},
        "code": CODE.format(base=f"{root}/tool"),
        "tests": [{"name": "finds works", "arguments": {"query": "research"}, "check": {"type": "object"}}],
        "provenance": {"source": "evaluation harness"},
    }  # fmt: skip


def register_for(run: Run, root: str, host: str) -> ToolVersion:
    return write_tool_version(run, None, tool_data(root, host))


def remove_for(run_ids: list[int]) -> None:
    """Delete what the task's runs made of the tool (its versions, repairs included), and the
    tool itself when nothing else is left of it."""
    with transaction.atomic():
        ToolVersion.objects.filter(tool__name=NAME, run_id__in=run_ids).delete()
        Tool.objects.filter(name=NAME, versions__isnull=True).delete()
