"""The figures of a report, read from its text lines: overall similarity, AI-writing indicator,
matched sources with their share, and the draft reference codes it quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass

from turnitin.reports.errors import ReportRejected

_SIMILARITY = [
    re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%\s*(?:overall\s+similarity|similarity\s+index)", re.IGNORECASE),
    re.compile(r"(?:overall\s+similarity|similarity\s+index|similarity\s+score)\s*[:\-]?\s*(\d{1,3}(?:\.\d+)?)\s*%", re.IGNORECASE),
]
_AI_WRITING = [
    re.compile(r"(\*|\d{1,3}(?:\.\d+)?)\s*%\s*detected\s+as\s+AI", re.IGNORECASE),
    re.compile(r"AI[- ]?(?:writing|generated)[^%\n]{0,60}?(\*|\d{1,3}(?:\.\d+)?)\s*%", re.IGNORECASE),
]
_SOURCE_LINE = re.compile(r"^(\d{1,3})\s+(.+?)\s+(<\s*1|\d{1,3}(?:\.\d+)?)\s*%$")
_SOURCES_HEADING = re.compile(r"^(top\s+sources|primary\s+sources|match\s+overview|sources)\b", re.IGNORECASE)
_KINDS = [
    (re.compile(r"\b(student\s+papers?|submitted\s+works?)\b", re.IGNORECASE), "student_paper"),
    (re.compile(r"\binternet(\s+sources?)?\b", re.IGNORECASE), "internet"),
    (re.compile(r"\bpublications?\b", re.IGNORECASE), "publication"),
]
REFERENCE = re.compile(r"\bHW-R(\d+)-C(\d+)\b")
_SUBMISSION_ID = re.compile(r"submission\s+id\s*:?\s*(\S+)", re.IGNORECASE)


@dataclass(frozen=True)
class Figures:
    similarity: float
    ai_writing: float | None
    ai_display: str
    sources: list[dict]
    references: list[tuple[int, int]]
    submission_id: str


def read_figures(lines: list[str]) -> Figures:
    text = "\n".join(lines)
    similarity = first_number(_SIMILARITY, text)
    if similarity is None:
        raise ReportRejected(
            "no overall similarity percentage was found; upload the Turnitin similarity report itself "
            "(PDF or HTML export), not the paper or the digital receipt"
        )
    if not 0 <= float(similarity) <= 100:
        raise ReportRejected(f"the report's overall similarity reads {similarity}%, which is not a percentage")
    ai = first_number(_AI_WRITING, text)
    submission = _SUBMISSION_ID.search(text)
    return Figures(
        similarity=float(similarity),
        ai_writing=None if ai in (None, "*") else min(100.0, float(ai)),
        ai_display="not in the report"
        if ai is None
        else ("*% (below Turnitin's reporting threshold)" if ai == "*" else f"{float(ai):g}%"),
        sources=read_sources(lines),
        references=sorted({(int(run), int(number)) for run, number in REFERENCE.findall(text)}),
        submission_id=submission.group(1)[:100] if submission else "",
    )


def first_number(patterns: list[re.Pattern], text: str) -> str | None:
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(1)
    return None


def read_sources(lines: list[str]) -> list[dict]:
    """The numbered source list (1, 2, 3 ... in order) that follows the sources heading."""
    start = next((index for index, line in enumerate(lines) if _SOURCES_HEADING.match(line.strip())), 0)
    sources: list[dict] = []
    for line in lines[start:]:
        match = _SOURCE_LINE.match(line.strip())
        if not match or int(match.group(1)) != len(sources) + 1:
            continue
        name, kind = split_kind(match.group(2))
        share = 0.5 if match.group(3).startswith("<") else float(match.group(3))
        sources.append({"number": len(sources) + 1, "name": name[:200], "kind": kind, "share": share})
    return sources


def split_kind(text: str) -> tuple[str, str]:
    for pattern, kind in _KINDS:
        if pattern.search(text):
            name = (
                " ".join(pattern.sub(" ", text).split()) if kind != "student_paper" or "submitted to" not in text.lower() else text
            )
            name = " ".join(re.sub(r"\bsubmitted\s+works?\b|\bstudent\s+papers?\b", " ", name, flags=re.IGNORECASE).split())
            return name or text.strip(), kind
    return text.strip(), "other"
