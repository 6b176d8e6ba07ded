"""Uploads (docs/security.md): drafts and readings (portal, API, services) and Turnitin reports
are judged by their bytes; disguised executables and pages, zip bombs, XML entity attacks are
refused with a clear message (a form error or a 4xx), PDF active content is neutralised and
told (drafts) or refused (Turnitin reports), and nothing already stored is lost."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from agents.documents import UnsafeDocument, extract_text
from journeys import services
from journeys.models import Artifact, Event, Run, Source
from journeys.uploads import UploadedFile
from tests.fakes import hostile_files as hostile
from tests.turnitin.conftest import make_checker, run_at_handoff
from turnitin.models import CycleStatus, TurnitinCycle
from turnitin.reports import ReportRejected, parse_highlighted_docx, parse_report

GOAL = "Write an essay on urban heat islands and public health in UK cities"
DRAFT = ("Urban heat islands raise night-time temperatures in dense districts. " * 12).encode()


def total_size_bomb_docx() -> bytes:
    """201 parts of 1 MiB of zeros: each under the ratio rule's 1 MiB floor, 201 MiB in total."""
    buffer = io.BytesIO(hostile.real_docx())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        zeros = bytes(1_048_576)
        for number in range(201):
            archive.writestr(f"word/media/zeros{number}.bin", zeros)
    return buffer.getvalue()


HOSTILE_DRAFTS = {
    "exe named .docx": ("essay.docx", hostile.EXE, "a Windows program"),
    "elf named .pdf": ("essay.pdf", hostile.ELF, "an executable program"),
    "html named .docx": ("essay.docx", hostile.HTML, "an HTML page"),
    "html named .txt": ("essay.txt", hostile.HTML, "an HTML page"),
    "text named .docx": ("essay.docx", DRAFT, "named as a DOCX document but its content is plain text"),
    "ratio zip bomb": ("essay.docx", hostile.ratio_bomb_docx(), "compressed 1028x (a zip bomb?)"),
    "total-size zip bomb": ("essay.docx", total_size_bomb_docx(), "would expand to 202 MB (a zip bomb?)"),
    "too many members": ("essay.docx", hostile.many_members_docx(), "parts (limit 1000)"),
    "billion laughs": ("essay.docx", hostile.docx_with_part("word/document.xml", hostile.BILLION_LAUGHS), "forbidden XML"),
    "external entity": ("essay.docx", hostile.docx_with_part("word/document.xml", hostile.XXE), "forbidden XML"),
}


@pytest.mark.parametrize(("filename", "data", "message"), HOSTILE_DRAFTS.values(), ids=HOSTILE_DRAFTS.keys())
def test_a_hostile_draft_is_refused_with_its_reason_and_stored_data_is_kept(still_student, filename, data, message):
    # given a run with an upload already stored
    run = services.start_run(still_student, "write", GOAL, files=[UploadedFile("draft.txt", DRAFT)])
    before = (list(Artifact.objects.values_list("pk", "sha256")), list(Source.objects.values_list("pk", "key")), run.spec)

    # when the hostile file is attached to it, or starts a new run
    with pytest.raises(services.InvalidRequest, match=f"^{re.escape(filename)}: .*{re.escape(message)}"):
        services.attach_upload(run.pk, filename, data)
    with pytest.raises(services.InvalidRequest, match=re.escape(message)):
        services.start_run(still_student, "write", GOAL, files=[UploadedFile(filename, data)])

    # then nothing stored changed and no run was added
    run.refresh_from_db()
    after = (list(Artifact.objects.values_list("pk", "sha256")), list(Source.objects.values_list("pk", "key")), run.spec)
    assert after == before and Run.objects.count() == 1


def test_the_api_answers_a_disguised_upload_with_a_400_and_its_reason(people):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=people.owner)[0].key}")
    for name, data, message in (("essay.docx", hostile.EXE, "a Windows program"), ("essay.docx", hostile.HTML, "HTML page")):
        upload = io.BytesIO(data)
        upload.name = name
        response = client.post("/api/v2/runs", {"journey": "write", "goal": GOAL, "upload": upload}, format="multipart")
        assert response.status_code == 400, response.content
        assert message in response.content.decode()
    assert Run.objects.filter(user=people.owner).count() == 0


