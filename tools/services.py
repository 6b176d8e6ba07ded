"""The write side of tools, and the registry view nodes get.

- `write_tool_version` / `write_repair_attempt`: RECORD_WRITERS entries ("tool_version",
  "tool_repair"), called inside a step's transaction; idempotent on (run, step, name / attempt).
- `activate_version`: make one version the active one (the admin's "revert to this version").
- `registry_for_run`: SERVICE_FACTORIES entry "tools": the built-ins, every active version, and
  the candidates this run created itself (a run may use what it ingested; others wait for review).
- `ingest_openapi` / `ingest_mcp_server`: operators add candidates from a document or a server.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from handywriterz.pooling import release_connection
from tools.ingest import openapi
from tools.models import RepairAttempt, Tool, ToolStatus, ToolVersion
from tools.netguard import NetPolicy
from tools.registry import ToolRegistry
from tools.sandbox import SandboxLimits
from tools.spec import InvalidSpec, ToolDefinition, ToolSpec

# The MCP SDK takes seconds to import; only MCP ingestion and calls load it (registry-style path).
MCP_LISTER = "tools.ingest.mcp.list_server_tools"


class ToolServiceError(ValueError):
    """A request about tools that cannot be carried out; the message says why."""


def sandbox_limits() -> SandboxLimits:
    return SandboxLimits(**settings.HW_SANDBOX_LIMITS, allowed_hosts=tuple(settings.HW_TOOL_OFFER_ALLOWED_HOSTS))


def net_policy() -> NetPolicy:
    """The SSRF guard's policy for tool documents and tool calls (tools.netguard)."""
    return NetPolicy.allowing(settings.HW_TOOL_OFFER_ALLOWED_HOSTS)


def ingest_limits() -> openapi.IngestLimits:
    return openapi.IngestLimits(max_bytes=settings.HW_OPENAPI_MAX_BYTES, max_ref_depth=settings.HW_OPENAPI_MAX_REF_DEPTH,
                                max_operations=settings.HW_OPENAPI_MAX_OPERATIONS,
                                fetch_timeout=settings.HW_OPENAPI_FETCH_TIMEOUT)


def definition_of(version: ToolVersion) -> ToolDefinition:
    return ToolDefinition(
        spec=ToolSpec.from_dict(version.spec), kind=version.tool.kind, version=version.number, status=version.status,
        code=version.code, binding=version.binding, tests=tuple(version.tests), provenance=version.provenance,
    )


def registry_for_run(run: Any) -> ToolRegistry:
    """Active versions plus this run's own candidates (the newest per tool wins over active)."""
    run_id = getattr(run, "pk", None)  # None (operators' CLI): active versions only
    versions = (ToolVersion.objects.select_related("tool")
                .filter(Q(status=ToolStatus.ACTIVE) | Q(status=ToolStatus.CANDIDATE, run_id=run_id, run_id__isnull=False))
                .order_by("tool__name", "number"))
    chosen: dict[str, ToolVersion] = {}
    for version in versions:
        current = chosen.get(version.tool.name)
        if current is None or version.status == ToolStatus.ACTIVE or current.status != ToolStatus.ACTIVE:
            chosen[version.tool.name] = version
    return ToolRegistry([definition_of(version) for version in chosen.values()], limits=sandbox_limits(),
                        options={"ingest_limits": ingest_limits(), "offer_allowed_hosts": settings.HW_TOOL_OFFER_ALLOWED_HOSTS},
                        before_wait=release_connection)


def next_number(tool: Tool) -> int:
    return (tool.versions.aggregate(latest=Max("number"))["latest"] or 0) + 1


def write_tool_version(run: Any, seq: int | None, data: dict[str, Any]) -> ToolVersion:
    """Store a new version. data: name, kind, spec, code?, binding?, tests?, provenance?,
    created_by, why, status (candidate|active), parent (number)?, diff?. Activating retires the
    previous active version. A redelivered step finds its version and changes nothing.
    Atomic on its own, and a savepoint inside the step's transaction."""
    with transaction.atomic():
        return _write_tool_version(run, seq, data)


