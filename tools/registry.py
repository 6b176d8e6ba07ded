"""The tool registry: built-in tools by dotted path plus the database's tool versions (passed in
by tools.services), one `call()` that validates arguments and result against the spec.

- Arguments that break the spec are the caller's mistake: ToolArgumentsInvalid, nothing is run.
- A failing implementation (error, limit, upstream down): ToolFailed.
- A result that breaks the spec is *schema drift* (the upstream changed under the tool):
  ToolSchemaDrift. Both carry `observation`, the dict a node hands to the Critic and the
  SelfDebugger: the failing call, the error or spec problems, a result excerpt, the HTTP trace.

Library code: no Django models (rule 1 of STYLE.md).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from tools.sandbox import SandboxLimits, SandboxUnavailable, run_code
from tools.spec import ToolDefinition, schema_problems

# Built-in tools: name -> dotted path of a `BuiltinTool` (spec + function). Imported on first use.
BUILTIN_TOOLS: dict[str, str] = {
    "text.word_count": "tools.builtin.WORD_COUNT",
    "text.extract_dois": "tools.builtin.EXTRACT_DOIS",
}

# How each kind of tool is executed: kind -> dotted path of `execute(definition, arguments, limits)`.
EXECUTORS: dict[str, str] = {
    "builtin": "tools.registry.execute_builtin",
    "code": "tools.registry.execute_code",
    "openapi": "tools.ingest.openapi.execute_operation",
    "mcp": "tools.ingest.mcp.execute_tool",
}
EXCERPT_CHARS = 3000


class UnknownTool(LookupError):
    pass


class ToolError(Exception):
    """Base of tool call failures; `observation` is JSON for the run's state and the debugger."""

    kind = "error"

    def __init__(self, message: str, observation: dict[str, Any]) -> None:
        super().__init__(message)
        self.observation = {"kind": self.kind, "message": message, **observation}


class ToolArgumentsInvalid(ToolError):
    kind = "arguments"


class ToolFailed(ToolError):
    kind = "error"


class ToolSchemaDrift(ToolError):
    kind = "drift"


@dataclass(frozen=True)
class Execution:
    """What an executor returns: the value, the HTTP exchanges it made, and failure details."""

    ok: bool
    result: Any = None
    error: str = ""
    limit: str = ""
    trace: list[dict[str, Any]] = field(default_factory=list)
    transient: bool = False


@dataclass(frozen=True)
class ToolResult:
    name: str
    version: int
    result: Any
    duration: float
    trace: list[dict[str, Any]] = field(default_factory=list)


