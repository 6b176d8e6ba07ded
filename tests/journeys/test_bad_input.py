"""Bad input gets a clear error and never costs stored data: empty, binary and 200 MB uploads,
an unknown citation style, word targets of 0 and 1,000,000."""
from __future__ import annotations

import pytest

from journeys import services
from journeys.models import Artifact, Run, Source

GOAL = "Write an essay on urban heat islands and public health"
DRAFT = ("Urban heat islands make cities warmer than the countryside. " * 10).encode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"words": 0}, "the word target must be between 100 and 20000"),
        ({"words": 1_000_000}, "the word target must be between 100 and 20000"),
        ({"spec": {"style": "turabian"}}, "unknown citation style 'turabian'; known: apa, harvard, mla, chicago, ieee, vancouver"),
        ({"spec": {"min_sources": -1}}, "min_sources"),
    ],
)
def test_a_bad_field_is_refused_before_any_run_exists(db, student, fields, message):
    with pytest.raises(services.InvalidRequest, match=message.replace("(", r"\(")):
        services.start_run(student, "write", GOAL, **fields)
    assert Run.objects.count() == 0


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("empty.txt", b"", "empty.txt: the file is empty"),
        ("image.docx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "image.docx:"),
        ("huge.txt", b"a" * 200_000_000, "huge.txt: the file is 200.0 MB; the limit is"),
    ],
)
def test_a_bad_upload_is_refused_and_stored_data_is_kept(still_student, filename, data, message):
    # given a run with an upload already stored
    run = services.start_run(still_student, "write", GOAL, files=[services.uploads.UploadedFile("draft.txt", DRAFT)])
    before = (list(Artifact.objects.values_list("pk", "sha256")), list(Source.objects.values_list("pk", "key")), run.spec)

    # when a bad file is attached to it, or starts a new run
    with pytest.raises(services.InvalidRequest, match=message.replace("(", r"\(")):
        services.attach_upload(run.pk, filename, data)
    with pytest.raises(services.InvalidRequest, match=message.replace("(", r"\(")):
        services.start_run(still_student, "write", GOAL, files=[services.uploads.UploadedFile(filename, data)])

    # then nothing stored changed and no run was added
    run.refresh_from_db()
    after = (list(Artifact.objects.values_list("pk", "sha256")), list(Source.objects.values_list("pk", "key")), run.spec)
    assert after == before and Run.objects.count() == 1
    assert run.spec["uploads"] == ["upload-1"]
