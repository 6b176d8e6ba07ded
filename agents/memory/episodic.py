"""Episodic memory: what happened in this run, as bounded context for an agent's prompt.

A run's history grows with every step; a prompt must not. `episode_context` renders the newest
steps in full and everything older as an aggregate (steps per node, the routes taken, distinct
errors with their counts, the latest notable events), all inside `max_chars`, so the context an
agent reads is the same size at step 20 and at step 2,000. `full_log` renders every step, for
comparison (bench/memory.py) and for short runs.

Inputs are plain dicts (built by journeys.memory from Step and Event rows):
    step:  {seq, node, route_in, route, error, observation, events: [{kind, message}]}
    older: {steps, first_seq, last_seq, transitions: [{node, route_in, route, count}],
            errors: [{error, count, last_seq}], notes: [{seq, kind, message}]}
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

RECENT_STEPS = 8
LINE_CHARS = 320  # one step's line: enough for its main event and its error
OLDER_SHARE = 0.4  # of the budget, at most, for the summary of older steps
# Event kinds worth keeping from older steps: decisions and findings, not routine actions.
NOTABLE_KINDS = ("plan", "widen", "lesson", "research", "repair", "rollback", "revision", "integrity", "error", "branch")


@dataclass(frozen=True)
class Episode:
    text: str
    recent_steps: int
    summarised_steps: int

    @property
    def chars(self) -> int:
        return len(self.text)


def clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def step_line(step: dict[str, Any], limit: int = LINE_CHARS) -> str:
    """One step as one line: seq, node, route in and out, its first events, its error."""
    head = f"#{step['seq']} {step['node']} ({step['route_in']} -> {step['route']})"
    parts = [event["message"] for event in step.get("events", [])[:2]]
    if not parts and step.get("observation"):
        parts.append(json.dumps(step["observation"], sort_keys=True, default=str))
    if step.get("error"):
        parts.append(f"ERROR {step['error']}")
    return clip(f"{head}: {' | '.join(parts)}" if parts else head, limit)


def full_log(steps: list[dict[str, Any]]) -> str:
    """Every step with every event: what a prompt would carry without summarisation."""
    lines = []
    for step in steps:
        lines.append(f"#{step['seq']} {step['node']} ({step['route_in']} -> {step['route']})")
        lines += [f"  {event['kind']}: {event['message']}" for event in step.get("events", [])]
        if step.get("observation"):
            lines.append(f"  observation: {json.dumps(step['observation'], sort_keys=True, default=str)}")
        if step.get("error"):
            lines.append(f"  error: {step['error']}")
    return "\n".join(lines)


def older_summary(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The aggregate of `steps` in the shape journeys.memory builds with SQL (for tests, benches)."""
    transitions = Counter((step["node"], step["route_in"], step["route"]) for step in steps)
    errors: dict[str, dict[str, Any]] = {}
    for step in steps:
        if step.get("error"):
            entry = errors.setdefault(step["error"], {"error": step["error"], "count": 0, "last_seq": step["seq"]})
            entry["count"] += 1
            entry["last_seq"] = max(entry["last_seq"], step["seq"])
    notes = [
        {"seq": step["seq"], "kind": event["kind"], "message": event["message"]}
        for step in steps
        for event in step.get("events", [])
        if event["kind"] in NOTABLE_KINDS
    ]
    return {
        "steps": len(steps),
        "first_seq": steps[0]["seq"] if steps else 0,
        "last_seq": steps[-1]["seq"] if steps else 0,
        "transitions": [{"node": n, "route_in": i, "route": r, "count": c} for (n, i, r), c in transitions.most_common()],
        "errors": sorted(errors.values(), key=lambda item: -item["last_seq"]),
        "notes": notes[-40:],
    }


def summary_text(older: dict[str, Any], limit: int) -> str:
    """The older steps in at most `limit` characters: counts first, then errors, then notes."""
    if not older.get("steps"):
        return ""
    by_node = Counter()
    for item in older["transitions"]:
        by_node[item["node"]] += item["count"]
    routes = ", ".join(f"{item['route_in']}->{item['route']} x{item['count']}" for item in older["transitions"][:8])
    lines = [
        f"Steps {older['first_seq']}-{older['last_seq']} ({older['steps']} steps, summarised): "
        + ", ".join(f"{node} x{count}" for node, count in by_node.most_common()),
        f"Routes taken: {routes}",
    ]
    for item in older.get("errors", [])[:5]:
        lines.append(clip(f"Failed {item['count']}x (last at #{item['last_seq']}): {item['error']}", 240))
    budget = limit - sum(len(line) + 1 for line in lines)
    notes = []
    for note in reversed(older.get("notes", [])):  # newest first, so the budget keeps the latest
        line = clip(f"#{note['seq']} {note['kind']}: {note['message']}", 200)
        if budget - len(line) - 1 < 0:
            break
        notes.append(line)
        budget -= len(line) + 1
    return clip_block("\n".join(lines + list(reversed(notes))), limit)


def clip_block(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def episode_context(older: dict[str, Any], recent: list[dict[str, Any]], max_chars: int) -> Episode:
    """What happened so far in this run, in at most `max_chars` characters.

    `recent` are the newest steps (oldest first), rendered one line each; `older` is the
    aggregate of every step before them. When the recent lines do not fit, the oldest of them
    are dropped (the aggregate still counts them)."""
    summary = summary_text(older, int(max_chars * OLDER_SHARE)) if older.get("steps") else ""
    budget = max_chars - len(summary) - (1 if summary else 0)
    lines: list[str] = []
    for step in reversed(recent):
        line = step_line(step)
        if budget - len(line) - 1 < 0:
            break
        lines.append(line)
        budget -= len(line) + 1
    text = "\n".join(([summary] if summary else []) + list(reversed(lines)))
    dropped = len(recent) - len(lines)
    return Episode(clip_block(text, max_chars), len(lines), int(older.get("steps", 0)) + dropped)