def excerpt(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "..."


class ToolRegistry:
    """Tools visible to one caller: the built-ins and the given database definitions."""

    def __init__(self, definitions: Iterable[ToolDefinition] = (), *, limits: SandboxLimits = SandboxLimits(),
                 builtins: dict[str, str] | None = None, options: dict[str, Any] | None = None,
                 before_wait: Callable[[], None] = lambda: None) -> None:
        self.limits = limits
        # Runs before every tool call (the engine gives the step's pooled database connection
        # back while the tool runs: handywriterz.pooling).
        self.before_wait = before_wait
        # Settings the caller passes down for nodes that use this view (e.g. "ingest_limits").
        self.options = options or {}
        self.builtins = BUILTIN_TOOLS if builtins is None else builtins
        self.definitions = {definition.name: definition for definition in definitions}

    def names(self) -> list[str]:
        return sorted(set(self.builtins) | set(self.definitions))

    def get(self, name: str) -> ToolDefinition:
        if name in self.definitions:
            return self.definitions[name]
        if name in self.builtins:
            return builtin_tool(self.builtins[name]).definition
        raise UnknownTool(f"unknown tool {name!r}; known tools: {', '.join(self.names()) or 'none'}")

    def describe(self) -> list[dict[str, Any]]:
        return [self.get(name).summary() for name in self.names()]

    def call(self, name: str, arguments: dict[str, Any], *, idempotency_key: str = "") -> ToolResult:
        return self.call_definition(self.get(name), arguments, idempotency_key=idempotency_key)

    def call_definition(self, definition: ToolDefinition, arguments: dict[str, Any], *,
                        idempotency_key: str = "") -> ToolResult:
        """Validate the arguments, execute, validate the result; raise a ToolError subclass.

        A tool whose spec says it is not idempotent (it changes something outside: an OpenAPI
        POST, code that writes to a declared host) gets `idempotency_key` on its requests as an
        `Idempotency-Key` header, so a step re-run after a crash does not repeat the effect."""
        base = {"tool": definition.name, "version": definition.version, "arguments": arguments}
        problems = definition.spec.argument_problems(arguments)
        if problems:
            message = f"{definition.name}: invalid arguments: {'; '.join(problems)}"
            raise ToolArgumentsInvalid(message, {**base, "problems": problems})
        self.before_wait()
        started = time.monotonic()
        limits = replace(self.limits, wall_seconds=min(self.limits.wall_seconds, definition.spec.timeout))
        key = "" if definition.spec.idempotent else idempotency_key
        execution: Execution = import_string(EXECUTORS[definition.kind])(definition, arguments, limits, key)
        duration = time.monotonic() - started
        base["trace"] = execution.trace[-5:]
        if not execution.ok:
            raise ToolFailed(f"{definition.name} v{definition.version} failed: {execution.error}",
                             {**base, "error": execution.error, "limit": execution.limit, "transient": execution.transient})
        problems = definition.spec.result_problems(execution.result)
        if problems:
            raise ToolSchemaDrift(
                f"{definition.name} v{definition.version}: result violates its spec: {'; '.join(problems[:3])}",
                {**base, "problems": problems, "result_excerpt": excerpt(execution.result)},
            )
        return ToolResult(definition.name, definition.version, execution.result, duration, execution.trace)

    def run_tests(self, definition: ToolDefinition, extra: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
        """Run the definition's test cases plus `extra`; {"passed": bool, "cases": [...]}."""
        cases = []
        for case in [*definition.tests, *extra]:
            outcome: dict[str, Any] = {"name": case.get("name", "case")}
            try:
                answer = self.call_definition(definition, case.get("arguments", {}))
                problems = schema_problems(case["check"], answer.result) if case.get("check") else []
                outcome.update(passed=not problems, problems=problems)
            except ToolError as error:
                outcome.update(passed=False, problems=[str(error)], limit=error.observation.get("limit", ""))
            cases.append(outcome)
        return {"passed": bool(cases) and all(case["passed"] for case in cases), "cases": cases}


@dataclass(frozen=True)
class BuiltinTool:
    """A built-in tool: its spec and a plain function `(arguments) -> result` run in-process."""

    definition: ToolDefinition
    function: Any


@cache
def builtin_tool(path: str) -> BuiltinTool:
    return import_string(path)


def execute_builtin(definition: ToolDefinition, arguments: dict[str, Any], limits: SandboxLimits,
                    idempotency_key: str = "") -> Execution:
    """Built-ins are in-process functions (read-only searches); they take no key."""
    tool = builtin_tool(BUILTIN_TOOLS.get(definition.name, definition.implementation))
    try:
        return Execution(ok=True, result=tool.function(arguments))
    except Exception as error:  # noqa: BLE001 - a failing tool is an observation, not a crash
        return Execution(ok=False, error=f"{type(error).__name__}: {error}")


def execute_code(definition: ToolDefinition, arguments: dict[str, Any], limits: SandboxLimits,
                 idempotency_key: str = "") -> Execution:
    """Database code always runs in the sandbox, with only the spec's hosts reachable; the key
    goes on every request it makes."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    try:
        report = run_code(definition.code, arguments, hosts=definition.spec.hosts, limits=limits, headers=headers)
    except SandboxUnavailable as error:
        return Execution(ok=False, error=str(error), limit="sandbox_unavailable")
    if report.ok:
        return Execution(ok=True, result=report.result, trace=report.trace)
    limit = f" [{report.limit} limit]" if report.limit else ""
    return Execution(ok=False, error=f"{report.error}{limit}", limit=report.limit, trace=report.trace)
