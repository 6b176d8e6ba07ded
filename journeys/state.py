"""The run state is changed only by JSON merge patches (RFC 7386), one per step.

Replaying the patches of a run's steps in seq order from {} reproduces its state at any seq.
"""
from __future__ import annotations

import copy
from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply `patch` to `target` (neither is modified); None values delete keys."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def replay(deltas: list[dict]) -> dict:
    state: dict = {}
    for delta in deltas:
        state = merge_patch(state, delta)
    return state
