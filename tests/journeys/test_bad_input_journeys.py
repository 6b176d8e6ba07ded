"""Bad input to journeys B-E gets a clear error and never costs stored data: a rewrite or deck
without a document, empty / binary / 200 MB uploads, unknown styles, word targets of 0 and
1,000,000, malformed assignment parts."""
from __future__ import annotations

import subprocess
import sys

import pytest

from journeys import services
from journeys.models import Artifact, Run, Source
from journeys.uploads import UploadedFile
from tests.conftest import ROOT, subprocess_env
from tests.journeys.documents import draft_text

DRAFT = UploadedFile("draft.txt", draft_text().encode())
PART = {"title": "Causes", "words": 300}


@pytest.mark.parametrize(
    ("journey", "kwargs", "message"),
    [
        ("rewrite", {}, "the rewrite journey needs an uploaded document (DOCX, PDF or TXT)"),
        ("rewrite", {"words": 0, "files": [DRAFT]}, "the word target must be between 100 and 20000, got 0"),
        ("research_pack", {"words": 1_000_000}, "the word target must be between 100 and 20000, got 1000000"),
        ("research_pack", {"spec": {"style": "oscola"}}, "unknown citation style 'oscola'"),
        ("slides", {"spec": {"slides": 1}}, "slides: Input should be greater than or equal to 3"),
        ("assignment", {"spec": {"parts": [{"title": "Causes", "words": 0}]}}, r"parts.0.words"),
        ("assignment", {"spec": {"parts": [PART] * 13}}, "parts: List should have at most 12 items"),
        ("assignment", {"spec": {"parts": [{**PART, "words": 15_000}, {**PART, "words": 15_000}]}},
         "the parts add up to 30000 words; the limit is 20000"),
        ("assignment", {"spec": {"deadline": "2026-12-01", "parts": [{**PART, "deadline": "2026-12-20"}]}},
         "are due after the assignment's deadline 2026-12-01"),
    ],
)
def test_a_bad_request_is_refused_before_any_run_exists(db, student, journey, kwargs, message):
    with pytest.raises(services.InvalidRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        services.start_run(student, journey, "Urban heat islands and public health", **kwargs)
    assert Run.objects.count() == 0 and Source.objects.count() == 0 and Artifact.objects.count() == 0


@pytest.mark.parametrize("journey", ["rewrite", "slides"])
@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("empty.docx", b"", "empty.docx: the file is empty"),
        ("photo.pdf", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64, "photo.pdf:"),
        ("huge.txt", b"a" * 200_000_000, "huge.txt: the file is 200.0 MB; the limit is"),
    ],
)
def test_a_bad_document_is_refused_and_the_stored_draft_is_kept(still_student, journey, filename, data, message):
    # given a run with a good draft stored
    run = services.start_run(still_student, journey, "Urban heat islands and public health", files=[DRAFT])
    before = (list(Artifact.objects.values_list("pk", "sha256")), list(Source.objects.values_list("pk", "key")), run.spec)

    # when a bad file starts another run, or is attached to this one
    with pytest.raises(services.InvalidRequest, match=message):
        services.start_run(still_student, journey, "Urban heat islands and public health", files=[UploadedFile(filename, data)])
    with pytest.raises(services.InvalidRequest, match=message):
        services.attach_upload(run.pk, filename, data)

    # then nothing stored changed
    run.refresh_from_db()
    after = (list(Artifact.objects.values_list("pk", "sha256")), list(Source.objects.values_list("pk", "key")), run.spec)
    assert after == before and Run.objects.count() == 1


def test_the_cli_refuses_a_malformed_part_with_one_line(db):
    result = subprocess.run(
        [sys.executable, "manage.py", "journey", "start", "--journey", "assignment", "--goal", "Urban heat",
         "--part", "Causes:many"],
        cwd=ROOT, env=subprocess_env(), capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "CommandError: --part 'Causes:many': expected TITLE:WORDS or TITLE:WORDS:YYYY-MM-DD")
    assert "Traceback" not in result.stderr
