"""OpenAPI 3 ingestion: a document (URL or upload) -> candidate tools, one per operation.

Deterministic, no generated code: each tool is a *binding* (base URL, method, path, which
arguments go to the path, query, headers or body) executed by `execute_operation` with httpx,
and its argument schema is derived from the operation's parameters and request body.

Hostile documents are refused with a clear IngestRejected before anything is built: larger than
`max_bytes`, YAML aliases (billion-laughs), nesting deeper than MAX_NESTING, remote `$ref`s
(no fetching on a document's behalf), recursive `$ref` chains or chains deeper than
`max_ref_depth`, more than `max_operations` operations, or invalid per openapi-spec-validator.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
import yaml
from openapi_spec_validator import validate as validate_openapi

from tools import netguard
from tools.ingest.refs import check_refs, inline_schema, nesting_depth
from tools.netguard import NetPolicy
from tools.registry import Execution
from tools.spec import InvalidSpec, ToolDefinition, ToolSpec

METHODS = ("get", "post", "put", "patch", "delete")
MAX_NESTING = 64
MAX_RESPONSE_BYTES = 8_000_000


class IngestRejected(ValueError):
    """The document cannot be ingested; the message says why, for the person who offered it."""


@dataclass(frozen=True)
class IngestLimits:
    max_bytes: int = 2_000_000
    max_ref_depth: int = 12
    max_operations: int = 64
    fetch_timeout: float = 10.0


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases: an alias bomb expands to gigabytes from a few lines."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise IngestRejected("YAML aliases (*name) are not accepted in OpenAPI documents")
        return super().compose_node(parent, index)


def fetch_document(url: str, limits: IngestLimits, policy: NetPolicy) -> bytes:
    """GET the document through the SSRF guard, refusing anything past `max_bytes`."""
    try:
        with netguard.client(limits.fetch_timeout) as http, netguard.stream(http, "GET", url, policy) as (response, final):
            if response.status_code != 200:
                raise IngestRejected(f"fetching {final} answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limits.max_bytes:
                    raise IngestRejected(f"the document at {url} is larger than {limits.max_bytes} bytes")
            return bytes(body)
    except (netguard.URLRefused, netguard.URLUnresolvable) as error:
        raise IngestRejected(str(error)) from None
    except httpx.HTTPError as error:
        raise IngestRejected(f"could not fetch {url}: {type(error).__name__}: {error}") from None


def parse_document(raw: bytes | str, limits: IngestLimits) -> dict[str, Any]:
    """Bytes -> a checked OpenAPI 3 document (size, syntax, nesting, refs, validator)."""
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > limits.max_bytes:
        raise IngestRejected(f"the document is {len(data)} bytes; the limit is {limits.max_bytes}")
    text = data.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except RecursionError:
        raise IngestRejected(f"the document nests deeper than {MAX_NESTING} levels") from None
    except ValueError:
        try:
            document = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - SafeLoader subclass
        except RecursionError:
            raise IngestRejected(f"the document nests deeper than {MAX_NESTING} levels") from None
        except yaml.YAMLError as error:
            raise IngestRejected(f"the document is neither JSON nor YAML: {str(error)[:200]}") from None
    if not isinstance(document, dict):
        raise IngestRejected("the document must be a JSON or YAML object")
    if nesting_depth(document, MAX_NESTING) > MAX_NESTING:
        raise IngestRejected(f"the document nests deeper than {MAX_NESTING} levels")
    if not str(document.get("openapi", "")).startswith("3."):
        raise IngestRejected(f"only OpenAPI 3.x documents are supported (openapi: {document.get('openapi')!r})")
    problem = check_refs(document, limits.max_ref_depth)
    if problem:
        raise IngestRejected(problem)
    try:
        validate_openapi(document)
    except Exception as error:  # noqa: BLE001 - the validator raises several types; all mean "invalid"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise IngestRejected(f"invalid OpenAPI document: {first[:300]}") from None
    return document


def slug(text: str, limit: int = 40) -> str:
    value = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:limit] or "api"
    return value if value[0].isalpha() else f"api_{value}"[:limit]


def base_url_of(document: dict[str, Any], source_url: str) -> str:
    servers = document.get("servers") or [{"url": "/"}]
    url = urllib.parse.urljoin(source_url or "", str(servers[0].get("url", "/")))
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"} or not urllib.parse.urlsplit(url).hostname:
        raise IngestRejected(f"the server URL {url!r} is not an absolute http(s) URL")
    return url.rstrip("/")


def host_of(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def build_tools(document: dict[str, Any], *, source_url: str = "", family: str = "",
                limits: IngestLimits = IngestLimits()) -> list[dict[str, Any]]:
    """Tool-version data (for tools.services.write_tool_version) for every operation."""
    family = slug(family or document.get("info", {}).get("title", "api"))
    base_url = base_url_of(document, source_url)
    operations = [(path, method, item[method]) for path, item in (document.get("paths") or {}).items()
                  for method in METHODS if isinstance(item, dict) and method in item]
    if not operations:
        raise IngestRejected("the document has no operations")
    if len(operations) > limits.max_operations:
        raise IngestRejected(f"the document has {len(operations)} operations; the limit is {limits.max_operations}")
    tools = []
    for path, method, operation in operations:
        shared = (document["paths"][path].get("parameters") or [])
        tools.append(build_tool(document, family, base_url, path, method, operation, shared, source_url, limits))
    return tools


def build_tool(document: dict, family: str, base_url: str, path: str, method: str, operation: dict,
               shared: list, source_url: str, limits: IngestLimits) -> dict[str, Any]:
    depth = limits.max_ref_depth
    operation_id = operation.get("operationId") or f"{method}_{path}"
    snake = re.sub(r"([a-z])([A-Z])", r"\1_\2", operation_id)
    name = f"{family}.{slug(snake, 60)}"
    parameters, properties, required = [], {}, []
    for raw in [*shared, *(operation.get("parameters") or [])]:
        parameter = inline_schema(raw, document, depth)
        if parameter.get("in") not in {"path", "query", "header"}:
            continue
        parameters.append({"name": parameter["name"], "in": parameter["in"]})
        schema = inline_schema(parameter.get("schema") or {"type": "string"}, document, depth)
        properties[parameter["name"]] = {**schema, "description": str(parameter.get("description", ""))[:500]}
        if parameter.get("required") or parameter["in"] == "path":
            required.append(parameter["name"])
    body = (inline_schema(operation.get("requestBody") or {}, document, depth).get("content") or {}).get("application/json")
    if body is not None:
        properties["body"] = inline_schema(body.get("schema") or {}, document, depth)
        if operation["requestBody"].get("required"):
            required.append("body")
    arguments = {"type": "object", "properties": properties, "required": sorted(set(required)), "additionalProperties": False}
    try:
        spec = ToolSpec.from_dict({
            "name": name, "description": (operation.get("summary") or operation.get("description") or name)[:2000],
            "arguments": arguments, "result": response_schema(document, operation, depth),
            "hosts": [host_of(base_url)], "idempotent": method == "get", "timeout": limits.fetch_timeout * 2,
        })
    except InvalidSpec as error:
        raise IngestRejected(f"operation {operation_id}: {error}") from None
    return {
        "name": name, "kind": "openapi", "description": spec.description, "spec": spec.to_dict(),
        "binding": {"base_url": base_url, "method": method.upper(), "path": path, "parameters": parameters,
                    "has_body": body is not None},
        "provenance": {"source": source_url or "upload", "operation": operation_id,
                       "api": document.get("info", {}).get("title", ""), "openapi": document["openapi"]},
    }


def response_schema(document: dict, operation: dict, depth: int) -> dict[str, Any]:
    responses = operation.get("responses") or {}
    for status in ("200", "201", "default"):
        content = (inline_schema(responses.get(status) or {}, document, depth).get("content") or {})
        if "application/json" in content:
            return inline_schema(content["application/json"].get("schema") or {}, document, depth)
    return {}


def execute_operation(definition: ToolDefinition, arguments: dict[str, Any], limits: Any,
                      idempotency_key: str = "") -> Execution:
    """Call the bound operation through the SSRF guard (checked and pinned at every call, so a
    base URL that now resolves to a private address is refused); no redirect is followed. A
    non-idempotent operation carries the step's key as `Idempotency-Key` (the convention of Stripe
    and the IETF draft), so the API can recognise a repeat after a crash."""
    binding = definition.binding
    path = binding["path"]
    query, headers = {}, {"Accept": "application/json"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    for parameter in binding["parameters"]:
        if parameter["name"] not in arguments:
            continue
        value = arguments[parameter["name"]]
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", urllib.parse.quote(str(value), safe=""))
        elif parameter["in"] == "query":
            query[parameter["name"]] = value
        else:
            headers[parameter["name"]] = str(value)
    url = binding["base_url"] + path
    policy = NetPolicy.allowing(getattr(limits, "allowed_hosts", ()), max_redirects=0)
    body = arguments.get("body") if binding.get("has_body") else None
    try:
        with netguard.client(definition.spec.timeout) as http, netguard.stream(
                http, binding["method"], url, policy, headers=headers, follow_redirects=False,
                params=query, json=body) as (response, _):
            response.read()
    except netguard.URLRefused as error:
        return Execution(ok=False, error=str(error))
    except (netguard.URLUnresolvable, httpx.HTTPError) as error:
        return Execution(ok=False, error=f"{type(error).__name__}: {error}", transient=True)
    trace = [{"method": binding["method"], "url": str(response.url), "status": response.status_code,
              "body": response.text[:4000]}]
    if response.status_code >= 400:
        transient = response.status_code == 429 or response.status_code >= 500
        return Execution(ok=False, error=f"HTTP {response.status_code}: {response.text[:200]}", trace=trace, transient=transient)
    if len(response.content) > MAX_RESPONSE_BYTES:
        return Execution(ok=False, error=f"response larger than {MAX_RESPONSE_BYTES} bytes", trace=trace)
    try:
        return Execution(ok=True, result=response.json(), trace=trace)
    except ValueError:
        return Execution(ok=False, error="the response is not JSON", trace=trace)
