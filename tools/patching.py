"""Unified diffs for tool code: make one (difflib) and apply one strictly (no fuzz).

A patch whose context lines do not match the current code is refused rather than guessed at:
the SelfDebugger then records the attempt as "did not apply".
"""
from __future__ import annotations

import difflib
import re

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
MAX_DIFF_CHARS = 50_000


class PatchError(ValueError):
    pass


def make_diff(old: str, new: str, name: str = "tool.py") -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def parse_hunks(diff: str) -> list[tuple[int, list[str]]]:
    """[(old_start, body lines)] of a unified diff; file headers are skipped."""
    hunks: list[tuple[int, list[str]]] = []
    for line in diff.splitlines():
        match = _HUNK.match(line)
        if match:
            hunks.append((int(match.group(1)), []))
        elif hunks and line[:1] in {" ", "+", "-"}:
            hunks[-1][1].append(line)
        elif hunks and line == "":
            hunks[-1][1].append(" ")  # an empty context line whose leading space was stripped
        elif line.startswith(("---", "+++", "diff ", "index ")) or line.startswith("\\"):
            continue
    return hunks


def apply_diff(code: str, diff: str) -> str:
    """`code` with `diff` applied; PatchError if the diff is empty, too big or does not match."""
    if len(diff) > MAX_DIFF_CHARS:
        raise PatchError(f"diff longer than {MAX_DIFF_CHARS} characters")
    hunks = parse_hunks(diff)
    if not hunks:
        raise PatchError("no hunks in the diff")
    lines = code.splitlines()
    offset = 0
    for start, body in hunks:
        old = [line[1:] for line in body if line[:1] in {" ", "-"}]
        new = [line[1:] for line in body if line[:1] in {" ", "+"}]
        at = find_block(lines, old, max(0, start - 1 + offset))
        if at < 0:
            raise PatchError(f"hunk at line {start} does not match the current code")
        lines[at:at + len(old)] = new
        offset += len(new) - len(old)
    return "\n".join(lines) + ("\n" if code.endswith("\n") else "")


def find_block(lines: list[str], block: list[str], hint: int) -> int:
    """Where `block` occurs, preferring the position nearest to `hint`; -1 if nowhere."""
    if not block:
        return hint
    candidates = [index for index in range(len(lines) - len(block) + 1) if lines[index:index + len(block)] == block]
    return min(candidates, key=lambda index: abs(index - hint)) if candidates else -1
