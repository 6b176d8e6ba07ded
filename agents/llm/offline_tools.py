"""The offline model's one tool-repair skill: patch a *renamed field*.

Honest capability, nothing more: it compares the keys the tool's code reads (`x.get("k")`,
`x["k"]`) with the keys the upstream's recorded answer actually carries. A key the code reads
that the upstream no longer sends, next to exactly one (or one clearly most similar) new key in
the same records, is taken as a rename, and the accessors are rewritten. Anything else gets an
empty diff ("no confident patch"); real models handle the general case through the same prompt.
"""
from __future__ import annotations

import difflib
import json
import re
from typing import Any

from tools.patching import make_diff

ACCESSOR = re.compile(r"""(\.get\(\s*|\[\s*)(["'])([A-Za-z_][\w-]*)\2""")


def accessed_keys(code: str) -> list[str]:
    return list(dict.fromkeys(match.group(3) for match in ACCESSOR.finditer(code)))


def upstream_records(trace: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every JSON object inside the recorded response bodies."""
    records, stack = [], []
    for exchange in trace:
        try:
            stack.append(json.loads(exchange.get("body") or "null"))
        except ValueError:
            continue
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            records.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return records


def rename_for(missing: str, records: list[dict], accessed: list[str], refused: set[str]) -> str:
    """The one new key that replaced `missing` in records that still carry the other keys read."""
    siblings = [record for record in records if set(record) & set(accessed)]
    candidates = {key for record in siblings for key in record} - set(accessed) - refused
    if not candidates:
        return ""
    ranked = sorted(candidates, key=lambda key: -similarity(missing, key))
    if len(ranked) == 1 or similarity(missing, ranked[0]) > similarity(missing, ranked[1]) + 0.15:
        return ranked[0]
    return ""


def similarity(old: str, new: str) -> float:
    bonus = 0.5 if old.lower() in new.lower() or new.lower() in old.lower() else 0.0
    return difflib.SequenceMatcher(None, old.lower(), new.lower()).ratio() + bonus


def refused_renames(previous: list[dict[str, Any]]) -> set[str]:
    """Keys an earlier attempt already tried (their patches failed): never proposed again."""
    return {match for attempt in previous for match in re.findall(r'^\+.*?["\']([\w-]+)["\']', attempt.get("diff", ""), re.M)}


def tool_patch(inputs: dict[str, Any]) -> str:
    code, failure = inputs["code"], inputs["failure"]
    accessed = accessed_keys(code)
    records = upstream_records(failure.get("trace") or [])
    if not records:
        return json.dumps({"diff": "", "explanation": "no recorded upstream answer to compare the code with"})
    present = {key for record in records for key in record}
    missing = [key for key in accessed if key not in present]
    refused = refused_renames(inputs.get("previous") or [])
    renames = {key: rename_for(key, records, accessed, refused) for key in missing}
    renames = {old: new for old, new in renames.items() if new}
    if not missing or not renames:
        reason = "every key the code reads is still sent" if not missing else f"no confident replacement for {missing}"
        return json.dumps({"diff": "", "explanation": reason})
    patched = ACCESSOR.sub(lambda m: m.group(1) + m.group(2) + renames.get(m.group(3), m.group(3)) + m.group(2), code)
    explanation = "; ".join(f"the upstream renamed {old!r} to {new!r}" for old, new in renames.items())
    return json.dumps({"diff": make_diff(code, patched), "explanation": explanation})
