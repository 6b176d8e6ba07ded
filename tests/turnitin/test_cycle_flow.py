"""The whole Turnitin loop on real workers: the run pauses at the handoff and calls no model while
a checker works; the uploaded report resumes it; only the flagged passages are revised (quoted
and cited, re-grounded in another retrieved source, or rewritten); a second, lower report ends it.
And when the checks run out, the best draft is delivered with an honest note."""

from __future__ import annotations

import io
import time

from django.db import transaction

from agents.text_spans import sentences
from journeys import services
from journeys.evidence import write_source
from journeys.models import Artifact, Event, Run, RunStatus
from tests.conftest import wait_for
from tests.test_engine import wait_until_ended
from tests.turnitin.conftest import GOAL, report_pdf
from turnitin.models import CycleStatus, Notification, TurnitinCycle

SPEC = {"sections": 3, "turnitin": True, "similarity_target": 15}


def wait_for_checker(run: Run, cycles: int) -> TurnitinCycle:
    def waiting():
        run.refresh_from_db()
        assert not run.is_terminal, f"run ended early: {run.status} {run.status_reason}"
        return run.status == RunStatus.WAITING_HUMAN and TurnitinCycle.objects.filter(run=run).count() == cycles

    wait_for(waiting, 90, 0.1, f"run {run.pk} to wait for check {cycles}")
    return TurnitinCycle.objects.get(run=run, number=cycles)


def sent_texts(cycle: TurnitinCycle) -> list[str]:
    versions = {name: version for name, version in cycle.draft.items()}
    rows = Artifact.objects.filter(run=cycle.run, name__in=list(versions))
    by_name = {row.name: row.content for row in rows if versions[row.name] == row.version}
    return [by_name[f"section-{index}"] for index in range(len(versions))]


def claim_and_upload(client, checker, cycle: TurnitinCycle, pdf: bytes, submission_id: str):
    client.force_login(checker)
    assert client.post("/turnitin/claim/").status_code == 302
    report = io.BytesIO(pdf)
    report.name = "similarity-report.pdf"
    return client.post(f"/turnitin/jobs/{cycle.pk}/report/", {"report": report, "submission_id": submission_id})


def seed_evidence(run: Run) -> None:
    """Two retrieved sources, as the research step would have stored them."""
    write_source(run, 0, {
        "key": "smith2021", "provider": "test",
        "csl": {"title": "Heat and health in cities", "URL": "https://www.heat-health.org/cities",
                "author": [{"family": "Smith"}, {"family": "Lee"}], "issued": {"date-parts": [[2021]]}},
        "chunks": [{"text": "Heat and health in cities are linked through exposure at night.", "anchor": "p. 3"}],
    })  # fmt: skip
    write_source(run, 0, {
        "key": "park2020", "provider": "test",
        "csl": {"title": "Hospital admissions in hot districts", "URL": "https://doi.org/10.1000/park",
                "author": [{"family": "Park"}], "issued": {"date-parts": [[2020]]}},
        "chunks": [{"text": "Urban heat islands and public health: older residents' admissions rise.", "anchor": "abstract"}],
    })  # fmt: skip


def test_a_run_waits_for_the_checker_and_calls_no_model_meanwhile(worker, script, student):
    run = services.start_run(student, "write", GOAL, words=240, spec=SPEC)
    cycle = wait_for_checker(run, 1)
    calls, seq = script.calls, run.seq

    time.sleep(3)  # the reaper and the Turnitin sweep run every second meanwhile

    run.refresh_from_db()
    assert script.calls == calls and run.seq == seq and run.status == RunStatus.WAITING_HUMAN
    assert run.state["human"] == {
        "pending": True,
        "kind": "turnitin",
        "resume_route": "reflect",
        "cycle": 1,
        "reference": cycle.reference,
    }
    assert cycle.status == CycleStatus.PENDING_UPLOAD and cycle.draft_docx.blob
    assert "waiting for a Turnitin check" in run.status_reason