def _write_tool_version(run: Any, seq: int | None, data: dict[str, Any]) -> ToolVersion:
    spec = ToolSpec.from_dict(data["spec"])
    run_id = getattr(run, "pk", None)
    tool, _ = Tool.objects.select_for_update().get_or_create(
        name=spec.name, defaults={"kind": data["kind"], "description": spec.description})
    if tool.kind != data["kind"]:
        raise ToolServiceError(f"tool {tool.name} is a {tool.kind} tool; cannot add a {data['kind']} version")
    if run_id is not None:
        existing = tool.versions.filter(run_id=run_id, step_seq=seq).first()
        if existing:
            return existing
    parent = tool.versions.filter(number=data["parent"]).first() if data.get("parent") else None
    version = ToolVersion.objects.create(
        tool=tool, number=next_number(tool), status=ToolStatus.CANDIDATE, spec=spec.to_dict(), code=data.get("code", ""),
        binding=data.get("binding") or {}, tests=data.get("tests") or [], provenance=data.get("provenance") or {},
        created_by=data.get("created_by", "unknown")[:200], why=data.get("why", ""), parent=parent, diff=data.get("diff", ""),
        run_id=run_id, step_seq=seq,
    )
    if data.get("status") == ToolStatus.ACTIVE:
        promote(version, by=version.created_by, why=version.why)
    return version


def promote(version: ToolVersion, *, by: str, why: str) -> None:
    """Make `version` the active one; the previously active version is retired (same transaction)."""
    now = timezone.now()
    note = f"{now:%Y-%m-%d %H:%M} {by}: {why}"[:2000]
    for previous in version.tool.versions.filter(status=ToolStatus.ACTIVE).exclude(pk=version.pk):
        previous.status = ToolStatus.RETIRED
        previous.status_note = f"{note} (superseded by v{version.number})"[:2000]
        previous.save(update_fields=["status", "status_note"])
    version.status = ToolStatus.ACTIVE
    version.activated_at = now
    version.status_note = note
    version.save(update_fields=["status", "activated_at", "status_note"])


def activate_version(version_id: int, *, by: str, why: str = "") -> ToolVersion:
    """Operators: make this version active (revert). One transaction, the tool row locked."""
    with transaction.atomic():
        try:
            version = ToolVersion.objects.select_related("tool").get(pk=version_id)
        except (ToolVersion.DoesNotExist, ValueError, TypeError):
            raise ToolServiceError(f"there is no tool version with id {version_id!r}") from None
        Tool.objects.select_for_update().get(pk=version.tool_id)
        promote(version, by=by, why=why or f"reverted to v{version.number}")
    return version


def write_repair_attempt(run: Any, seq: int | None, data: dict[str, Any]) -> RepairAttempt:
    """data: tool, from_version, number, failure_kind, failure, diff, passed, outcome, report."""
    tool = Tool.objects.get(name=data["tool"])
    promoted = tool.versions.filter(run_id=getattr(run, "pk", None), step_seq=seq).first() if data["passed"] else None
    attempt, _ = RepairAttempt.objects.get_or_create(
        tool=tool, run_id=getattr(run, "pk", None), step_seq=seq, number=data["number"],
        defaults={"from_version": tool.versions.get(number=data["from_version"]), "promoted_version": promoted,
                  "failure_kind": data["failure_kind"], "failure": data["failure"], "diff": data.get("diff", ""),
                  "passed": data["passed"], "outcome": data["outcome"], "report": data.get("report") or {}},
    )
    return attempt


def store_candidates(tools: list[dict[str, Any]], *, by: str, why: str) -> list[ToolVersion]:
    with transaction.atomic():
        return [write_tool_version(None, None, {**item, "created_by": by, "why": why, "status": "candidate"})
                for item in tools if "rejected" not in item]


def ingest_openapi(*, url: str = "", document: bytes | str = b"", by: str, why: str = "", family: str = "") -> list[ToolVersion]:
    """Operators: validate an OpenAPI document (URL or upload) and store its operations as candidates."""
    limits = ingest_limits()
    raw = openapi.fetch_document(url, limits, net_policy()) if url else document
    if not raw:
        raise ToolServiceError("give an OpenAPI document: a URL or the document itself")
    tools = openapi.build_tools(openapi.parse_document(raw, limits), source_url=url, family=family, limits=limits)
    return store_candidates(tools, by=by, why=why or f"ingested from {url or 'an upload'}")


def ingest_mcp_server(command: list[str], *, family: str, by: str, why: str = "") -> list[ToolVersion]:
    """Operators: list an MCP server's tools (stdio) and store them as candidates."""
    if not command:
        raise ToolServiceError("give the MCP server's command")
    try:
        tools = import_string(MCP_LISTER)(command, family=family)
    except (RuntimeError, InvalidSpec) as error:
        raise ToolServiceError(str(error)) from None
    return store_candidates(tools, by=by, why=why or f"MCP server {' '.join(command)}")
