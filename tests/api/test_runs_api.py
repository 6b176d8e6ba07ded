"""/api/v2 runs: create, list own, detail, events, control, answers, artifacts, token auth,
throttling. Real PostgreSQL and Redis; step messages are not consumed here (no worker)."""
from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys import services
from journeys.models import Artifact, Run, Step
from tests.portal.people import GOAL, PASSWORD, queued_run, waiting_run


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_a_student_creates_a_run_and_sees_it_listed_and_in_detail(people):
    # given a student with an API token
    client = client_for(people.owner)

    # when they start a run with the brief's fields
    created = client.post(
        "/api/v2/runs",
        {"journey": "write", "goal": GOAL, "words": 600, "style": "apa", "level": "undergraduate", "region": "UK"},
        format="json",
    )

    # then it is stored with the spec and listed for them, and its detail links to its events
    assert created.status_code == 201, created.content
    body = created.json()
    run = Run.objects.get(pk=body["id"])
    assert run.user == people.owner and run.spec["words"] == 600 and run.spec["style"] == "apa"
    assert body["status"] == "queued" and body["links"]["events"] == f"/api/v2/runs/{run.pk}/events"
    listed = client.get("/api/v2/runs").json()
    assert [item["id"] for item in listed["results"]] == [run.pk]
    detail = client.get(f"/api/v2/runs/{run.pk}").json()
    assert detail["goal"] == GOAL and detail["budgets"]["limits"]["tokens"] > 0


def test_a_student_lists_only_their_own_runs(people):
    mine = queued_run(people.owner)
    queued_run(people.other)
    listed = client_for(people.owner).get("/api/v2/runs").json()
    assert [item["id"] for item in listed["results"]] == [mine.pk]


def test_events_come_in_order_after_a_given_id(people):
    run = queued_run(people.owner)
    services.pause_run(run.pk, by="owner")
    services.resume_run(run.pk, by="owner")
    client = client_for(people.owner)

    page = client.get(f"/api/v2/runs/{run.pk}/events").json()
    kinds = [event["kind"] for event in page["events"]]
    later = client.get(f"/api/v2/runs/{run.pk}/events", {"after": page["events"][0]["id"]}).json()

    assert kinds == ["created", "paused", "resumed"]
    assert [event["kind"] for event in later["events"]] == ["paused", "resumed"]
    assert later["last_id"] == page["events"][-1]["id"]


def test_pause_resume_abort_through_the_api_and_conflicts_are_409(people):
    run = queued_run(people.owner)
    client = client_for(people.owner)

    assert client.post(f"/api/v2/runs/{run.pk}/pause").json()["status"] == "paused"
    conflict = client.post(f"/api/v2/runs/{run.pk}/pause")
    assert conflict.status_code == 409 and "only queued, running or waiting runs" in conflict.json()["detail"]
    assert client.post(f"/api/v2/runs/{run.pk}/resume").json()["status"] == "queued"
    aborted = client.post(f"/api/v2/runs/{run.pk}/abort", {"reason": "changed my mind"}, format="json")
    assert aborted.json()["status"] == "aborted" and aborted.json()["status_reason"] == "changed my mind"
    assert client.post(f"/api/v2/runs/{run.pk}/resume").status_code == 409


