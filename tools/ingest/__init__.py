"""Growing the toolset from outside descriptions: OpenAPI 3 documents and MCP servers."""
