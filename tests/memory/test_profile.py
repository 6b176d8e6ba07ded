"""Profile memory: a student's writing fingerprint from their own drafts, which the Writer's
prompt follows, and their remembered citation style and level."""
from __future__ import annotations

from agents.llm import UsageMeter
from agents.memory.profile import fingerprint, guidance
from agents.prompts import render_prompt
from agents.writer import section_inputs
from journeys import services, uploads
from journeys.engine import build_context
from journeys.memory.profiles import update_profile
from journeys.models import RunStatus, UserProfile

PLAIN = (
    "I think the city gets too hot. We saw it last summer. My street had no trees. I don't like that. "
    "Old people stayed inside. They could not sleep. I asked my gran about it. She said the nights were worst. "
    "We need more parks. I'd plant trees on every road. It would help a lot. Shade is cheap. "
) * 3
FORMAL = (
    "Elevated nocturnal temperatures in densely built districts have been associated with substantial increases in "
    "mortality among elderly residents, particularly where ventilation is constrained by architectural characteristics. "
    "Interventions such as vegetated roofing and reflective surfaces have been evaluated extensively, although their "
    "effectiveness appears to vary considerably according to climatic and socioeconomic circumstances. "
) * 3


def test_two_students_drafts_give_two_different_voices():
    # given a plain first-person draft and a formal impersonal one
    plain, formal = fingerprint(PLAIN), fingerprint(FORMAL)

    # then their measures and the guidance the Writer gets differ the way a reader would say
    assert plain["sentence_words_mean"] < 8 < 25 < formal["sentence_words_mean"]
    assert plain["first_person_per_1000"] > 50 and formal["first_person_per_1000"] == 0
    assert formal["passive_share"] > 0.5 > plain["passive_share"]
    plain_guidance, formal_guidance = guidance(plain), guidance(formal)
    assert "plain, everyday vocabulary" in plain_guidance and "first person is natural" in plain_guidance
    assert "contractions are fine" in plain_guidance
    assert "rich academic vocabulary" in formal_guidance and "avoid the first person" in formal_guidance
    assert "passive constructions" in formal_guidance and "hedge claims" in formal_guidance
    assert fingerprint("Too short to say anything.") is None


def test_a_students_draft_and_choices_shape_their_next_run(make_student):
    # given a finished run where the student chose APA and uploaded their own draft
    student = make_student("writer")
    first = services.start_run(student, "write", "Write an essay on urban heat islands and public health", words=600,
                               spec={"style": "apa", "level": "undergraduate"},
                               files=[uploads.UploadedFile("my-draft.txt", PLAIN.encode())])
    first.status = RunStatus.SUCCEEDED
    first.save(update_fields=["status"])

    # when the run's memory is updated (twice: idempotent)
    update_profile(first)
    profile = update_profile(first)

    # then the profile holds the style, the level and the draft's fingerprint, counted once
    assert (profile.citation_style, profile.level) == ("apa", "undergraduate")
    assert profile.fingerprint["words"] == fingerprint(PLAIN)["words"] and len(profile.drafts) == 1
    assert UserProfile.objects.count() == 1
    # and the next run starts in APA unless the student asks otherwise
    assert services.start_run(student, "write", "Write an essay on city parks", words=500).spec["style"] == "apa"
    assert services.start_run(student, "write", "Write on parks", words=500, spec={"style": "mla"}).spec["style"] == "mla"

    # and the Writer's prompt for the next run carries the student's voice
    run = services.start_run(student, "write", "Write an essay on city parks", words=500)
    run.state = {"plan": {"title": "City parks", "sections": [{"heading": "Introduction", "words": 200, "points": ["why parks"],
                                                               "written": 0}]}}
    context = build_context(run, "act", UsageMeter(), "")
    inputs = section_inputs(context, context.state["plan"]["sections"], 0, [], {"section": 0})
    prompt = render_prompt("write_section", inputs)[1]["content"]
    assert "Write as this student writes: sentences of about" in prompt and "first person is natural" in prompt
