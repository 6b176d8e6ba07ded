"""Lesson distillation: the rules' facts, phrased by the run's model (or the offline skill).

`distil(digest, llm, timeline)` returns the rules' LessonDrafts with their text replaced by the
model's phrasing where the model answered well. Only the text can change: kind, topic, data and
provenance come from the rules, a lesson the model names by an unknown fact index is dropped, and
when the model fails the rules' own sentences are kept, so distillation never depends on a model.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from agents.memory.lessons import LessonDraft, distil_rules

logger = logging.getLogger(__name__)

MAX_TEXT = 600
DISTIL_SCHEMA = {
    "type": "object",
    "required": ["lessons"],
    "properties": {
        "lessons": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["fact", "text"],
                "properties": {"fact": {"type": "integer", "minimum": 0}, "text": {"type": "string", "minLength": 1}},
            },
        }
    },
}


def distil(digest: dict[str, Any], llm: Any, timeline: str) -> list[LessonDraft]:
    drafts = distil_rules(digest)
    if not drafts or llm is None:
        return drafts
    inputs = {
        "status": digest.get("status", ""),
        "topic": digest["topic"],
        "facts": [{"kind": draft.kind, "text": draft.text} for draft in drafts],
        "timeline": timeline,
    }
    try:
        answer = llm.complete("distil_lessons", inputs, schema=DISTIL_SCHEMA)
    except Exception as error:  # noqa: BLE001 - the rules' sentences stand when the model fails
        logger.warning("distil_lessons failed (%s); keeping the rules' phrasing", error)
        return drafts
    for item in answer.data["lessons"]:
        if 0 <= item["fact"] < len(drafts) and item["text"].strip():
            drafts[item["fact"]].text = " ".join(item["text"].split())[:MAX_TEXT]
    return drafts


def offline_distil(inputs: dict[str, Any]) -> str:
    """The offline model's skill for `distil_lessons`: each fact is already a lesson; keep it."""
    return json.dumps({"lessons": [{"fact": index, "text": fact["text"]} for index, fact in enumerate(inputs["facts"])]})
