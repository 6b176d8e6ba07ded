"""Assignment (journey assignment): several parts, each with its own word target and deadline,
each written by a child run, then assembled into one document.

- `spawn_step` (action spawn_children): starts one child run (journey `part`) per section of the
  plan and waits (status waiting_children; journeys.children wakes the run when every child has
  ended). Parts due sooner get a higher priority. Woken, it reports how each part ended.
- `assemble_step` (action assemble_children): each child's draft (with its citation markers)
  becomes the parent's section i, and the child's sources with their chunks are copied into the
  parent run (same keys and chunk ordinals, so the markers still resolve; a key two different
  works share is renamed in that part). A part whose child failed stays unwritten: the Critic
  then has the section written from the evidence the other parts gathered, and says so.
"""
from __future__ import annotations

import re
from typing import Any

from agents.common import count_words, sections_of, spec_of
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome, Record
from agents.llm.offline.text import content_words
from agents.taskspec import MAX_WORDS, MIN_WORDS, TaskSpec

CHILD_JOURNEY = "part"
INHERITED = ("style", "level", "min_sources", "recency_years", "region", "constraints")


def part_deadline(spec: TaskSpec, index: int) -> str | None:
    part = spec.parts[index] if index < len(spec.parts) else None
    deadline = (part.deadline if part else None) or spec.deadline
    return deadline.isoformat() if deadline else None


def lower_first(text: str) -> str:
    """'How cities cope' -> 'how cities cope' (but 'UK heat' stays)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def part_topic(title: str, topic: str) -> str:
    """The part's own subject; with the assignment's topic added when the title alone lacks it
    ("Methods" -> "Methods: urban heat ..."), since the child researches on its topic's terms."""
    title = lower_first(title)
    if len(content_words(title) & content_words(topic)) >= 2:
        return title[:500]
    return f"{title}: {topic}"[:500]


def child_requests(context: NodeContext) -> list[dict[str, Any]]:
    spec = spec_of(context)
    topic = spec.topic or context.goal
    sections = sections_of(context)
    due = sorted(range(len(sections)), key=lambda index: (part_deadline(spec, index) or "9999-12-31", index))
    children = []
    for index, section in enumerate(sections):
        part = spec.parts[index] if index < len(spec.parts) else None
        goal = part.goal if part and part.goal else f"Write about {lower_first(section['heading'])}"
        children.append({
            "part": index, "journey": CHILD_JOURNEY, "words": min(MAX_WORDS, max(MIN_WORDS, section["words"])),
            "goal": f"{goal} (part {index + 1} of an assignment on {topic})",
            "spec": {**{name: context.spec[name] for name in INHERITED if context.spec.get(name) not in (None, "", [])},
                     "topic": part_topic(section["heading"], topic), "deadline": part_deadline(spec, index)},
            "priority": len(sections) - due.index(index),
        })
    return children


def spawn_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    reader = context.services["children"]
    children = reader.statuses()
    if not children:
        requests = child_requests(context)
        lines = [f"part {item['part'] + 1} \"{item['spec']['topic'][:60]}\" ({item['words']} words"
                 + (f", due {item['spec']['deadline']}" if item["spec"]["deadline"] else "") + ")" for item in requests]
        return waiting([Record("child_runs", {"children": requests})],
                       f"Started {len(requests)} part runs: " + "; ".join(lines))
    if not reader.all_ended():
        going = sum(1 for item in children if item["status"] not in {"succeeded", "failed", "aborted", "budget_exhausted"})
        return waiting([], f"{going} part run(s) still going")
    ended = ", ".join(f"part {item['part'] + 1}: {item['status']}" for item in sorted(children, key=lambda item: item["part"]))
    return Outcome(
        route="reflect",
        events=[EventNote("children", f"Every part has ended ({ended})", {"children": children})],
        observation={"status": "done", "signature": f"children ended: {ended}"},
    )


def waiting(records: list[Record], message: str) -> Outcome:
    return Outcome(
        route="act", status="waiting_children", records=records,
        events=[EventNote("children", message)],
        observation={"status": "pending", "signature": "waiting for the parts"},
        reason="waiting for the parts of the assignment",
    )


def part_body(draft: str) -> tuple[str, list[str]]:
    """A child's draft as a part of the parent: no title line, its notes returned apart, a single
    section's heading dropped (the parent's heading replaces it), other headings one level down."""
    lines = draft.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    notes = [line.lstrip("> ").strip() for line in lines if line.startswith(">")]
    lines = [line for line in lines if not line.startswith(">")]
    headings = [line for line in lines if line.startswith("## ")]
    if len(headings) == 1:
        lines = [line for line in lines if line != headings[0]]
    body = "\n".join("#" + line if line.startswith("#") else line for line in lines)
    return re.sub(r"\n{3,}", "\n\n", body).strip(), notes


def same_work(first: dict[str, Any], second: dict[str, Any]) -> bool:
    doi = (first["csl"].get("DOI") or "").lower()
    if doi and doi == (second["csl"].get("DOI") or "").lower():
        return True
    return (first["csl"].get("title") or "").strip().lower() == (second["csl"].get("title") or "").strip().lower()


def copy_sources(sources: list[dict], taken: dict[str, dict], suffix: str) -> tuple[list[Record], dict[str, str]]:
    """Records for the child's sources the parent lacks, and the keys renamed to avoid a clash."""
    records, renamed = [], {}
    for source in sources:
        key = source["key"]
        if key in taken and same_work(taken[key], source):
            continue
        if key in taken:
            renamed[key] = key = f"{key}{suffix}"
        taken[key] = source
        records.append(Record("source", {
            "key": key, "csl": {**source["csl"], "id": key}, "provider": source["provider"], "origin": source["origin"],
            "relevance": source["relevance"], "credibility": source["credibility"], "has_full_text": source["has_full_text"],
            "query": "from a part of the assignment",
            "chunks": [{"text": chunk["text"], "anchor": chunk["anchor"]} for chunk in source["chunks"]],
        }))
    return records, renamed


def assemble_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    reader = context.services["children"]
    sections = sections_of(context)
    by_part = {item["part"]: item for item in reader.statuses()}
    taken = {item["key"]: item for item in context.services["evidence"].sources()}
    records, artifacts, notes, missing = [], [], [], []
    for index, section in enumerate(sections):
        child = by_part.get(index)
        draft = reader.draft(child["run_id"]) if child and child["status"] == "succeeded" else ""
        if not draft:
            missing.append(index + 1)
            continue
        body, part_notes = part_body(draft)
        notes += [f"part {index + 1}: {note}" for note in part_notes if not note.startswith("Built offline")]
        copied, renamed = copy_sources(reader.sources(child["run_id"]), taken, f"p{index + 1}")
        records += copied
        for old, new in renamed.items():
            body = re.sub(rf"@{re.escape(old)}:", f"@{new}:", body)
        artifacts.append(ArtifactOut(f"section-{index}", body, kind="section"))
        section["written"] = count_words(body)
    message = (f"Assembled {len(artifacts)} of {len(sections)} parts ({sum(item['written'] for item in sections)} words, "
               f"{len(records)} sources carried over)" + (f"; part(s) {missing} did not deliver" if missing else ""))
    return Outcome(
        route="reflect",
        delta={"plan": {"sections": sections, "notes": notes[:10]}},
        events=[EventNote("action", message, {"missing": missing, "sources": len(records)})],
        artifacts=artifacts, records=records,
        observation={"status": "done", "signature": f"assembled {len(artifacts)}, missing {missing}"},
    )
