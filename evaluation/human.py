"""The scripted human of a task: answers clarifying questions from `human.clarify` and, at the
Turnitin checkpoint, uploads the reports of `human.turnitin` in order, each built on the draft
actually sent (its `flag` passages highlighted), through the same services a person's upload uses.
"""
from __future__ import annotations

import random

from django.contrib.auth import get_user_model

from agents.text_spans import sentences
from evaluation.fakes.turnitin_reports import Report, Source, build_pdf, paper_from_sections
from evaluation.taskfile import EvalTask, TurnitinReport
from journeys import services
from journeys.models import Run
from turnitin import services as turnitin_services
from turnitin.models import TurnitinCycle

CHECKER = "evaluation-checker"
MAX_CLARIFY_ROUNDS = 3
REPORT_SOURCES = [
    Source("www.heat-health.org", "Internet", 6),
    Source("Submitted to University of Leeds", "Submitted works", 4),
    Source("www.climate-blog.example", "Internet", 3),
]


class ScriptedHuman:
    """One task's human. `respond(run)` answers what the run waits for; False: nothing left to say."""

    def __init__(self, task: EvalTask) -> None:
        self.task = task
        self.clarify_rounds = 0
        self.random = random.Random(task.seed)

    def respond(self, run: Run) -> bool:
        human = run.state.get("human") or {}
        if not human.get("pending"):
            return False
        if human.get("kind") == "turnitin":
            return self.upload_report(run, int(human.get("cycle") or 1))
        if human.get("kind") == "clarify":
            return self.answer_questions(run, list(human.get("questions") or []))
        return False  # another kind of wait (no sources, a loop): the task ends waiting for a human

    def answer_questions(self, run: Run, questions: list[str]) -> bool:
        """Question i gets clarify[i]; questions beyond the answers get all of them joined."""
        answers = self.task.human.clarify
        if not answers or self.clarify_rounds >= MAX_CLARIFY_ROUNDS:
            return False
        self.clarify_rounds += 1
        joined = "; ".join(answers)
        reply = {question: answers[index] if index < len(answers) else joined for index, question in enumerate(questions)}
        services.answer_run(run.pk, reply or {"answer": joined}, by="evaluation")
        return True

    def upload_report(self, run: Run, number: int) -> bool:
        reports = self.task.human.turnitin
        if number > len(reports):
            return False
        cycle = TurnitinCycle.objects.get(run=run, number=number)
        pdf = build_pdf(self.report(cycle, reports[number - 1]))
        turnitin_services.submit_report(cycle.pk, by=checker(), report=pdf, submission_id=f"eval-{run.pk}-{number}")
        return True

    def report(self, cycle: TurnitinCycle, wanted: TurnitinReport) -> Report:
        """A report on the sections sent, with `flag` of their sentences highlighted (spread over
        the sections, chosen by the task's seed)."""
        _, texts = turnitin_services.sent_sections(cycle)
        candidates = [span.text for text in texts for span in sentences(text) if len(span.text.split()) >= 6]
        chosen = self.random.sample(candidates, min(wanted.flag, len(candidates)))
        flagged = {text: index % len(REPORT_SOURCES) + 1 for index, text in enumerate(chosen)}
        return Report(
            similarity=wanted.similarity, ai_writing=wanted.ai, sources=REPORT_SOURCES,
            paper=paper_from_sections(texts, flagged), file_name=cycle.draft_filename,
            submission_id=f"trn:oid:::eval:{cycle.run_id}:{cycle.number}",
        )  # fmt: skip


def checker():
    """The harness's checker: staff, so it may upload without claiming from the shared queue."""
    user, created = get_user_model().objects.get_or_create(username=CHECKER, defaults={"is_staff": True})
    if created:
        user.set_unusable_password()  # nobody signs in as the harness
        user.save(update_fields=["password"])
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return user
