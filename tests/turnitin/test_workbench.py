"""The checker workbench: claiming (races, caps, SLA release), downloading the exact draft, and
uploads refused with a clear message while nothing already stored is lost."""

from __future__ import annotations

import io
import threading

from django.db import connections
from django.utils import timezone
from docx import Document

from evaluation.fakes.turnitin_reports import Report, build_pdf
from journeys.models import Artifact, Event, RunStatus, Step
from tests.conftest import wait_for
from tests.turnitin.conftest import SECTIONS, make_checker, report_pdf, run_at_handoff, sentence_of
from turnitin import services
from turnitin.models import CycleStatus, Notification, TurnitinCycle


def upload(client, cycle, data: bytes, name: str = "report.pdf", submission_id: str = "sub-1"):
    report = io.BytesIO(data)
    report.name = name
    return client.post(f"/turnitin/jobs/{cycle.pk}/report/", {"report": report, "submission_id": submission_id})


def flagged_report(cycle, **extra) -> bytes:
    texts = [text for _, text in SECTIONS]
    return report_pdf(cycle, texts, {sentence_of(texts[0], 1): 1, sentence_of(texts[1], 1): 2}, **extra)


def test_two_checkers_racing_for_one_job_exactly_one_gets_it(student, checker, other_checker):
    for _ in range(5):
        # given one job in the queue (and no earlier round's claims)
        TurnitinCycle.objects.update(status=CycleStatus.CANCELLED)
        run = run_at_handoff(student)
        barrier, results = threading.Barrier(2), {}

        def race(user, barrier=barrier, results=results):
            barrier.wait()
            try:
                results[user.username] = services.claim_next_cycle(user)
            finally:
                connections.close_all()  # this thread's connection; it would outlive the thread

        # when two checkers claim at the same instant
        threads = [threading.Thread(target=race, args=(user,)) for user in (checker, other_checker)]
        [thread.start() for thread in threads]
        [thread.join(10) for thread in threads]

        # then exactly one holds it
        winners = [cycle for cycle in results.values() if cycle is not None]
        assert len(results) == 2 and len(winners) == 1
        cycle = TurnitinCycle.objects.get(run=run)
        assert cycle.status == CycleStatus.AWAITING_REPORT and cycle.checker.username in results
        assert Event.objects.filter(run=run, kind="turnitin", message__contains="claimed").count() == 1


def test_a_checker_holds_at_most_the_allowed_number_of_jobs(student, checker, settings):
    settings.HW_TURNITIN_MAX_ACTIVE_CLAIMS = 2
    for _ in range(3):
        run_at_handoff(student)
    assert services.claim_next_cycle(checker) and services.claim_next_cycle(checker)
    try:
        services.claim_next_cycle(checker)
    except services.CycleError as error:
        assert "already hold 2 job(s)" in str(error)
    else:
        raise AssertionError("a third claim was allowed")
    assert TurnitinCycle.objects.filter(status=CycleStatus.PENDING_UPLOAD).count() == 1


def test_an_unanswered_claim_is_released_by_the_sla_sweep(worker, student, checker):
    # given a claim whose answer time has run out
    run = run_at_handoff(student)
    cycle = services.claim_next_cycle(checker)
    TurnitinCycle.objects.filter(pk=cycle.pk).update(claim_expires_at=timezone.now() - timezone.timedelta(seconds=1))

    # when the beat-driven sweep runs on the worker
    def released():
        cycle.refresh_from_db()
        return cycle.status == CycleStatus.PENDING_UPLOAD

    wait_for(released, 30, 0.2, "the lapsed claim to be released")

    # then the job is back in the queue, the event is recorded and the checker told
    assert cycle.checker is None and cycle.releases == 1 and cycle.claim_expires_at is None
    event = Event.objects.get(run=run, kind="turnitin", message__contains="released")
    assert "checker-ann" in event.message and "answer time" in event.message
    assert Notification.objects.filter(cycle=cycle, kind="claim_released", recipient=checker.email).exists()
    assert services.claim_next_cycle(checker) == cycle


def test_the_checker_downloads_exactly_the_draft_version_that_was_sent(client, student, checker):
    run = run_at_handoff(student)
    client.force_login(checker)

    claimed = client.post("/turnitin/claim/")
    cycle = TurnitinCycle.objects.get(run=run)
    page = client.get(claimed.url)
    response = client.get(f"/turnitin/jobs/{cycle.pk}/draft.docx")

    assert claimed.status_code == 302 and page.status_code == 200 and cycle.reference in page.content.decode()
    assert response["Content-Disposition"] == f'attachment; filename="HW-R{run.pk}-C1-draft.docx"'
    paragraphs = [paragraph.text for paragraph in Document(io.BytesIO(response.content)).paragraphs]
    assert paragraphs[1] == f"Reference: HW-R{run.pk}-C1"
    for heading, text in SECTIONS:
        assert heading in paragraphs and text in paragraphs
    assert cycle.draft == {"section-0": 1, "section-1": 1, "section-2": 1}
    assert not Step.objects.filter(run=run, node="human").exists()


