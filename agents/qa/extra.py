"""Checks particular to a journey (agents.qa.node runs them after the common ones):

- rewrite: the meaning of every chunk of the original draft is kept (agents.meaning, embeddings,
  chunk by chunk; below `quality.meaning_min` the section is repaired);
- slides: every main point is covered by a slide that names it (`quality.coverage_min`);
- research pack: every source annotated and a claims matrix built (warnings: they are complete
  by construction, so a gap means the evidence was too thin, which the student should know).
"""
from __future__ import annotations

import json

from agents.contracts import NodeContext
from agents.drafts import uploaded_parts
from agents.meaning import compare
from agents.slides import covered, main_points

Problems = dict[int, list[str]]


def meaning_kept(context: NodeContext, sections: list[dict], texts: list[str]) -> tuple[Problems, list[str]]:
    minimum = float(context.policy.get("quality", {}).get("meaning_min", 0.8))
    parts = uploaded_parts(context)
    pairs = [(" \n\n".join(part["paragraphs"]), text) for part, text in zip(parts, texts, strict=False) if text]
    indexes = [index for index, text in enumerate(texts[: len(parts)]) if text]
    problems: Problems = {}
    for index, report in zip(indexes, compare(pairs, minimum), strict=True):
        if not report.kept:
            weakest = ", ".join(f"chunk {chunk + 1} ({report.scores[chunk]:.2f})" for chunk in report.failing()[:3])
            problems[index] = [f"the rewrite drifted from the original's meaning: {weakest}; at least {minimum} is needed"]
    return problems, []


def points_covered(context: NodeContext, sections: list[dict], texts: list[str]) -> tuple[Problems, list[str]]:
    minimum = float(context.policy.get("quality", {}).get("coverage_min", 1.0))
    names = context.state.get("artifacts") or {}
    slides = json.loads(context.read_artifact("slides"))["slides"] if "slides" in names else []
    flags = covered(main_points(context), slides)
    share = sum(flags) / len(flags) if flags else 1.0
    if share >= minimum:
        return {}, []
    return {index: ["no slide covers this main point"] for index, flag in enumerate(flags) if not flag}, []


def pack_complete(context: NodeContext, sections: list[dict], texts: list[str]) -> tuple[Problems, list[str]]:
    pack = context.state.get("pack") or {}
    warnings = []
    if not pack.get("claims"):
        warnings.append("no claim was supported by the retrieved passages, so the claims matrix is empty")
    if not pack.get("annotated"):
        warnings.append("no source could be annotated")
    return {}, warnings


CHECKS = {"rewrite": meaning_kept, "slides": points_covered, "claims": pack_complete}


def extra_checks(context: NodeContext, sections: list[dict], texts: list[str]) -> tuple[Problems, list[str]]:
    """The journey's own checks, chosen by the phases of its policy."""
    repairs: Problems = {}
    warnings: list[str] = []
    for phase in context.policy.get("phases") or []:
        if phase in CHECKS:
            found, more = CHECKS[phase](context, sections, texts)
            for index, problems in found.items():
                repairs.setdefault(index, []).extend(problems)
            warnings += more
    return repairs, warnings