def test_answers_resume_the_run_keyed_by_the_questions_text(people):
    # given a run waiting for its student's answers
    run = waiting_run(people.owner, ["Which country?"])
    client = client_for(people.owner)
    waiting = client.get(f"/api/v2/runs/{run.pk}").json()["waiting"]
    assert waiting == {"kind": "clarify", "questions": [{"id": "q1", "text": "Which country?", "hint": ""}]}

    # when an unknown question id is sent, then a clear 400; when answered, the run is queued again
    assert client.post(f"/api/v2/runs/{run.pk}/answer", {"answers": {"q9": "x"}}, format="json").status_code == 400
    answered = client.post(f"/api/v2/runs/{run.pk}/answer", {"answers": {"q1": "Kenya"}}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "queued"
    step = Step.objects.get(run=run, node="human")
    assert step.delta["human"]["answers"] == {"Which country?": "Kenya"}
    assert client.post(f"/api/v2/runs/{run.pk}/answer", {"answers": {"q1": "again"}}, format="json").status_code == 409


def test_a_run_waiting_for_a_turnitin_checker_cannot_be_answered_by_its_student(people):
    run = waiting_run(people.owner, questions=[], kind="turnitin")
    response = client_for(people.owner).post(f"/api/v2/runs/{run.pk}/answer", {"answers": {"q1": "done"}}, format="json")
    assert response.status_code == 409 and "no question for you" in response.json()["detail"]
    assert not Step.objects.filter(run=run, node="human").exists()


def test_artifacts_are_listed_and_downloaded_with_their_type(people):
    run = queued_run(people.owner)
    Artifact.objects.create(run=run, name="deliverable", version=1, content="# Old", size=5, sha256="0" * 64, path="/x/essay.md")
    Artifact.objects.create(
        run=run, name="deliverable", version=2, content="# New", size=5, sha256="1" * 64, path="/x/essay.md", step_seq=3
    )
    Artifact.objects.create(
        run=run, name="docx", version=1, blob=b"PK\x03\x04docx", size=8, sha256="2" * 64, kind="deliverable",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document", path="/x/essay.docx",
    )
    client = client_for(people.owner)

    listing = client.get(f"/api/v2/runs/{run.pk}/artifacts").json()
    newest = client.get(f"/api/v2/runs/{run.pk}/artifacts/deliverable")
    oldest = client.get(f"/api/v2/runs/{run.pk}/artifacts/deliverable", {"version": 1})
    docx = client.get(f"/api/v2/runs/{run.pk}/artifacts/docx")

    assert [(item["name"], item["version"]) for item in listing] == [("deliverable", 2), ("docx", 1)]
    assert newest.content == b"# New" and 'filename="essay.md"' in newest["Content-Disposition"]
    assert oldest.content == b"# Old"
    assert docx.content == b"PK\x03\x04docx" and docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert docx["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/api/v2/runs/{run.pk}/artifacts/missing").status_code == 404
    assert client.get(f"/api/v2/runs/{run.pk}/artifacts/deliverable", {"version": "x"}).status_code == 400


def test_a_token_is_issued_for_a_username_and_password(people):
    client = APIClient()
    issued = client.post("/api/v2/auth/token", {"username": "owner", "password": PASSWORD}, format="json")
    refused = client.post("/api/v2/auth/token", {"username": "owner", "password": "wrong"}, format="json")
    assert issued.status_code == 200 and issued.json()["token"] == Token.objects.get(user=people.owner).key
    assert refused.status_code == 400


def test_session_auth_works_for_the_portal_user(people, client):
    # logged in through the portal's form (django-axes needs the request the form gives it)
    client.post("/accounts/login/", {"username": "owner", "password": PASSWORD})
    assert client.get("/api/v2/runs").status_code == 200


def test_requests_over_the_per_user_rate_are_throttled(people, settings):
    # given a rate of 3 requests a minute per user
    settings.HW_API_RATES = {"user": "3/minute", "anon": "2/minute"}
    owner, other = client_for(people.owner), client_for(people.other)

    # when the owner makes a fourth request
    codes = [owner.get("/api/v2/runs").status_code for _ in range(4)]

    # then it is refused with 429 and a Retry-After, while another user is not affected
    assert codes == [200, 200, 200, 429]
    assert other.get("/api/v2/runs").status_code == 200
    # and anonymous callers are throttled by address (password guessing at the token endpoint)
    guesses = [APIClient().post("/api/v2/auth/token", {"username": "owner", "password": "guess"}).status_code for _ in range(3)]
    assert guesses == [400, 400, 429]


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_the_schema_and_docs_pages_are_served_without_a_cdn(path, client, db):
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    assert "cdn.jsdelivr" not in text and "unpkg.com" not in text
    if path == "/api/schema/":
        assert "/api/v2/runs/{run_id}/events" in text


def test_the_docs_page_assets_come_from_our_static_files(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
