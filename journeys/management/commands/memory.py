"""`manage.py memory status|reembed|distil|lessons|retire` — operating long-term memory.

    status                 vectors per embedding model, how many are pending, lessons by status
    reembed [--sync]       re-embed everything not embedded by HW_EMBEDDING_MODEL (after changing
                           it for the web and the workers): queued in the background, or --sync here
    distil RUN_ID          (re)distil the lessons of an ended run now
    lessons [--topic T]    list lessons (most similar to T first, when given)
    retire ID [ID ...] --reason TEXT

Bad input gets one clear line on stderr and a non-zero exit (CommandError), never a traceback.
"""
from __future__ import annotations

import json

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from journeys.memory import jobs
from journeys.memory.lessons import distil_run_lessons, relevant_lessons, retire_lessons
from journeys.models import Lesson, Run


class Command(BaseCommand):
    help = "Inspect and operate memory: embeddings, lessons."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        actions.add_parser("status", help="embedding and lesson counts", called_from_command_line=True)
        reembed = actions.add_parser("reembed", help="re-embed with the current model", called_from_command_line=True)
        reembed.add_argument("--sync", action="store_true", help="embed here, now, instead of in the background")
        distil = actions.add_parser("distil", help="distil an ended run's lessons", called_from_command_line=True)
        distil.add_argument("run_id", type=int)
        listing = actions.add_parser("lessons", help="list lessons", called_from_command_line=True)
        listing.add_argument("--topic", default="")
        listing.add_argument("--limit", type=int, default=20)
        retire = actions.add_parser("retire", help="retire lessons", called_from_command_line=True)
        retire.add_argument("ids", type=int, nargs="+")
        retire.add_argument("--reason", required=True)
        retire.add_argument("--by", default="operator")

    def handle(self, *args, **options) -> None:
        getattr(self, f"do_{options['action']}")(options)

    def do_status(self, options: dict) -> None:
        self.stdout.write(json.dumps(jobs.memory_status(), indent=2))

    def do_reembed(self, options: dict) -> None:
        if not options["sync"]:
            current_app.send_task(jobs.REEMBED_TASK, queue=settings.HW_MEMORY_QUEUE)
            self.stdout.write(f"Re-embedding with {jobs.current_embedder().model} queued; follow it with `memory status`.")
            return
        total = 0
        while done := jobs.reembed_batch():
            total += done
            self.stdout.write(f"embedded {total} so far")
        self.stdout.write(f"Done: {total} vectors now embedded with {jobs.current_embedder().model}.")

    def do_distil(self, options: dict) -> None:
        run = Run.objects.filter(pk=options["run_id"]).first()
        if run is None:
            raise CommandError(f"there is no run {options['run_id']}")
        if not run.is_terminal:
            raise CommandError(f"run {run.pk} has not ended ({run.status}); lessons are distilled from ended runs")
        for lesson in distil_run_lessons(run.pk):
            self.stdout.write(f"#{lesson.pk} [{lesson.kind}] {lesson.text}")

    def do_lessons(self, options: dict) -> None:
        if options["topic"]:
            rows = relevant_lessons(options["topic"], limit=options["limit"], min_similarity=-1.0)
            for row in rows:
                self.stdout.write(f"#{row['id']} {row['similarity']:.2f} [{row['kind']}] {row['text']}")
            return
        for lesson in Lesson.objects.order_by("-created_at")[: options["limit"]]:
            self.stdout.write(f"#{lesson.pk} {lesson.status} [{lesson.kind}] uses={lesson.uses} {lesson.text}")

    def do_retire(self, options: dict) -> None:
        unknown = set(options["ids"]) - set(Lesson.objects.filter(pk__in=options["ids"]).values_list("pk", flat=True))
        if unknown:
            raise CommandError(f"no lesson with id {', '.join(map(str, sorted(unknown)))}")
        count = retire_lessons(options["ids"], by=options["by"], reason=options["reason"])
        self.stdout.write(f"Retired {count} lesson(s).")
