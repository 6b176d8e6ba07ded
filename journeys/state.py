"""The run state is changed only by JSON merge patches (RFC 7386), one per step.

Replaying the patches of a run's steps in seq order from {} reproduces its state at any seq.

RFC 7386 replaces a list whole, so a node that updates one item of a long list (the Executor
marking one step of the plan done) returns the whole list. Stored that way, a run's steps would
grow with the square of its length. A step is therefore *stored* as `compact_patch(state, delta)`:
a list that changed in a few items becomes `{LIST_PATCH: {"length": n, "items": {"i": item}}}`
(plus `"offset"` for a window that moved), which `merge_patch` applies to the list it was made
against. Nodes never see this form.
"""
from __future__ import annotations

import copy
from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply `patch` to `target` (neither is modified); None values delete keys.

    Only the objects on the patch's paths are copied: the result shares the subtrees the patch
    does not touch with `target` (JSON values that nothing mutates in place), so a step's patch
    costs the size of the patch, not of the whole state (a deep copy of a long run's state was a
    tenth of a step's CPU).
    """
    if not isinstance(patch, dict):
        return copy_json(patch)
    if LIST_PATCH in patch and isinstance(target, list):
        return apply_list_patch(target, patch[LIST_PATCH])
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


# The reserved key of a stored list patch; a node's delta may not use it (check_delta).
LIST_PATCH = "$hw:list-patch"


def compact_patch(target: Any, patch: Any) -> Any:
    """`patch` with every list that replaces a list of `target` stored as its changed items,
    where that is shorter: merge_patch(target, compact_patch(target, patch)) equals
    merge_patch(target, patch). `patch` is not modified; unchanged values are shared."""
    if not isinstance(patch, dict):
        return patch
    compact = {}
    for key, value in patch.items():
        old = target.get(key) if isinstance(target, dict) else None
        if isinstance(value, dict) and isinstance(old, dict):
            compact[key] = compact_patch(old, value)
        elif isinstance(value, list) and isinstance(old, list):
            compact[key] = list_patch(old, value)
        else:
            compact[key] = value
    return compact


def list_patch(old: list, new: list) -> list | dict:
    """`new` as the items that differ from `old` (and its length), or `new` itself when most do.
    A window that moved (`new` starts further into `old`: recent items, newest last) is stored
    as its offset into `old` and the items that came in."""
    offset = old.index(new[0]) if new and new[0] in old else 0
    changed = {str(index): item for index, item in enumerate(new)
               if index + offset >= len(old) or old[index + offset] != item}
    if len(changed) * 2 > len(new):
        return new
    change = {"length": len(new), "items": changed}
    return {LIST_PATCH: {**change, "offset": offset} if offset else change}


def apply_list_patch(target: list, change: dict) -> list:
    length, items, offset = change["length"], change["items"], change.get("offset", 0)
    if any(index + offset >= len(target) and str(index) not in items for index in range(length)):
        raise ValueError(f"a list patch of length {length} from {offset} does not fit a list of {len(target)} items")
    return [copy_json(items[str(index)]) if str(index) in items else target[index + offset] for index in range(length)]


def check_delta(delta: Any) -> None:
    """Refuse a node's delta that uses the reserved key of stored list patches."""
    if isinstance(delta, dict):
        if LIST_PATCH in delta:
            raise ValueError(f"a state delta may not use the reserved key {LIST_PATCH!r}")
        for value in delta.values():
            check_delta(value)


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars): copy.deepcopy without its memo."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def replay(deltas: list[dict]) -> dict:
    state: dict = {}
    for delta in deltas:
        state = merge_patch(state, delta)
    return state


def diff_patch(source: dict, target: dict) -> dict:
    """The merge patch that turns `source` into `target` (keys gone -> None; dicts recursively;
    anything else replaced whole). Exact unless `target` holds None values."""
    patch: dict = {}
    for key in source.keys() - target.keys():
        patch[key] = None
    for key, value in target.items():
        if key not in source:
            patch[key] = copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(source[key], dict):
            nested = diff_patch(source[key], value)
            if nested:
                patch[key] = nested
        elif value != source[key] or type(value) is not type(source[key]):
            patch[key] = copy.deepcopy(value)
    return patch
