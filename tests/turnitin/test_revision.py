"""Revising after a report: only the flagged passages change, by genuine rewording, and the
integrity rules refuse obfuscation whatever model proposes it. Nodes run on the real contract
(NodeContext) with the built-in offline model; no database is needed."""

from __future__ import annotations

import difflib

from django.conf import settings

from agents import reviser, similarity_gate
from agents.contracts import BudgetView, NodeContext
from agents.llm import LLMGateway, offline
from agents.revision_rules import obfuscation_problem, tokens
from agents.text_spans import content_phrases, sentences
from journeys.policies import load_policy
from tests.conftest import SCRIPT_NAME
from tests.turnitin.conftest import GOAL, SECTIONS

FLAGGED_SENTENCE = {0: 1, 2: 1}  # section -> index of its flagged sentence


def context(state: dict, texts: dict[tuple[str, int], str], route: str, model: str = "handywriterz/offline") -> NodeContext:
    def read(name: str, version: int | None = None) -> str:
        return texts[(name, version or state["artifacts"][name])]

    return NodeContext(
        run_id=7, seq=20, attempt=1, route=route, journey="write", goal=GOAL,
        spec={"deliverable": "essay", "words": 150, "turnitin": True}, state=state,
        policy=load_policy("write").model_dump(mode="json"),
        budget=BudgetView({"tokens": 10_000, "seconds": 60, "usd": 1}, {"tokens": 0, "seconds": 0, "usd": 0}),
        llm=LLMGateway([model], provider_options={"redis_url": settings.REDIS_URL}), read_artifact=read,
    )  # fmt: skip


def reported_state() -> tuple[dict, dict]:
    texts = {(f"section-{index}", 1): text for index, (_, text) in enumerate(SECTIONS)}
    flagged = []
    for number, (section, sentence) in enumerate(FLAGGED_SENTENCE.items(), start=1):
        span = sentences(SECTIONS[section][1])[sentence]
        flagged.append(
            {"id": f"p{number}", "section": section, "start": span.start, "end": span.end, "score": 100.0, "source": number}
        )
    draft = {f"section-{index}": 1 for index in range(len(SECTIONS))}
    report = {
        "similarity": 28.0, "ai_writing": 10.0, "draft": draft, "flagged": flagged, "unlocated": 0,
        "sources": [{"number": 1, "name": "www.climate-blog.example", "kind": "internet", "share": 6, "key": None},
                    {"number": 2, "name": "Journal of Heat", "kind": "publication", "share": 3, "key": None}],
    }  # fmt: skip
    plan = {
        "title": "Urban heat",
        "sections": [{"heading": h, "words": 30, "points": [f"discuss {h.lower()}"], "written": 30} for h, _ in SECTIONS],
    }
    state = {"plan": plan, "artifacts": dict(draft), "turnitin": {"cycles": 1, "reports": {"1": report}}}
    return state, texts


def test_the_critic_routes_a_report_over_target_to_revision_and_one_under_target_to_finalize():
    state, texts = reported_state()
    over = similarity_gate.decide(context(state, texts, "reflect"), [])
    state["turnitin"]["reports"]["1"]["similarity"] = 9.0
    under = similarity_gate.decide(context(state, texts, "reflect"), [])

    assert over.route == "plan_revision" and "is over the target of 15%: 2 flagged passage(s) to revise" in over.events[0].message
    assert under.route == "finalize" and under.records[0].data == {"number": 1, "outcome": "passed"}
    assert "shown for information only" in under.events[0].message


