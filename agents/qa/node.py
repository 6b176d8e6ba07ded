"""The QA step (`evaluate` kind): runs every check on the current draft and reports, per section,
what must be fixed. The Critic turns those into repairs (agents.gates.qa_gate).

State written: state["qa"] = {passed, round, checks: {name: summary}, repairs: [{section, problems}],
failures: [...], warnings: [...]}; the full report is artifact "qa-report".
"""
from __future__ import annotations

from typing import Any

from agents.citing import cited_pairs
from agents.common import TOO_FEW_SOURCES, sections_of, spec_of
from agents.contracts import ArtifactOut, EventNote, NodeContext, Outcome
from agents.integrity import source_flags
from agents.qa import originality
from agents.qa.claims import audit_and_check
from agents.qa.extra import extra_checks
from agents.qa.structure import argument_issues, structure_problems
from agents.rendering import CitationError, UnknownStyle, render_document

PACK_PARTS = ("annotations", "claims-matrix")


def evidence_index(context: NodeContext) -> tuple[dict[str, dict], dict[tuple[str, int], str]]:
    """The run's citable sources (key -> CSL) and their chunks ((key, ordinal) -> text)."""
    reader = context.services["evidence"]
    sources = {item["key"]: item["csl"] for item in reader.sources() if item.get("origin") != "upload"}
    chunks = {(key, row["ordinal"]): row["text"] for key in sources for row in reader.chunks(key)}
    return sources, chunks


def evidence_finder(context: NodeContext):
    """Vector memory for the claim check: the run's passages nearest in meaning to a sentence."""
    reader = context.services["evidence"]
    return lambda sentence: reader.search(sentence, limit=3)


def qa_step(context: NodeContext, step: dict[str, Any]) -> Outcome:
    spec, quality = spec_of(context), context.policy.get("quality", {})
    sections = sections_of(context)
    texts = [context.read_artifact(f"section-{index}") if item.get("written") else "" for index, item in enumerate(sections)]
    sources, chunks = evidence_index(context)
    # A student's own paragraph (rewrite) or slide may rightly cite nothing; written prose must.
    phases = set(context.policy.get("phases") or [])
    cites_expected = bool(sources) and not ({"rewrite", "slides"} & phases)
    repairs: dict[int, list[str]] = structure_problems(sections, texts, spec.deliverable, cites_expected)
    checks: dict[str, Any] = {"claims": {"cited": 0, "supported": 0}, "originality": {}, "audit": {"orphans": []}}
    chunk_list = [{"key": key, "text": text} for (key, _), text in chunks.items()]
    for index, text in enumerate(texts):
        if not text:
            continue
        claims = audit_and_check(context.llm, text, chunks, set(sources), finder=evidence_finder(context))
        checks["claims"]["cited"] += claims.cited
        checks["claims"]["supported"] += claims.supported
        checks["audit"]["orphans"] += claims.orphans
        if claims.orphans or (claims.cited and claims.supported / claims.cited < float(quality.get("claim_support_min", 0.9))):
            repairs.setdefault(index, []).extend(claims.problems[:6])
        copied = originality.check(text, chunk_list, int(quality.get("copied_run_words", 8)))
        checks["originality"][str(index)] = {"share": copied.share, "sources": copied.sources}
        if copied.share > float(quality.get("similarity_max", 0.15)) or len(copied.passages) > 2:
            repairs.setdefault(index, []).append(
                "passages repeat a source's words without quotation: " + " | ".join(f"\"{run}\"" for run in copied.passages[:3])
            )
    failures, warnings = global_checks(context, sections, texts, sources, checks)
    # Prose should cite what was asked for (a rewrite keeps the student's own citations; a deck
    # rebuilt around other passages is not yet reliable offline, so slides keep the warning).
    if cites_expected:
        source_repair(cited_keys(context, texts), sources, texts, spec.min_sources, repairs, warnings)
    for issue in argument_issues(context.llm, (context.state.get("plan") or {}).get("title", ""), spec.topic or context.goal,
                                 spec.deliverable, sections, texts):
        if issue["severity"] == "major":
            repairs.setdefault(issue["section"], []).append(issue["problem"])
        else:
            warnings.append(f"section {issue['section'] + 1}: {issue['problem']}")
    more_repairs, more_warnings = extra_checks(context, sections, texts)
    for index, problems in more_repairs.items():
        repairs.setdefault(index, []).extend(problems)
    warnings += more_warnings
    checks["integrity"] = untrusted_instructions(context)
    warnings += [f"source {flag['source']} contains instruction-like text (treated as data, not followed): "
                 f"\"{flag['phrases'][0]}\"" for flag in checks["integrity"]]
    return qa_outcome(context, checks, repairs, failures, warnings)


def untrusted_instructions(context: NodeContext) -> list[dict[str, Any]]:
    """Sources (retrieved or uploaded) whose text reads like instructions to the agents."""
    reader = context.services["evidence"]
    return source_flags((item["key"], [item["csl"].get("abstract") or "", *(row["text"] for row in reader.chunks(item["key"]))])
                        for item in reader.sources())


def global_checks(context: NodeContext, sections: list[dict], texts: list[str], sources: dict[str, dict],
                  checks: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Style renders (a real CSL processor), enough distinct sources cited."""
    spec = spec_of(context)
    failures: list[str] = []
    warnings: list[str] = []
    draft = "\n\n".join(text for text in texts if text)
    try:
        rendered = render_document(draft, sources, spec.style)
        checks["audit"]["style"] = rendered.style
        checks["audit"]["bibliography"] = len(rendered.bibliography)
    except (CitationError, UnknownStyle) as error:
        failures.append(f"the citations do not render in {spec.style}: {error}")
    cited = cited_keys(context, texts)
    checks["audit"]["cited_sources"] = len(cited)
    wanted = min(spec.min_sources, len(sources))
    if sources and len(cited) < wanted:
        warnings.append(f"{len(cited)} distinct sources cited; {spec.min_sources} were asked for")
    return failures, warnings


def cited_keys(context: NodeContext, texts: list[str]) -> set[str]:
    """The sources the piece cites; a research pack cites most of its works in the annotations and
    the matrix, not the synthesis."""
    stored = context.state.get("artifacts") or {}
    extra = "\n\n".join(context.read_artifact(name) for name in PACK_PARTS if name in stored)
    return {key for key, _ in cited_pairs("\n\n".join([*texts, extra]))}


def source_repair(cited: set[str], sources: dict[str, dict], texts: list[str], min_sources: int,
                  repairs: dict[int, list[str]], warnings: list[str]) -> None:
    """Fewer distinct sources cited than asked for while retrieved ones sit unused: revise the
    written section citing the fewest (the Writer then draws on the unused sources first). The
    Critic's max_repairs still bounds it; what is left stays a warning in the deliverable."""
    unused = [key for key in sources if key not in cited]
    if len(cited) >= min(min_sources, len(sources)) or not unused:
        return
    written = [index for index, text in enumerate(texts) if text]
    if not written:
        return
    index = min(written, key=lambda item: (len({key for key, _ in cited_pairs(texts[item])}), -item))
    repairs.setdefault(index, []).append(
        f"{TOO_FEW_SOURCES}: {len(cited)} of the {min_sources} asked for; draw on {', '.join(unused[:5])}"
    )
    warnings[:] = [item for item in warnings if "distinct sources cited" not in item]


def qa_outcome(
    context: NodeContext, checks: dict, repairs: dict[int, list[str]], failures: list[str], warnings: list[str]
) -> Outcome:
    previous = int((context.state.get("qa") or {}).get("round", 0))
    claims = checks["claims"]
    rate = claims["supported"] / claims["cited"] if claims["cited"] else 1.0
    passed = not repairs and not failures
    summary = (
        f"QA round {previous + 1}: {'passed' if passed else 'needs work'}; {claims['supported']}/{claims['cited']} cited "
        f"claims supported ({rate:.0%}), {len(checks['audit']['orphans'])} orphan citations, "
        f"{checks['audit'].get('cited_sources', 0)} sources cited"
        + (f"; to fix: sections {', '.join(str(index + 1) for index in sorted(repairs))}" if repairs else "")
    )
    report = [f"# QA report, round {previous + 1}", "", summary, ""]
    report += [f"- section {index + 1}: {problem}" for index, problems in sorted(repairs.items()) for problem in problems]
    report += [f"- failure: {failure}" for failure in failures] + [f"- warning: {warning}" for warning in warnings]
    state = {
        "passed": passed, "round": previous + 1, "claim_support": round(rate, 3),
        "checks": {"orphans": len(checks["audit"]["orphans"]), "cited_sources": checks["audit"].get("cited_sources", 0),
                   "max_copied_share": max([item["share"] for item in checks["originality"].values()] or [0.0])},
        "repairs": [{"section": index, "problems": problems[:8]} for index, problems in sorted(repairs.items())],
        "failures": failures, "warnings": list(dict.fromkeys(warnings))[:20],
        "flagged_sources": [flag["source"] for flag in checks.get("integrity", [])],
    }
    return Outcome(
        route="reflect",
        delta={"qa": state},
        events=[EventNote("qa", summary, {"passed": passed, "claim_support": rate}),
                *(EventNote("integrity", f"QA flagged source {flag['source']}: it contains instruction-like text, "
                            "treated as data and not followed", flag) for flag in checks.get("integrity", []))],
        artifacts=[ArtifactOut("qa-report", "\n".join(report) + "\n", kind="report")],
        observation={"status": "done", "passed": passed,
                     "signature": f"qa {'passed' if passed else 'failed'}: sections {sorted(repairs)} {len(failures)} failures"},
    )
