"""Bad input through the portal's forms and the API: oversized, wrong type, script tags. Each
gets an inline error or a 4xx with a reason; nothing answers 500 and nothing stored can run as
script when shown back."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys.models import Artifact, Event, Run, Source
from tests.portal.people import queued_run

SCRIPT = "<script>alert('owned')</script>"
VALID = {"journey": "write", "goal": "An essay on heat islands", "words": "800"}


def form_post(client, data: dict, files: dict | None = None):
    return client.post("/runs/new/", {**data, **(files or {})})


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"goal": ""}, "goal", "This field is required."),
        ({"goal": "x" * (settings.HW_GOAL_MAX_CHARS + 1)}, "goal", "Ensure this value has at most"),
        ({"words": "many"}, "words", "Enter a whole number."),
        ({"words": "10"}, "words", "greater than or equal to 100"),
        ({"words": "99999999999999999999"}, "words", "less than or equal to"),
        ({"journey": "hack"}, "journey", "Select a valid choice."),
        ({"style": "comic-sans"}, "style", "Select a valid choice."),
        ({"recency": "-3"}, "recency", "greater than or equal to 1"),
        ({"deadline": "2001-01-01"}, "deadline", "The deadline is in the past."),
        ({"deadline": "not a date"}, "deadline", "Enter a valid date."),
        ({"region": "r" * 200}, "region", "Ensure this value has at most"),
        ({"min_sources": "1000"}, "min_sources", "less than or equal to 100"),
    ],
)
def test_the_new_run_form_shows_each_error_next_to_its_field(change, field, message, people, client):
    client.force_login(people.owner)
    response = form_post(client, {**VALID, **change})
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert f'id="id_{field}_error"' in page and 'aria-invalid="true"' in page
    assert Run.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.exe", b"MZ\x90\x00", "is not a supported file"),
        ("empty.txt", b"", "The submitted file is empty."),
        ("huge.txt", b"a" * 4097, "the limit is"),
        ("paper.pdf", b"MZ\x90\x00 not a pdf at all " * 20, "paper.pdf:"),
        ("notes.txt", b"\x00\x01\x02" * 100, "notes.txt:"),
    ],
)
def test_uploads_of_the_wrong_type_or_size_are_refused_inline(name, content, message, people, client, settings):
    settings.HW_UPLOAD_MAX_BYTES = 4096
    client.force_login(people.owner)
    response = form_post(client, VALID, {"upload": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Run.objects.count() == 0


def test_a_readable_upload_is_stored_with_the_run(people, client):
    client.force_login(people.owner)
    reading = b"Urban heat islands raise night-time temperatures in dense districts. " * 10
    response = form_post(client, VALID, {"upload": SimpleUploadedFile("reading.txt", reading)})
    run = Run.objects.get()
    assert response.status_code == 302
    assert run.spec["uploads"] == ["upload-1"]
    assert Source.objects.get(run=run, key="upload-1").chunks.exists()


def test_script_tags_in_a_goal_are_stored_as_text_and_shown_escaped(people, client):
    # given a goal with a script tag, accepted as text
    client.force_login(people.owner)
    response = form_post(client, {**VALID, "goal": f"Heat islands {SCRIPT}"})
    run = Run.objects.get()
    assert response.status_code == 302 and run.goal == f"Heat islands {SCRIPT}"

    # when the run page, the list and the admin show it back
    pages = [client.get(f"/runs/{run.pk}/"), client.get("/runs/"), client.get(f"/runs/{run.pk}/panels/")]
    client.force_login(people.operator)
    pages.append(client.get(f"/admin/journeys/run/{run.pk}/change/"))

    # then it is escaped everywhere
    for page in pages:
        text = page.content.decode()
        assert page.status_code == 200
        assert SCRIPT not in text
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in pages[0].content.decode()


def test_script_in_agent_output_and_source_records_is_escaped_on_the_run_page(people, client):
    # given a run whose draft, events and a source carry markup (as a hostile page might)
    run = queued_run(people.owner)
    Artifact.objects.create(
        run=run, name="deliverable", version=1, size=10, sha256="0" * 64, path="/x/essay.md",
        content=f"# Title {SCRIPT}\n\nA claim [@smith2020:0] and {SCRIPT} <img src=x onerror=alert(1)>",
    )
    Event.objects.create(run=run, seq=0, kind="verdict", message=SCRIPT, data={"reasons": [SCRIPT]})
    source = Source.objects.create(
        run=run, user=people.owner, key="smith2020", csl={}, title=f"Title {SCRIPT}", provider="openalex",
        url="javascript:alert(1)",
    )
    source.chunks.create(run=run, user=people.owner, ordinal=0, text=f"Passage {SCRIPT}")
    client.force_login(people.owner)

    # when the run page is shown
    text = client.get(f"/runs/{run.pk}/").content.decode()

    # then no markup from them is live, the citation still links to its passage, no javascript: link
    assert SCRIPT not in text and "<img src=x" not in text
    assert 'class="cite"' in text and "Passage &lt;script&gt;" in text
    assert "javascript:alert" not in text


def api(people) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=people.owner)[0].key}")
    return client


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"journey": "write"}, "goal"),
        ({"journey": "write", "goal": "x" * (settings.HW_GOAL_MAX_CHARS + 1)}, "goal"),
        ({"journey": "write", "goal": "ok", "words": "lots"}, "words"),
        ({"journey": "write", "goal": "ok", "words": 10**30}, "words"),
        ({"journey": "write", "goal": "ok", "words": 3.5}, "words"),
        ({"journey": ["write"], "goal": "ok"}, "journey"),
        ({"journey": "write", "goal": {"nested": True}}, "goal"),
        ({"journey": "write", "goal": "ok\x00"}, "goal"),
        ({"journey": "write", "goal": "ok", "deadline": "yesterday"}, "deadline"),
        ({"journey": "write", "goal": "ok", "recency": 0}, "recency"),
        ({"journey": "nope", "goal": "ok"}, "journey"),
    ],
)
def test_bad_run_requests_get_a_400_naming_the_field(body, field, people):
    response = api(people).post("/api/v2/runs", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Run.objects.count() == 0


@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        ("application/json", b"{not json"),
        ("application/json", b"[1, 2, 3]"),
        ("text/plain", b"goal=hello"),
        ("application/xml", b"<run/>"),
    ],
)
def test_malformed_or_unsupported_bodies_are_4xx(content_type, payload, people):
    response = api(people).generic("POST", "/api/v2/runs", payload, content_type=content_type)
    assert 400 <= response.status_code < 500


def test_oversized_bodies_are_refused_with_4xx(people):
    payload = b'{"journey": "write", "goal": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    response = api(people).generic("POST", "/api/v2/runs", payload, content_type="application/json")
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "path",
    ["/api/v2/runs/99999999999999999999999", "/api/v2/runs/-1", "/api/v2/runs/abc/events", "/runs/1e9/",
     "/api/v2/runs?limit=abc&offset=-5"],
)
def test_absurd_ids_and_parameters_are_not_server_errors(path, people):
    response = api(people).get(path)
    assert response.status_code < 500


def test_bad_answers_and_event_cursors_are_400(people):
    run = queued_run(people.owner)
    client = api(people)
    assert client.get(f"/api/v2/runs/{run.pk}/events", {"after": "x"}).status_code == 400
    assert client.get(f"/api/v2/runs/{run.pk}/events", {"after": "-1"}).status_code == 400
    assert client.post(f"/api/v2/runs/{run.pk}/answer", {"answers": "yes"}, format="json").status_code == 400
    assert client.post(f"/api/v2/runs/{run.pk}/answer", {"answers": {}}, format="json").status_code == 400
    assert client.post(f"/api/v2/runs/{run.pk}/abort", {"reason": "r" * 501}, format="json").status_code == 400