def test_only_the_flagged_passages_change_and_each_change_is_explained():
    # given a report flagging one sentence in sections 0 and 2
    state, texts = reported_state()

    # when the revision is planned and carried out section by section
    planned = reviser.plan_revisions(context(state, texts, "plan_revision"))
    state["revision"] = planned.delta["revision"]
    outcomes = []
    while True:
        outcome = reviser.revise_section(context(state, texts, "revise"))
        outcomes.append(outcome)
        for artifact in outcome.artifacts:
            version = state["artifacts"][artifact.name] + 1
            texts[(artifact.name, version)] = artifact.content
            state["artifacts"][artifact.name] = version
        state["revision"]["passages"] = outcome.delta["revision"]["passages"]
        if outcome.route == "reflect":
            break

    # then sections 0 and 2 differ only inside the flagged sentence, section 1 is untouched
    assert [item["strategy"] for item in state["revision"]["passages"]] == ["rewrite", "rewrite"]
    assert state["artifacts"] == {"section-0": 2, "section-1": 1, "section-2": 2}
    for section, sentence in FLAGGED_SENTENCE.items():
        old, new = SECTIONS[section][1], texts[(f"section-{section}", 2)]
        span = sentences(old)[sentence]
        assert new.startswith(old[: span.start]) and new.endswith(old[span.end :])
        assert obfuscation_problem(span.text, new[span.start : len(new) - (len(old) - span.end)], "rewrite") is None
    events = [event for outcome in outcomes for event in outcome.events]
    assert [event.kind for event in events] == ["revision", "revision"]
    assert all("rewritten in the writer's own synthesis" in event.message and event.data["before"] for event in events)


def test_a_revision_that_writes_out_a_doi_nothing_retrieved_loses_the_doi_and_says_so(script):
    # given a model fooled into adding a fake DOI to an otherwise honest rewrite of the first passage
    state, texts = reported_state()
    state["revision"] = reviser.plan_revisions(context(state, texts, "plan_revision")).delta["revision"]
    first = state["revision"]["passages"][0]
    checked = texts[("section-0", 1)]
    original = checked[first["start"] : first["end"]]
    honest = offline.answer("revise_passage", reviser.passage_inputs(context(state, texts, "revise"), checked, first, original))
    script.push("revise_passage", text=f"{honest} See doi:10.9999/fake for the decisive evidence.")

    # when the section is revised
    outcome = reviser.revise_section(context(state, texts, "revise", model=f"scripted/{SCRIPT_NAME}"))

    # then the revision is kept without the DOI, and its event names the DOI removed
    revised = outcome.artifacts[0].content
    assert "10.9999" not in revised and honest.split()[0] in revised
    event = outcome.events[0]
    assert event.kind == "revision" and event.data["removed_dois"] == ["10.9999/fake"]
    assert "removed 1 DOI(s) that are not retrieved sources: 10.9999/fake" in event.message


def test_the_offline_rewrite_is_a_restatement_not_a_perturbation():
    passage = sentences(SECTIONS[0][1])[1].text
    material = [{"heading": "Evidence and debates", "points": ["weigh the main findings"]}]

    rewritten = offline.answer("revise_passage", {"strategy": "rewrite", "passage": passage, "heading": "Introduction",
                                                  "material": material, "citation": None, "evidence": None})  # fmt: skip

    kept = difflib.SequenceMatcher(None, tokens(passage), tokens(rewritten)).ratio()
    assert kept < 0.4, rewritten
    assert rewritten.isascii()
    # the claim's content is carried over
    assert set(content_phrases(passage)[:2]) <= set(content_phrases(rewritten, limit=20)), rewritten


def test_obfuscation_is_refused_whatever_produced_it():
    original = "Work on urban heat islands shows that heat cannot be understood in isolation from health."
    homoglyphs = original.replace("a", "\u0430")  # Cyrillic a inside Latin words
    invisible = original.replace(" ", " \u200b")
    spun = "Research on urban heat islands demonstrates that heat can't be grasped in separation from wellbeing."
    quote_altered = 'As Smith put it, "Work on city heat islands shows heat matters" (Smith, 2021).'

    assert "look-alike letters" in obfuscation_problem(original, homoglyphs, "rewrite")
    assert "invisible characters" in obfuscation_problem(original, invisible, "rewrite")
    assert "word substitution" in obfuscation_problem(original, spun, "rewrite")
    assert "verbatim" in obfuscation_problem(original, quote_altered, "quote_and_cite")
    assert obfuscation_problem(original, f'As Smith put it, "{original[:-1]}" (Smith, 2021).', "quote_and_cite") is None
