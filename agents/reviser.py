"""Revision after a similarity report: plan per flagged passage, then rewrite only those passages.

- `plan_revisions` (route `plan_revision`): for each passage the latest report flagged and the
  upload located in the draft, choose rewrite-in-own-synthesis, quote-and-cite or replace-source
  (model task `plan_revision`), checked against the integrity rules (agents.revision_rules).
- `revise_section` (route `revise`): one section per step; each flagged passage of it is rewritten
  (model task `revise_passage`) and spliced into the exact text that was checked. Everything else
  in the section stays byte for byte. Each change and its reason is an event.
  With state["revision"]["restore"] it instead puts back the section versions of the best checked
  draft and routes to `finalize` (the similarity gate's "end with the best draft").
"""

from __future__ import annotations

from typing import Any

from agents.common import without_foreign_dois
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome
from agents.revision_rules import STRATEGIES, allowed_strategy, citation, obfuscation_problem
from agents.similarity_gate import latest_report
from agents.text_spans import content_phrases, replace_spans, sentences, word_count

PLAN_SCHEMA = {
    "type": "object",
    "required": ["revisions"],
    "properties": {
        "revisions": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "strategy", "reason"],
                "properties": {
                    "id": {"type": "string"},
                    "strategy": {"type": "string", "enum": sorted(STRATEGIES)},
                    "reason": {"type": "string", "minLength": 1},
                },
            },
        }
    },
}


def plan_revisions(context: NodeContext) -> Outcome:
    number, report = latest_report(context.state["turnitin"]["reports"])
    sections = context.state["plan"]["sections"]
    passages = [describe_passage(context, report, item) for item in report["flagged"]]
    result = context.llm.complete(
        "plan_revision",
        {"goal": context.goal, "similarity": report["similarity"], "passages": [public(item) for item in passages]},
        schema=PLAN_SCHEMA,
    )
    chosen = {item["id"]: item for item in result.data["revisions"]}
    planned, events = [], []
    for passage in passages:
        choice = chosen.get(passage["id"], {"strategy": "rewrite", "reason": "the plan did not cover this passage"})
        strategy, override = allowed_strategy(choice["strategy"], passage)
        reason = choice["reason"] if not override else f"{override}; restated in the writer's own synthesis instead"
        evidence = passage["alternatives"][0] if strategy == "replace_source" else None
        planned.append(
            {
                **location(passage),
                "strategy": strategy,
                "reason": reason,
                "source": passage["source"],
                "evidence": evidence,
                "done": False,
            }
        )
        heading = sections[passage["section"]]["heading"]
        events.append(f'{passage["id"]} in "{heading}": {STRATEGIES[strategy]} ({reason})')
    return Outcome(
        route="revise",
        delta={"revision": {"cycle": number, "passages": planned, "restore": None}},
        events=[
            EventNote(
                "revision_plan",
                f"Check {number} ({report['similarity']:g}%): planned {len(planned)} passage revision(s): " + "; ".join(events),
                {"cycle": number, "model": result.model},
            )
        ],
        observation={"passages": len(planned)},
    )


def describe_passage(context: NodeContext, report: dict, flagged: dict) -> dict[str, Any]:
    """A flagged location with its text, its matched source and the alternative sources on hand."""
    name = f"section-{flagged['section']}"
    text = context.read_artifact(name, report["draft"][name])[flagged["start"] : flagged["end"]]
    source = next((item for item in report.get("sources", []) if item["number"] == flagged.get("source")), None) or {}
    return {
        **flagged,
        "text": text,
        "heading": context.state["plan"]["sections"][flagged["section"]]["heading"],
        "source": {key: source.get(key) for key in ("number", "name", "kind", "share", "key")} if source else {},
        "alternatives": alternatives(context, text, exclude=source.get("key")),
    }


def alternatives(context: NodeContext, text: str, exclude: str | None) -> list[dict[str, Any]]:
    """Evidence chunks of other retrieved sources that bear on the passage (best first)."""
    evidence = context.services.get("evidence")
    if evidence is None:
        return []
    # Any of the passage's content words may make a chunk relevant (web-search syntax: "or").
    words = [word for phrase in content_phrases(text, limit=12) for word in phrase.split()]
    if not words:
        return []
    found = evidence.search(text, limit=5, keywords=" or ".join(dict.fromkeys(words)))
    hits = [hit for hit in found if hit["key"] != exclude and hit.get("score", 0) > 0]
    return [{"key": hit["key"], "chunk": hit["id"]} for hit in hits[:2]]


def public(passage: dict[str, Any]) -> dict[str, Any]:
    """What the planning model sees of a passage."""
    return {key: passage[key] for key in ("id", "heading", "text", "source")} | {
        "alternatives": [item["key"] for item in passage["alternatives"]]
    }


def location(passage: dict[str, Any]) -> dict[str, Any]:
    return {key: passage[key] for key in ("id", "section", "start", "end")}


