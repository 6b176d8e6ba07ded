"""Built-in tools: deterministic functions run in-process (listed in tools.registry.BUILTIN_TOOLS).

Provider clients (tools/scholarly) join this list as built-ins; everything generated or patched
at run time lives in the database and runs in the sandbox instead.
"""
from __future__ import annotations

import re
from typing import Any

from tools.registry import BuiltinTool
from tools.spec import ToolDefinition, ToolSpec

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+", re.IGNORECASE)


def word_count(arguments: dict[str, Any]) -> dict[str, Any]:
    return {"words": len(arguments["text"].split())}


def extract_dois(arguments: dict[str, Any]) -> dict[str, Any]:
    found = [match.rstrip(".,;)") for match in _DOI.findall(arguments["text"])]
    return {"dois": sorted(set(found), key=found.index)}


def _builtin(name: str, description: str, arguments: dict, result: dict, function: Any) -> BuiltinTool:
    spec = ToolSpec(name=name, description=description, arguments=arguments, result=result, timeout=5.0)
    return BuiltinTool(ToolDefinition(spec=spec, kind="builtin", implementation=f"tools.builtin.{function.__name__}"), function)


_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "maxLength": 2_000_000}},
         "additionalProperties": False}
WORD_COUNT = _builtin(
    "text.word_count", "Count the words of a text.", _TEXT,
    {"type": "object", "required": ["words"], "properties": {"words": {"type": "integer", "minimum": 0}}}, word_count,
)
EXTRACT_DOIS = _builtin(
    "text.extract_dois", "List the DOIs mentioned in a text, in order of first mention.", _TEXT,
    {"type": "object", "required": ["dois"], "properties": {"dois": {"type": "array", "items": {"type": "string"}}}},
    extract_dois,
)
