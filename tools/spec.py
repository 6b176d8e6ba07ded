"""Tool specs and definitions: what a tool promises (arguments and result as JSON schemas) and
how it is implemented (a built-in function, sandboxed code, an OpenAPI operation, an MCP tool).

Library code: plain data, no Django models. tools.services turns database rows into these.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,40}(\.[A-Za-z][A-Za-z0-9_]{0,60}){1,3}$")
MAX_SCHEMA_BYTES = 200_000
KINDS = ("builtin", "code", "openapi", "mcp")


class InvalidSpec(ValueError):
    """A tool spec that cannot be used; the message says which part and why."""


@dataclass(frozen=True)
class ToolSpec:
    """The declarative contract of a tool. `hosts` are the only "host:port"s it may reach."""

    name: str
    description: str
    arguments: dict[str, Any]
    result: dict[str, Any]
    timeout: float = 20.0
    cost_usd: float = 0.0
    idempotent: bool = True
    hosts: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolSpec:
        """Validate and build; InvalidSpec names the problem."""
        if not isinstance(data, dict):
            raise InvalidSpec("a tool spec must be an object")
        unknown = sorted(set(data) - {"name", "description", "arguments", "result", "timeout", "cost_usd", "idempotent", "hosts"})
        if unknown:
            raise InvalidSpec(f"unknown spec keys {unknown}")
        name = str(data.get("name", ""))
        if not NAME_PATTERN.match(name):
            raise InvalidSpec(f"tool name {name!r} must look like 'family.operation' (lowercase family, dotted)")
        for part in ("arguments", "result"):
            check_schema(data.get(part, {}), f"{name} {part}")
        timeout = float(data.get("timeout", 20.0))
        if not 0 < timeout <= 300:
            raise InvalidSpec(f"{name}: timeout must be in (0, 300] seconds, got {timeout}")
        return cls(
            name=name,
            description=str(data.get("description", ""))[:2000],
            arguments=data.get("arguments") or {"type": "object"},
            result=data.get("result") or {},
            timeout=timeout,
            cost_usd=float(data.get("cost_usd", 0.0)),
            idempotent=bool(data.get("idempotent", True)),
            hosts=tuple(str(host) for host in data.get("hosts", ())),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "description": self.description, "arguments": self.arguments, "result": self.result,
            "timeout": self.timeout, "cost_usd": self.cost_usd, "idempotent": self.idempotent, "hosts": list(self.hosts),
        }

    def argument_problems(self, arguments: Any) -> list[str]:
        return schema_problems(self.arguments, arguments)

    def result_problems(self, result: Any) -> list[str]:
        return schema_problems(self.result, result)


def check_schema(schema: Any, what: str) -> None:
    if not isinstance(schema, dict):
        raise InvalidSpec(f"{what}: a JSON schema must be an object")
    if len(json.dumps(schema)) > MAX_SCHEMA_BYTES:
        raise InvalidSpec(f"{what}: schema larger than {MAX_SCHEMA_BYTES} bytes")
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as error:
        raise InvalidSpec(f"{what}: invalid JSON schema: {error.message}") from None


def schema_problems(schema: dict[str, Any], value: Any, limit: int = 10) -> list[str]:
    """Readable violations ("works/0/title: None is not of type 'string'"), at most `limit`."""
    validator = Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(value), key=lambda item: list(item.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        problems.append(f"{where}: {error.message}"[:300])
        if len(problems) >= limit:
            break
    return problems


@dataclass(frozen=True)
class ToolDefinition:
    """One version of one tool, as the registry runs it.

    kind: builtin (`implementation` is a dotted path), code (`code` runs in the sandbox),
    openapi or mcp (`binding` says which operation). `tests` are cases
    {"name", "arguments", "check"?: extra JSON schema the result must satisfy}.
    """

    spec: ToolSpec
    kind: str
    version: int = 1
    status: str = "active"
    code: str = ""
    implementation: str = ""
    binding: dict[str, Any] = field(default_factory=dict)
    tests: tuple[dict[str, Any], ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    def summary(self) -> dict[str, Any]:
        """What a node or a prompt needs to know to choose and call the tool."""
        return {"name": self.name, "version": self.version, "kind": self.kind, "status": self.status,
                "description": self.spec.description, "arguments": self.spec.arguments, "result": self.spec.result}