def revise_section(context: NodeContext) -> Outcome:
    revision = context.state["revision"]
    if revision.get("restore"):
        return restore_best(context, revision["restore"])
    number, report = latest_report(context.state["turnitin"]["reports"])
    pending = [item for item in revision["passages"] if not item["done"]]
    index = pending[0]["section"]
    name = f"section-{index}"
    if context.state["artifacts"][name] != report["draft"][name]:
        raise ValueError(f"{name} changed since check {number}; its flagged offsets no longer apply")
    checked = context.read_artifact(name, report["draft"][name])
    changes, events = [], []
    for passage in [item for item in pending if item["section"] == index]:
        new_text, note = revise_passage(context, checked, passage)
        if new_text is not None:
            changes.append((passage["start"], passage["end"], new_text))
        events.append(note)
    revised = replace_spans(checked, changes)
    sections = [dict(item) for item in context.state["plan"]["sections"]]
    # The section's target moves by what the revision added or removed, so the per-section word
    # gate does not send the whole section back for a rewrite: only flagged passages may change.
    change = word_count(revised) - word_count(checked)
    sections[index]["written"] = word_count(revised)
    sections[index]["words"] = max(1, int(sections[index]["words"]) + change)
    passages = [{**item, "done": item["done"] or item["section"] == index} for item in revision["passages"]]
    remaining = sum(1 for item in passages if not item["done"])
    return Outcome(
        route="revise" if remaining else "reflect",
        delta={"plan": {"sections": sections}, "revision": {"passages": passages}},
        artifacts=[ArtifactOut(name, revised, kind="section")] if changes else [],
        events=events,
        observation={"section": index, "changed": len(changes), "remaining": remaining},
    )


def revise_passage(context: NodeContext, checked: str, passage: dict[str, Any]) -> tuple[str | None, EventNote]:
    """The replacement text of one passage (None: left as it was) and the event saying why."""
    original = checked[passage["start"] : passage["end"]]
    inputs = passage_inputs(context, checked, passage, original)
    result = context.llm.complete("revise_passage", inputs)
    revised, foreign = without_foreign_dois(context, " ".join(result.text.split()))
    problem = obfuscation_problem(original, revised, passage["strategy"])
    source = passage.get("source") or {}
    matched = f"matched {source['name']} ({source.get('share', 0):g}%)" if source.get("name") else "flagged"
    data = {
        "passage": passage["id"],
        "section": passage["section"],
        "strategy": passage["strategy"],
        "reason": passage["reason"],
        "before": original,
        "after": None if problem else revised,
        "evidence": passage.get("evidence"),
        "model": result.model,
        "removed_dois": foreign,
    }
    if problem:
        message = f"Passage {passage['id']} ({matched}) left unchanged: the proposed revision was refused because {problem}"
        return None, EventNote("revision_refused", message, {**data, "problem": problem})
    message = f"Passage {passage['id']} ({matched}) {STRATEGIES[passage['strategy']]}: {passage['reason']}"
    if foreign:
        message += f"; removed {len(foreign)} DOI(s) that are not retrieved sources: {', '.join(foreign[:5])}"
    return revised, EventNote("revision", message, data)


def passage_inputs(context: NodeContext, checked: str, passage: dict[str, Any], original: str) -> dict[str, Any]:
    spans = sentences(checked)
    before = [span.text for span in spans if span.end <= passage["start"]][-1:]
    after = [span.text for span in spans if span.start >= passage["end"]][:1]
    sections = context.state["plan"]["sections"]
    material = [
        {"heading": item["heading"], "points": item["points"]} for index, item in enumerate(sections) if index != passage["section"]
    ]
    return {
        "strategy": passage["strategy"],
        "passage": original,
        "before": before[0] if before else "",
        "after": after[0] if after else "",
        "heading": sections[passage["section"]]["heading"],
        "title": context.state["plan"]["title"],
        "material": material,
        "citation": source_citation(context, (passage.get("source") or {}).get("key")),
        "evidence": evidence_input(context, passage.get("evidence")),
    }


def source_citation(context: NodeContext, key: str | None, ordinal: int | None = None) -> dict[str, str] | None:
    """How to name and cite a retrieved source: author-date words and the draft's citation marker
    `[@key:ordinal]` (the chunk the quoted or re-grounded claim rests on)."""
    evidence = context.services.get("evidence")
    if not key or evidence is None:
        return None
    record = next((item for item in evidence.sources() if item["key"] == key), None)
    if record is None:
        return None
    if ordinal is None:
        ordinal = min((chunk["ordinal"] for chunk in evidence.chunks(key)), default=0)
    return {**citation(record["csl"], key), "marker": f"[@{key}:{ordinal}]"}


def evidence_input(context: NodeContext, chosen: dict[str, Any] | None) -> dict[str, Any] | None:
    if not chosen:
        return None
    chunk = next(item for item in context.services["evidence"].chunks(chosen["key"]) if item["id"] == chosen["chunk"])
    cited = source_citation(context, chosen["key"], chunk["ordinal"])
    return {**cited, "text": chunk["text"], "anchor": chunk["anchor"], "chunk": chunk["id"]}


def restore_best(context: NodeContext, restore: dict[str, Any]) -> Outcome:
    """Put back the section versions of the best checked draft, then deliver it."""
    current = context.state["artifacts"]
    sections = [dict(item) for item in context.state["plan"]["sections"]]
    artifacts = []
    for name, version in restore["draft"].items():
        if current.get(name) != version:
            text = context.read_artifact(name, version)
            artifacts.append(ArtifactOut(name, text, kind="section"))
            sections[int(name.rsplit("-", 1)[1])]["written"] = word_count(text)
    return Outcome(
        route="finalize",
        delta={"plan": {"sections": sections}, "revision": {"restore": None, "restored": restore["cycle"]}},
        artifacts=artifacts,
        events=[
            EventNote(
                "revision",
                f"Restored the draft of check {restore['cycle']} (lowest reported similarity) for delivery",
                {"restored": restore},
            )
        ],
    )