@pytest.mark.parametrize("kind", ["javascript", "open_action", "launch", "embedded_file"])
def test_pdf_active_content_in_a_draft_is_neutralised_and_told(still_student, kind):
    # when a PDF carrying active content is uploaded
    data = hostile.pdf_with(kind)
    run = services.start_run(still_student, "write", GOAL, files=[UploadedFile("paper.pdf", data)])

    # then its text is stored, nothing else, and the student and operators are told in an event
    assert Artifact.objects.get(run=run, name="upload-1").content == "\n".join(hostile.PAPER_LINES)
    warning = Event.objects.get(run=run, kind="upload_warning").message
    assert warning.startswith("paper.pdf: the PDF contains ") and "nothing was run or unpacked" in warning
    expected = {"javascript": "JavaScript", "open_action": "JavaScript", "launch": "launch actions",
                "embedded_file": "embedded files"}[kind]
    assert expected in warning


def test_a_plain_pdf_upload_gets_no_warning(still_student):
    run = services.start_run(still_student, "write", GOAL, files=[UploadedFile("paper.pdf", hostile.text_pdf())])
    assert not Event.objects.filter(run=run, kind="upload_warning").exists()


@pytest.mark.parametrize("kind", ["javascript", "launch", "embedded_file"])
def test_a_turnitin_report_with_active_content_is_refused(kind):
    with pytest.raises(ReportRejected, match="which a Turnitin report never does"):
        parse_report(hostile.pdf_with(kind), max_bytes=15_000_000, max_pages=60)


HOSTILE_HIGHLIGHTS = {
    "billion laughs in styles": (hostile.docx_with_part("word/styles.xml", hostile.BILLION_LAUGHS), "forbidden XML"),
    "external entity in document": (hostile.docx_with_part("word/document.xml", hostile.XXE), "forbidden XML"),
    "entity in the relationships": (hostile.docx_with_part("word/_rels/document.xml.rels", hostile.XXE), "forbidden XML"),
    "ratio zip bomb": (hostile.ratio_bomb_docx(), "a zip bomb"),
    "too many members": (hostile.many_members_docx(), "limit 1000"),
}


@pytest.mark.parametrize(("data", "message"), HOSTILE_HIGHLIGHTS.values(), ids=HOSTILE_HIGHLIGHTS.keys())
def test_a_hostile_highlighted_docx_is_refused_before_python_docx_parses_it(data, message):
    with pytest.raises(ReportRejected, match=f"the highlighted DOCX was refused: .*{message}"):
        parse_highlighted_docx(data, max_bytes=15_000_000)


def test_an_ordinary_highlighted_docx_still_passes_the_checks():
    assert parse_highlighted_docx(hostile.real_docx(), max_bytes=15_000_000) == []


def test_the_workbench_refuses_hostile_report_files_with_a_message_and_keeps_the_job(client, student):
    # given a claimed job
    checker = make_checker("checker-si")
    run = run_at_handoff(student)
    client.force_login(checker)
    client.post("/turnitin/claim/")
    cycle = TurnitinCycle.objects.get(run=run)

    # when a report with JavaScript, or a highlighted DOCX with an entity attack, arrives
    def post(report: bytes, highlighted: bytes | None, submission_id: str):
        files = {"report": named(report, "report.pdf"), "submission_id": submission_id}
        if highlighted is not None:
            files["highlighted_docx"] = named(highlighted, "highlighted.docx")
        return client.post(f"/turnitin/jobs/{cycle.pk}/report/", files)

    scripted = post(hostile.pdf_with("javascript"), None, "a")
    exe = post(hostile.EXE, None, "b")

    # then each is a 400 with its reason, and the job is exactly as it was
    assert scripted.status_code == 400 and "which a Turnitin report never does" in scripted.content.decode()
    assert exe.status_code == 400 and "not a PDF or HTML export" in exe.content.decode()
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.AWAITING_REPORT and cycle.report is None
    assert not Artifact.objects.filter(run=run, name__startswith="turnitin-report").exists()


def test_xml_attacks_never_reach_a_parser_that_would_expand_them():
    # the draft path reads word/document.xml with defusedxml only
    for xml in (hostile.BILLION_LAUGHS, hostile.XXE):
        with pytest.raises(UnsafeDocument, match="forbidden XML"):
            extract_text(hostile.docx_with_part("word/document.xml", xml), "essay.docx")


def named(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream
