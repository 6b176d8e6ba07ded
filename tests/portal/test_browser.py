"""The portal and the operator console in headless Chromium, against a live server and real
Celery workers. Every page visited is saved to screenshots/ (see README)."""
from __future__ import annotations

import zipfile

import pytest

from journeys.models import Artifact, Event, Run, RunStatus, Source, Step
from tests.conftest import wait_for
from tests.portal.browser import CONTRAST_JS, PHONE, UNLABELLED_JS, log_in
from tests.portal.people import PASSWORD, idle_run, make_people, queued_run, waiting_run
from tests.turnitin.conftest import SECTIONS, report_pdf, run_at_handoff, sentence_of
from turnitin.models import TurnitinCycle

pytestmark = pytest.mark.slow
SECTION = "Urban surfaces store heat by day and release it at night, so cities stay warmer than their surroundings. " * 4


def assert_accessible(page, where: str) -> None:
    assert page.evaluate(UNLABELLED_JS) == [], f"unlabelled form controls on {where}"
    assert page.evaluate(CONTRAST_JS) == [], f"text below WCAG AA contrast on {where}"


def assert_fits_phone(page, where: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{where} scrolls sideways at phone width ({width}px)"


def slow_sections(script, count: int, latency: float) -> None:
    for _ in range(count):
        script.push("write_section", text=SECTION, latency=latency)


def sign_up(page, shots, username: str) -> None:
    page.goto("/")
    shots.take(page, "home")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill(username)
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    shots.take(page, "signup")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/runs/new/")


def test_a_student_signs_up_answers_the_agents_question_watches_live_and_downloads_the_docx(
    worker, script, browser_page, shots
):
    # given the built-in model, slowed a little so progress is visible
    for _ in range(12):
        script.push("*", latency=0.3)
    page = browser_page()

    # when a new student signs up, then they land on the new-run form; a bad submission shows inline errors
    sign_up(page, shots, "amina")
    assert_accessible(page, "the new-run form")
    page.get_by_label("Word target").fill("10")
    page.get_by_role("button", name="Start").click()
    assert page.locator("#id_goal_error").inner_text() == "This field is required."
    assert "greater than or equal to 100" in page.locator("#id_words_error").inner_text()
    shots.take(page, "new-run-errors")

    # when they start a write journey with a vague goal (and markup, which must stay text)
    page.get_by_label("Goal").fill("Please help me with my essay for next week <script>alert('x')</script>")
    page.get_by_label("Word target").fill("400")
    page.get_by_label("Citation style").select_option("harvard")
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/runs/*/")
    run = Run.objects.get(user__username="amina")
    shots.take(page, "run-started")

    # then the agents' clarifying question appears on the page by itself, and they answer it
    question = page.get_by_label("What topic or question should the piece address?")
    question.wait_for(timeout=60_000)
    assert_accessible(page, "the run page with a question")
    shots.take(page, "clarifying-question")
    question.fill("Urban heat islands and public health in African cities")
    page.get_by_role("button", name="Send answers").click()
    page.wait_for_url(f"**/runs/{run.pk}/")
    assert "the agents continue with your answers" in page.locator(".messages").inner_text()
    page.evaluate("window.sameDocument = true")

    # then the page follows the run live, without reloading, until it succeeds
    # Polled from here: Playwright's wait_for_function evaluates its predicate with eval(), which
    # the portal's Content-Security-Policy (rightly) forbids.
    two_done = "document.querySelectorAll('.plan-item.state-done').length >= 2"
    wait_for(lambda: page.evaluate(two_done), 60, 0.2, "two done plan items")
    shots.take(page, "run-in-progress")
    succeeded = "document.querySelector('#run-status').dataset.status === 'succeeded'"
    wait_for(lambda: page.evaluate(succeeded), 120, 0.2, "the run page to show success")
    assert page.evaluate("window.sameDocument") is True
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert "African cities" in run.spec["topic"]
    assert page.locator("#timeline .event").count() == Event.objects.filter(run=run).count()
    assert page.locator(".plan-item.state-pending").count() == 0
    assert page.locator(".draft .cite").count() > 0, "the draft shows no citations"
    assert_accessible(page, "the finished run page")
    shots.take(page, "run-succeeded")

    # when they download the DOCX, then it is the Word document the agents delivered
    with page.expect_download() as download:
        page.get_by_role("link", name="essay.docx").click()
    with zipfile.ZipFile(download.value.path()) as docx:
        body = docx.read("word/document.xml").decode()
    assert "Urban heat islands" in body or "urban heat" in body.lower()
    assert page.errors == [], "a script ran or the page failed"

    # and the run is in their library; the library and the run page fit a phone screen
    page.set_viewport_size(PHONE)
    page.goto("/runs/")
    assert page.get_by_role("link", name="Please help me with my essay").count() == 1
    assert_fits_phone(page, "the library")
    shots.take(page, "library-phone")
    page.goto(f"/runs/{run.pk}/")
    assert_fits_phone(page, "the run page")
    shots.take(page, "run-phone")


def test_an_operator_pauses_and_resumes_a_run_in_the_admin(worker, script, browser_page, shots):
    # given a student's run with slow sections, and an operator in the console
    slow_sections(script, 4, 1.5)
    people = make_people()
    run = queued_run(people.owner, journey="sketch", sections=4)
    page = browser_page()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("operator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    wait_for(lambda: Step.objects.filter(run=run).exists(), 30, what="the run to start")

    # when the operator opens the run and pauses it
    page.goto(f"/admin/journeys/run/{run.pk}/change/")
    shots.take(page, "admin-run-running")
    page.get_by_role("button", name="Pause").click()

    # then the run stops after its current step and stays stopped
    assert "pause done" in page.locator(".messagelist").inner_text()
    assert page.locator("#admin-run-status").inner_text() == "Paused"
    wait_for(lambda: not Run.objects.filter(pk=run.pk).exclude(lease_owner="").exists(), 20, what="the step in flight to end")
    steps = Step.objects.filter(run=run).count()
    page.wait_for_timeout(2500)
    assert Step.objects.filter(run=run).count() == steps
    assert Event.objects.filter(run=run, kind="paused", message__startswith="Paused by operator operator").exists()
    shots.take(page, "admin-run-paused")

    # when they resume it, then it runs to the end
    page.get_by_role("button", name="Resume").click()
    assert "resume done" in page.locator(".messagelist").inner_text()
    wait_for(lambda: Run.objects.get(pk=run.pk).status == RunStatus.SUCCEEDED, 90, what="the resumed run to succeed")
    page.reload()
    assert page.locator("#admin-run-status").inner_text() == "Succeeded"
    replay = page.locator(".replay").inner_text()
    assert "reflect (critic) → finalize" in replay and "all steps done" in replay
    shots.take(page, "admin-run-succeeded-replay")
    page.goto("/admin/journeys/run/costs/")
    assert "owner" in page.locator("#cost-per-user").inner_text()
    shots.take(page, "admin-cost-per-user")
    page.goto("/admin/journeys/run/policies/")
    assert page.get_by_role("heading", name="write (write.yaml)").count() == 1
    shots.take(page, "admin-policies")


def test_citations_show_their_passage_on_hover_and_keyboard_focus(browser_page, shots, transactional_db):
    # given a run whose draft cites a retrieved source
    people = make_people()
    run = idle_run(people.owner)
    Artifact.objects.create(
        run=run, name="deliverable", version=1, size=10, sha256="0" * 64, path="/x/essay.md",
        content="# Heat\n\nNight-time temperatures stay higher in dense districts [@oke1982:0].",
    )
    source = Source.objects.create(
        run=run, user=people.owner, key="oke1982", csl={"author": [{"family": "Oke", "given": "T. R."}]},
        title="The energetic basis of the urban heat island",
        provider="crossref", year=1982, doi="10.1002/qj.49710845502",
    )
    source.chunks.create(run=run, user=people.owner, ordinal=0, text="Urban canyons trap long-wave radiation at night.")
    page = browser_page(viewport=PHONE)
    log_in(page, "owner", PASSWORD)
    page.goto(f"/runs/{run.pk}/")
    tooltip = page.locator(".cite .tip")
    assert not tooltip.is_visible()

    # when the reader tabs to the citation, then its passage shows; likewise on hover
    page.locator(".cite").focus()
    assert page.locator(".cite").first.inner_text().startswith("Oke 1982")
    assert tooltip.is_visible() and "trap long-wave radiation" in tooltip.inner_text()
    shots.take(page, "citation-focused")
    page.locator("h1").click()
    page.locator(".cite").hover()
    assert tooltip.is_visible()
    assert_fits_phone(page, "the run page with a draft")
    assert_accessible(page, "the run page with a draft")


def test_the_run_can_be_paused_with_the_keyboard_alone(browser_page, shots, transactional_db):
    # given a student on the page of their run, which waits for their answer
    people = make_people()
    run = waiting_run(people.owner)
    page = browser_page()
    log_in(page, "owner", PASSWORD)
    page.goto(f"/runs/{run.pk}/")

    # when they tab to "Pause" and press Enter
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Pause":
            break
    else:
        raise AssertionError("Pause is not reachable with the Tab key")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # then the run is paused and the page says so
    assert Run.objects.get(pk=run.pk).status == RunStatus.PAUSED
    assert "Paused." in page.locator(".messages").inner_text()
    shots.take(page, "paused-by-keyboard")


def test_a_checker_claims_the_draft_and_uploads_the_report_then_the_student_sees_it(worker, browser_page, shots):
    # given a student's run that handed its draft to Turnitin, and a checker
    people = make_people()
    run = run_at_handoff(people.owner, spec={"words": 300})
    page = browser_page()
    log_in(page, "checker", PASSWORD)

    # when the checker opens the workbench and claims the next job
    page.get_by_role("link", name="Checker workbench").click()
    shots.take(page, "checker-queue")
    page.get_by_role("button", name="Claim the next job").click()
    cycle = TurnitinCycle.objects.get(run=run)
    assert cycle.checker_id == people.checker.pk
    shots.take(page, "checker-job")

    # and downloads the draft, runs it through Turnitin (outside) and uploads the report
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the draft").click()
    with zipfile.ZipFile(download.value.path()) as docx:
        assert "word/document.xml" in docx.namelist()
    texts = [text for _, text in SECTIONS]
    report = report_pdf(cycle, texts, {sentence_of(texts[0], 1): 1, sentence_of(texts[1], 1): 2})
    page.get_by_label("Report").set_input_files({"name": "report.pdf", "mimeType": "application/pdf", "buffer": report})
    page.get_by_role("button", name="Upload the report").click()
    shots.take(page, "checker-uploaded")

    # then the report is stored, the run continues, and its student sees the similarity on the run page
    cycle.refresh_from_db()
    assert cycle.observed_similarity == 28 and cycle.reported_by_id == people.checker.pk
    wait_for(lambda: Step.objects.filter(run=run, node="human").exists(), 30, what="the report to resume the run")
    student = browser_page()
    log_in(student, "owner", PASSWORD)
    student.goto(f"/runs/{run.pk}/")
    assert student.locator("#turnitin-observed").inner_text() == "28%"
    shots.take(student, "student-sees-turnitin")
