"""A tiny MCP server (stdio) for the tools tests: `python tests/fakes/mcp_scholar_server.py`."""
from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

server = MCPServer("mcp-scholar")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def search_works(query: str, limit: int = 3) -> dict:
    """Find scholarly works about a topic."""
    works = [{"title": f"A review of {query}", "year": 2020, "doi": "10.4242/mcp.2020.1"},
             {"title": f"{query.capitalize()}: new evidence", "year": 2023, "doi": "10.4242/mcp.2023.2"}]
    return {"works": works[:limit]}


@server.tool()
def fail_always(reason: str) -> dict:
    """Always fails, to show how tool errors come back."""
    raise ToolError(f"refused: {reason}")


@server.tool()
def record_note(text: str, ctx: Context) -> dict:
    """Store a note (a side effect); says which idempotency key the request carried."""
    meta = ctx.request_context.meta or {}
    return {"stored": text, "idempotency_key": meta.get("io.handywriterz/idempotency-key")}


if __name__ == "__main__":
    server.run()
