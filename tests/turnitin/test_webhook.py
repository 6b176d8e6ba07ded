"""The external workbench's webhook: HMAC-SHA256 over timestamp + body; wrong, stale and
replayed signatures refused; idempotent on the submission id."""

from __future__ import annotations

import base64
import json
import time

import pytest

from journeys.models import Step
from tests.turnitin.conftest import SECTIONS, report_pdf, run_at_handoff, sentence_of
from turnitin import webhook
from turnitin.models import CycleStatus, TurnitinCycle, WebhookReceipt

SECRET = "test-webhook-secret"


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.HW_TURNITIN_WEBHOOK_SECRET = SECRET


def payload(for_cycle, submission_id: str = "ext-1", **overrides) -> bytes:
    texts = [text for _, text in SECTIONS]
    pdf = report_pdf(for_cycle, texts, {sentence_of(texts[2], 1): 3}, similarity=overrides.pop("similarity", 22))
    body = {"submission_id": submission_id, "report": {"filename": "report.pdf", "content_base64": base64.b64encode(pdf).decode()}}
    return json.dumps({**body, **overrides}).encode()


def post(client, run, body: bytes, *, secret: str = SECRET, timestamp: int | None = None, signature: str | None = None):
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    headers = {"HTTP_X_HW_TIMESTAMP": stamp, "HTTP_X_HW_SIGNATURE": signature or webhook.sign(secret, stamp, body)}
    return client.post(f"/api/v2/turnitin/{run.pk}/report", body, content_type="application/json", **headers)


def test_a_signed_report_resumes_the_run_and_a_retry_with_the_same_submission_id_is_harmless(client, student):
    run = run_at_handoff(student)
    cycle = TurnitinCycle.objects.get(run=run)
    body = payload(cycle)

    created = post(client, run, body)
    retried = post(client, run, body, timestamp=int(time.time()) + 1)  # re-signed delivery of the same submission

    assert created.status_code == 201 and created.json()["resumed"] is True
    assert retried.status_code == 200 and retried.json()["created"] is False
    cycle.refresh_from_db()
    assert cycle.observed_similarity == 22 and cycle.status == CycleStatus.ITERATING and cycle.reported_by is None
    assert Step.objects.filter(run=run, node="human").count() == 1
    assert cycle.parsed["flagged"][0]["section"] == 2


def test_wrong_stale_and_replayed_signatures_are_refused(client, student):
    run = run_at_handoff(student)
    cycle = TurnitinCycle.objects.get(run=run)
    body = payload(cycle)
    stamp = int(time.time())

    wrong = post(client, run, body, secret="not-the-secret")
    tampered = post(
        client, run, body.replace(b'"ext-1"', b'"ext-2"'), signature=webhook.sign(SECRET, str(stamp), body), timestamp=stamp
    )
    stale = post(client, run, body, timestamp=stamp - 3600)
    unsigned = client.post(f"/api/v2/turnitin/{run.pk}/report", body, content_type="application/json")
    accepted = post(client, run, body, timestamp=stamp)
    replayed = post(client, run, body, timestamp=stamp)

    assert (wrong.status_code, wrong.json()["detail"]) == (401, "bad signature")
    assert (tampered.status_code, tampered.json()["detail"]) == (401, "bad signature")
    assert stale.status_code == 401 and "replay protection" in stale.json()["detail"]
    assert unsigned.status_code == 401 and "missing" in unsigned.json()["detail"]
    assert accepted.status_code == 201
    assert replayed.status_code == 409 and "replayed request" in replayed.json()["detail"]
    assert WebhookReceipt.objects.count() == 1


def test_refused_bodies_get_clear_messages_and_leave_the_cycle_as_it_was(client, student, settings):
    run = run_at_handoff(student)
    cycle = TurnitinCycle.objects.get(run=run)
    not_base64 = json.dumps({"submission_id": "x", "report": {"content_base64": "%%%"}}).encode()
    not_pdf = json.dumps({"submission_id": "y", "report": {"content_base64": base64.b64encode(b"GIF89a....").decode()}}).encode()

    bad_base64 = post(client, run, not_base64)
    bad_file = post(client, run, not_pdf)
    no_such_cycle = post(client, run, payload(cycle, submission_id="z", cycle=9))
    settings.HW_TURNITIN_WEBHOOK_SECRET = ""
    switched_off = post(client, run, payload(cycle, submission_id="w"))

    assert bad_base64.status_code == 400 and "not valid base64" in json.dumps(bad_base64.json())
    assert bad_file.status_code == 400 and "a GIF image" in bad_file.json()["detail"]
    assert no_such_cycle.status_code == 404 and "no Turnitin check 9" in no_such_cycle.json()["detail"]
    assert switched_off.status_code == 503
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.PENDING_UPLOAD and cycle.report is None
    assert WebhookReceipt.objects.count() == 0