def test_the_report_drives_revision_of_only_the_flagged_passages_until_similarity_is_met(worker, script, student, checker, client):
    # given a run with two retrieved sources, waiting for its first check
    run = services.start_run(student, "write", GOAL, words=300, spec=SPEC)
    seed_evidence(run)
    cycle = wait_for_checker(run, 1)
    texts = sent_texts(cycle)
    flagged = {sentences(texts[0])[1].text: 1, sentences(texts[1])[2].text: 2, sentences(texts[2])[1].text: 3}

    # when a checker uploads a report of 28% flagging one sentence in each section
    first = claim_and_upload(client, checker, cycle, report_pdf(cycle, texts, flagged), "first")

    # then the run resumes, revises exactly those sentences and asks for a second check
    assert first.status_code == 302
    second_cycle = wait_for_checker(run, 2)
    revised = sent_texts(second_cycle)
    cycle.refresh_from_db()
    located = {}
    for item in cycle.parsed["flagged"]:
        located.setdefault(item["section"], []).append((item["start"], item["end"]))
    assert sorted(sum(located.values(), [])) and len(cycle.parsed["flagged"]) == 3
    for index, (old, new) in enumerate(zip(texts, revised, strict=True)):
        spans = sorted(located.get(index, []))
        kept = [old[end:start] for (_, end), (start, _) in zip([(0, 0), *spans], [*spans, (len(old), len(old))], strict=True)]
        assert new.startswith(kept[0]) and new.endswith(kept[-1]) and all(part in new for part in kept), (
            f"section {index} changed elsewhere"
        )
        assert all(old[start:end] not in new or "put it" in new for start, end in spans)
    changes = Event.objects.filter(run=run, kind="revision").order_by("id")
    assert sorted(change.data["strategy"] for change in changes) == ["quote_and_cite", "replace_source", "rewrite"]
    draft = "\n".join(revised)
    assert '"' in draft and "[@smith2021:0]" in draft
    replaced = next(change for change in changes if change.data["strategy"] == "replace_source")
    assert f"[@{replaced.data['evidence']['key']}:" in draft
    cycle.refresh_from_db()
    assert (cycle.status, cycle.outcome, cycle.observed_similarity) == (CycleStatus.DONE, "revised", 28)

    # when the second report shows 9%
    second = claim_and_upload(client, checker, second_cycle, report_pdf(second_cycle, revised, {}, similarity=9), "second")

    # then the run ends with the revised draft delivered and the cycle passed
    assert second.status_code == 302
    wait_until_ended(run)
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    second_cycle.refresh_from_db()
    assert (second_cycle.status, second_cycle.outcome) == (CycleStatus.DONE, "passed")
    deliverable = run.artifacts.filter(name="deliverable").latest("version").content
    assert "Smith" in deliverable and "Note: Turnitin" not in deliverable
    assert Notification.objects.filter(cycle=cycle, kind="job_queued", recipient=checker.email, sent_at__isnull=False).exists()


def test_when_the_checks_run_out_the_best_draft_is_delivered_with_an_honest_note(worker, script, student, checker, client):
    # given an operator's policy allowing two checks
    with transaction.atomic():
        run = services.start_run(student, "write", GOAL, words=240, spec=SPEC)
        run.policy["gates"]["max_turnitin_cycles"] = 2
        Run.objects.filter(pk=run.pk).update(policy=run.policy)
    cycle = wait_for_checker(run, 1)
    texts = sent_texts(cycle)
    claim_and_upload(client, checker, cycle, report_pdf(cycle, texts, {sentences(texts[1])[1].text: 3}, similarity=21), "a")
    second = wait_for_checker(run, 2)

    # when the second check comes back worse than the first
    claim_and_upload(client, checker, second, report_pdf(second, sent_texts(second), {}, similarity=35), "b")

    # then the first check's draft is restored and delivered, saying why
    wait_until_ended(run)
    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    deliverable = run.artifacts.filter(name="deliverable").latest("version").content
    assert "the similarity target of 15% was not reached after 2 checks" in deliverable
    assert "lowest reported similarity (21% in check 1)" in deliverable and "never by obfuscation" in deliverable
    latest = {row.name: row.content for row in run.artifacts.filter(name__startswith="section-").order_by("version")}
    assert [latest[f"section-{index}"] for index in range(len(texts))] == texts
    second.refresh_from_db()
    assert second.outcome == "target_not_met"
