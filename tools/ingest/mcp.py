"""MCP servers over stdio (the `mcp` SDK): list a server's tools as candidate tool versions and
call them.

The server command is registered by an operator (never taken from model output). The SDK starts
it with a minimal inherited environment (PATH, HOME, ...), so the project's secrets are not passed
on; it is not otherwise sandboxed (docs/tools.md). Each call starts the server, initialises,
calls one tool and stops it: simple and stateless, at the price of the server's start-up time.
"""
from __future__ import annotations

import json
import re
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tools.registry import Execution
from tools.spec import InvalidSpec, ToolDefinition, ToolSpec

MAX_TOOLS = 64
# MCP has no idempotency field for tools/call; `_meta` is the protocol's open map for such
# conventions (reverse-DNS prefixed keys). A server that keys its side effects on this value
# applies a call re-sent after a crash once; one that does not know it ignores it.
IDEMPOTENCY_META_KEY = "io.handywriterz/idempotency-key"


class MCPUnavailable(RuntimeError):
    """The server could not be started, initialised or listed; the message says how it failed."""


def server_parameters(binding: dict[str, Any]) -> StdioServerParameters:
    command = list(binding["command"])
    return StdioServerParameters(command=command[0], args=command[1:], env=binding.get("env") or None,
                                 cwd=binding.get("cwd") or None)


async def _list(binding: dict[str, Any], timeout: float) -> list[Any]:
    with anyio.fail_after(timeout):
        async with stdio_client(server_parameters(binding)) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return list((await session.list_tools()).tools)


async def _call(binding: dict[str, Any], arguments: dict[str, Any], timeout: float, idempotency_key: str = "") -> Any:
    meta = {IDEMPOTENCY_META_KEY: idempotency_key} if idempotency_key else None
    with anyio.fail_after(timeout):
        async with stdio_client(server_parameters(binding)) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await session.call_tool(binding["tool"], arguments, meta=meta)


def list_server_tools(command: list[str], *, family: str, timeout: float = 30.0, env: dict | None = None) -> list[dict[str, Any]]:
    """Tool-version data for every tool the server lists (invalid schemas are skipped, named)."""
    binding = {"command": list(command), "env": env or {}}
    try:
        listed = anyio.run(_list, binding, timeout)
    except Exception as error:  # noqa: BLE001 - any start/protocol failure is one clear message
        raise MCPUnavailable(f"MCP server {' '.join(command)!r} could not be listed: {type(error).__name__}: {error}") from None
    family = re.sub(r"[^a-z0-9_]+", "_", family.lower()).strip("_") or "mcp"
    tools = []
    for tool in listed[:MAX_TOOLS]:
        name = f"{family}.{re.sub(r'[^A-Za-z0-9_]+', '_', tool.name)}"
        try:
            spec = ToolSpec.from_dict({"name": name, "description": (tool.description or tool.name)[:2000],
                                       "arguments": tool.input_schema or {"type": "object"},
                                       "result": tool.output_schema or {}, "timeout": timeout,
                                       "idempotent": idempotent(tool)})
        except InvalidSpec as error:
            tools.append({"name": name, "rejected": str(error)})
            continue
        tools.append({"name": name, "kind": "mcp", "description": spec.description, "spec": spec.to_dict(),
                      "binding": {**binding, "tool": tool.name},
                      "provenance": {"source": "mcp:" + " ".join(command), "tool": tool.name}})
    return tools


def idempotent(tool: Any) -> bool:
    """A tool the server declares read-only or idempotent (MCP's hints; both default to false)."""
    hints = getattr(tool, "annotations", None)
    return bool(hints and (hints.read_only_hint or hints.idempotent_hint))


def result_value(answer: Any) -> Any:
    """Structured content if the server gave it; else the text, parsed as JSON when it is JSON."""
    if getattr(answer, "structured_content", None) is not None:
        return answer.structured_content
    texts = [block.text for block in answer.content if getattr(block, "type", "") == "text"]
    text = "\n".join(texts)
    try:
        return json.loads(text)
    except ValueError:
        return {"text": text}


def execute_tool(definition: ToolDefinition, arguments: dict[str, Any], limits: Any,
                 idempotency_key: str = "") -> Execution:
    """Call the tool; the step's effect key travels in the request's `_meta` (IDEMPOTENCY_META_KEY)."""
    try:
        answer = anyio.run(_call, definition.binding, arguments, definition.spec.timeout, idempotency_key)
    except Exception as error:  # noqa: BLE001 - a failing server is an observation, not a crash
        return Execution(ok=False, error=f"MCP call failed: {type(error).__name__}: {error}", transient=True)
    value = result_value(answer)
    trace = [{"method": "MCP", "url": f"mcp:{definition.binding['tool']}", "status": 500 if answer.is_error else 200,
              "body": json.dumps(value, default=str)[:4000]}]
    if answer.is_error:
        return Execution(ok=False, error=f"MCP tool error: {json.dumps(value, default=str)[:500]}", trace=trace)
    return Execution(ok=True, result=value, trace=trace)
