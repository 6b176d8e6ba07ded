"""`$ref` handling for ingested documents: only local refs, no cycles, bounded chains, and
schemas inlined into self-contained JSON Schema (OpenAPI 3.0 `nullable` and boolean
`exclusiveMinimum/Maximum` converted; OpenAPI-only keywords dropped)."""
from __future__ import annotations

from typing import Any

OPENAPI_ONLY = {"discriminator", "xml", "externalDocs", "example", "x-examples"}


def nesting_depth(value: Any, stop: int) -> int:
    """Depth of nested containers, counted iteratively (no recursion on hostile input); stops past `stop`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, depth)
        if deepest > stop:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return deepest


def refs_in(value: Any) -> list[str]:
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                found.append(item["$ref"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def resolve_pointer(document: dict, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise KeyError(ref)
    node: Any = document
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def check_refs(document: dict, max_depth: int) -> str:
    """"" if every `$ref` is local, resolvable, acyclic and at most `max_depth` deep; else why not."""
    graph: dict[str, list[str]] = {}
    pending = refs_in(document)
    roots = list(dict.fromkeys(pending))
    while pending:
        ref = pending.pop()
        if ref in graph:
            continue
        if not ref.startswith("#/"):
            return f"remote $ref {ref!r} refused: only refs inside the document (#/...) are followed"
        try:
            target = resolve_pointer(document, ref)
        except (KeyError, IndexError, ValueError, TypeError):
            return f"$ref {ref!r} points at nothing in the document"
        graph[ref] = list(dict.fromkeys(refs_in(target)))
        pending.extend(graph[ref])
    for root in roots:
        problem = walk_chain(graph, root, max_depth)
        if problem:
            return problem
    return ""


def walk_chain(graph: dict[str, list[str]], root: str, max_depth: int) -> str:
    """Depth-first from `root` with an explicit stack; reports the first cycle or overlong chain."""
    stack: list[tuple[str, list[str]]] = [(root, [root])]
    done: set[str] = set()
    while stack:
        ref, path = stack.pop()
        if len(path) > max_depth:
            return f"$ref chain deeper than {max_depth}: {' -> '.join(path[:6])} ..."
        for child in graph.get(ref, []):
            if child in path:
                return "recursive $ref refused: " + " -> ".join([*path[path.index(child):], child])
            if child not in done:
                stack.append((child, [*path, child]))
        done.add(ref)
    return ""


def inline_schema(value: Any, document: dict, depth: int) -> Any:
    """`value` with refs replaced by their targets (checked acyclic beforehand) and 3.0 quirks fixed."""
    if depth < 0:
        raise ValueError("$ref nesting too deep")
    if isinstance(value, list):
        return [inline_schema(item, document, depth) for item in value]
    if not isinstance(value, dict):
        return value
    if "$ref" in value:
        return inline_schema(resolve_pointer(document, value["$ref"]), document, depth - 1)
    result = {key: inline_schema(item, document, depth) for key, item in value.items() if key not in OPENAPI_ONLY}
    if result.pop("nullable", False) and isinstance(result.get("type"), str):
        result["type"] = [result["type"], "null"]
    for bound, keyword in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(result.get(keyword), bool):
            if result.pop(keyword) and bound in result:
                result[keyword] = result.pop(bound)
    return result