def test_people_outside_the_checker_role_are_turned_away(client, student, checker):
    run_at_handoff(student)
    client.force_login(student)
    assert client.get("/turnitin/").status_code == 403
    assert client.post("/turnitin/claim/").status_code == 403
    client.logout()
    assert client.get("/turnitin/").status_code == 302  # to the sign-in page


def test_bad_uploads_are_refused_with_a_message_and_lose_nothing(client, student, checker):
    # given a claimed job
    run = run_at_handoff(student)
    client.force_login(checker)
    client.post("/turnitin/claim/")
    cycle = TurnitinCycle.objects.get(run=run)
    other_run = run_at_handoff(student)
    encrypted = build_pdf(Report(similarity=20, paper=[[("Text.", None)]]), user_password="pw")
    junk = build_pdf(Report(similarity="?", paper=[[("Junk.", None)]], filler_pages=100))
    wrong_version = report_pdf(TurnitinCycle.objects.get(run=other_run), [text for _, text in SECTIONS], {})
    other_essay = report_pdf(cycle, ["A different essay on coral reefs. " * 3], {"A different essay on coral reefs.": 1})

    # when bad files arrive
    refused = {
        "png renamed .pdf": upload(client, cycle, b"\x89PNG\r\n\x1a\n" + b"\0" * 99, submission_id="a"),
        "encrypted": upload(client, cycle, encrypted, submission_id="b"),
        "100 pages of junk": upload(client, cycle, junk, submission_id="c"),
        "another draft's reference": upload(client, cycle, wrong_version, submission_id="d"),
        "another draft's text": upload(client, cycle, other_essay, submission_id="e"),
    }

    # then each is refused with its reason and the job is exactly as it was
    messages = {name: response.content.decode() for name, response in refused.items()}
    assert {name: response.status_code for name, response in refused.items()} == {
        "png renamed .pdf": 400, "encrypted": 400, "100 pages of junk": 400,
        "another draft's reference": 409, "another draft's text": 409,
    }  # fmt: skip
    assert "a PNG image, not a PDF" in messages["png renamed .pdf"]
    assert "password-protected" in messages["encrypted"]
    assert "103 pages" in messages["100 pages of junk"]
    assert f"HW-R{other_run.pk}-C1, but this job is {cycle.reference}" in messages["another draft's reference"]
    assert "seems to be for another draft version" in messages["another draft's text"]
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.AWAITING_REPORT and cycle.report is None and cycle.submission_id is None
    assert not Artifact.objects.filter(run=run, name__startswith="turnitin-report").exists()
    run.refresh_from_db()
    assert run.status == RunStatus.WAITING_HUMAN


def test_a_report_uploaded_twice_is_stored_once_and_a_second_one_is_refused(client, student, checker, mailoutbox):
    student.email = "student@example.org"
    student.save(update_fields=["email"])
    run = run_at_handoff(student)
    client.force_login(checker)
    client.post("/turnitin/claim/")
    cycle = TurnitinCycle.objects.get(run=run)
    report = flagged_report(cycle)

    first = upload(client, cycle, report, submission_id="same")
    again = upload(client, cycle, report, submission_id="same")  # a double click
    second = upload(client, cycle, flagged_report(cycle, similarity=3), submission_id="another")

    assert first.status_code == 302 and again.status_code == 302
    assert second.status_code == 409 and "already has a report" in second.content.decode()
    cycle.refresh_from_db()
    assert cycle.observed_similarity == 28 and cycle.ai_writing_score == 12 and cycle.submission_id == "same"
    assert Artifact.objects.filter(run=run, name="turnitin-report-1").count() == 1
    assert bytes(cycle.report.blob) == report
    assert [item["section"] for item in cycle.parsed["flagged"]] == [0, 1]
    human = Step.objects.get(run=run, node="human")
    assert human.route == "reflect" and human.delta["turnitin"]["reports"]["1"]["similarity"] == 28
    assert [message.to for message in mailoutbox if "28% similarity" in message.subject] == [["student@example.org"]]


def test_the_status_endpoint_shows_the_cycle_to_its_owner_only(client, student, checker):
    run = run_at_handoff(student)
    stranger = make_checker("not-a-checker")
    stranger.groups.clear()

    client.force_login(student)
    mine = client.get(f"/api/v2/turnitin/{run.pk}/status")
    client.force_login(stranger)
    theirs = client.get(f"/api/v2/turnitin/{run.pk}/status")

    # to anyone else the run does not exist (404, as on every run route: ids do not leak)
    assert mine.status_code == 200 and theirs.status_code == 404
    body = mine.json()
    assert body["waiting_for_checker"] is True and body["target_similarity"] == 15
    assert body["cycles"][0]["status"] == "pending_upload" and body["cycles"][0]["reference"] == f"HW-R{run.pk}-C1"
