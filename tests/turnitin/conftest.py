"""Fixtures of the Turnitin tests: checkers, runs waiting at the handoff, report builders."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from agents.contracts import ArtifactOut
from agents.text_spans import sentences
from evaluation.fakes.turnitin_reports import Report, Source, build_pdf, paper_from_sections
from journeys import engine
from journeys.models import Run, RunStatus
from journeys.persistence import store_artifacts
from journeys.policies import load_policy
from turnitin.models import CHECKER_GROUP, TurnitinCycle

GOAL = "Write an essay on urban heat islands and public health"
SECTIONS = [
    (
        "Introduction",
        "Urban heat islands raise night-time temperatures in dense districts. Work on urban heat islands shows that "
        "heat cannot be understood in isolation from health. Trees and open water cool the streets around them.",
    ),
    (
        "Evidence and debates",
        "Older adults face the greatest risk during long heatwaves. Cooling centres reduce hospital admissions when "
        "residents can reach them easily on foot. Studies disagree about how large that effect is in practice.",
    ),
    (
        "Conclusion",
        "Cities can plan for heat with shade, water and buildings that stay cool. The balance of the argument "
        "therefore depends on how exposure and vulnerability are defined. Public health agencies hold the key data.",
    ),
]


def make_checker(username: str):
    # No password: tests sign checkers in with force_login, and hashing one costs a second.
    user = get_user_model().objects.create_user(username, email=f"{username}@example.org")
    user.groups.add(Group.objects.get_or_create(name=CHECKER_GROUP)[0])
    return user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def checker(transactional_db):
    return make_checker("checker-ann")


@pytest.fixture
def other_checker(transactional_db):
    return make_checker("checker-bob")


def run_at_handoff(user, sections: list[tuple[str, str]] = SECTIONS, spec: dict | None = None) -> Run:
    """A write run whose sections are written, stepped once in-process through the real handoff
    node and persistence: it ends waiting for a checker with cycle 1 in the queue."""
    policy = load_policy("write").model_dump(mode="json")
    words = sum(len(text.split()) for _, text in sections)
    run = Run.objects.create(
        user=user, journey="write", goal=GOAL, policy=policy, route="turnitin_pause",
        spec={"deliverable": "essay", "words": words, "turnitin": True, **(spec or {})},
        limit_tokens=100_000, limit_seconds=600, limit_usd=Decimal("1"),
    )  # fmt: skip
    references = store_artifacts(
        run, None, [ArtifactOut(f"section-{index}", text, kind="section") for index, (_, text) in enumerate(sections)]
    )
    plan = {"title": "Urban heat islands and public health", "sections": [
        {"heading": heading, "words": len(text.split()), "points": [f"discuss {heading.lower()}"], "written": len(text.split())}
        for heading, text in sections
    ]}  # fmt: skip
    Run.objects.filter(pk=run.pk).update(state={"plan": plan, "artifacts": references})
    assert engine.advance(run.pk, 0) == "done"
    run.refresh_from_db()
    assert run.status == RunStatus.WAITING_HUMAN, run.status_reason
    return run


def sentence_of(text: str, index: int) -> str:
    return sentences(text)[index].text


def report_pdf(
    cycle: TurnitinCycle,
    sections: list[str],
    flagged: dict[str, int],
    similarity: float = 28,
    ai_writing: float | str | None = 12,
    **extra,
) -> bytes:
    """A Turnitin-style PDF on `sections`, with `flagged` text -> source number highlighted."""
    sources = extra.pop(
        "sources",
        [
            Source("www.heat-health.org", "Internet", 6),
            Source("Submitted to University of Leeds", "Submitted works", 4),
            Source("www.climate-blog.example", "Internet", 3),
        ],
    )
    report = Report(
        similarity=similarity, ai_writing=ai_writing, sources=sources,
        paper=paper_from_sections(sections, flagged), file_name=cycle.draft_filename, **extra,
    )  # fmt: skip
    return build_pdf(report)
