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

ACCESSOR = re.compile(r"""\b([A-Za-z_]\w*)(\.get\(\s*|\[\s*)(["'])([A-Za-z_][\w-]*)\3""")


def keys_by_reader(code: str) -> dict[str, list[str]]:
    """Variable -> the keys the code reads from it (`item.get("title")` -> item: [title])."""
    readers: dict[str, list[str]] = {}
    for match in ACCESSOR.finditer(code):
        keys = readers.setdefault(match.group(1), [])
        if match.group(4) not in keys:
            keys.append(match.group(4))
    return readers


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
    records = upstream_records(failure.get("trace") or [])
    if not records:
        return json.dumps({"diff": "", "explanation": "no recorded upstream answer to compare the code with"})
    present = {key for record in records for key in record}
    refused = refused_renames(inputs.get("previous") or [])
    renames: dict[tuple[str, str], str] = {}
    missing = []
    for reader, keys in keys_by_reader(code).items():
        if not set(keys) & present:
            continue  # this variable is not read from the upstream's answer (e.g. the arguments)
        for key in keys:
            if key not in present:
                missing.append(key)
                new = rename_for(key, records, keys, refused)
                if new:
                    renames[(reader, key)] = new
    if not missing or not renames:
        reason = "every key the code reads is still sent" if not missing else f"no confident replacement for {missing}"
        return json.dumps({"diff": "", "explanation": reason})

    def rewrite(match: re.Match) -> str:
        new = renames.get((match.group(1), match.group(4)), match.group(4))
        return f"{match.group(1)}{match.group(2)}{match.group(3)}{new}{match.group(3)}"

    patched = ACCESSOR.sub(rewrite, code)
    renames = {key: new for (_, key), new in renames.items()}
    explanation = "; ".join(f"the upstream renamed {old!r} to {new!r}" for old, new in renames.items())
    return json.dumps({"diff": make_diff(code, patched), "explanation": explanation})
