"""`manage.py journey start|status|pause|resume|abort` — the operators' and the harness's CLI.

Bad input gets one clear line on stderr and a non-zero exit (CommandError), never a traceback.
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from journeys import services, uploads
from journeys.models import Event, Run
from journeys.reports import run_summary

FOLLOW_POLL_SECONDS = 0.25


def parse_run_id(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise CommandError(f"run id must be a number, got {raw!r}") from None


class Command(BaseCommand):
    help = "Start, follow and control journey runs."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        start = actions.add_parser("start", help="start a run", called_from_command_line=True)
        start.add_argument("--journey", required=True)
        start.add_argument("--goal", required=True)
        start.add_argument("--user", default="cli")
        start.add_argument("--words", type=int)
        start.add_argument("--sections", type=int, help="number of sections to plan")
        start.add_argument("--style", help="citation style: apa, harvard, mla, chicago, ieee, vancouver")
        start.add_argument("--level", help="academic level: secondary, undergraduate, postgraduate, doctoral")
        start.add_argument("--min-sources", type=int, help="sources the piece must cite at least")
        start.add_argument("--region", help="preferred origin of sources, e.g. UK")
        start.add_argument("--recency", type=int, help="cite only works from the last N years")
        start.add_argument("--deadline", help="YYYY-MM-DD")
        start.add_argument("--slides", type=int, help="slides in a deck (journey slides)")
        start.add_argument("--part", action="append", default=[], metavar="TITLE:WORDS[:YYYY-MM-DD]",
                           help="a part of an assignment with its word target and deadline (repeat per part)")
        start.add_argument("--upload", action="append", default=[], metavar="PATH",
                           help="a document (DOCX, PDF, TXT, Markdown); repeatable")
        start.add_argument("--max-tokens", type=int)
        start.add_argument("--max-seconds", type=float)
        start.add_argument("--max-usd", type=float)
        start.add_argument("--follow", action="store_true", help="show progress until the run ends")
        start.add_argument("--timeout", type=float, default=0, help="with --follow: give up after N seconds")
        start.add_argument("--json", action="store_true")
        status = actions.add_parser("status", help="show a run", called_from_command_line=True)
        status.add_argument("run_id")
        status.add_argument("--json", action="store_true")
        for name in ("pause", "resume", "abort"):
            control = actions.add_parser(name, help=f"{name} a run", called_from_command_line=True)
            control.add_argument("run_id")
            control.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        try:
            getattr(self, f"do_{options['action']}")(options)
        except services.InvalidRequest as error:
            raise CommandError(str(error)) from None

    def do_start(self, options: dict) -> None:
        fields = {"sections": "sections", "slides": "slides", "style": "style", "level": "level", "min_sources": "min_sources",
                  "region": "region", "recency": "recency_years", "deadline": "deadline"}
        spec = {name: options[option] for option, name in fields.items() if options[option] is not None}
        if options["part"]:
            spec["parts"] = [parse_part(raw) for raw in options["part"]]
        budgets = services.BudgetRequest(options["max_tokens"], options["max_seconds"], options["max_usd"])
        if options["sections"] is not None and not 1 <= options["sections"] <= 400:
            raise CommandError("--sections must be between 1 and 400")
        run = services.start_run(
            services.get_user(options["user"]), options["journey"], options["goal"],
            words=options["words"], spec=spec, budgets=budgets, files=[read_upload(path) for path in options["upload"]],
        )
        if not options["json"]:
            self.stdout.write(f"run {run.pk} started ({run.journey}); follow it with: journey status {run.pk}")
        if options["follow"]:
            run = self.follow(run, options["timeout"], quiet=False)
        self.finish(run, options["json"])

    def do_status(self, options: dict) -> None:
        run = self.get_run(options["run_id"])
        summary = run_summary(run)
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        for key, value in summary.items():
            self.stdout.write(f"{key:>12}: {value}")

    def do_pause(self, options: dict) -> None:
        self.finish(services.pause_run(parse_run_id(options["run_id"]), by="cli"), options["json"])

    def do_resume(self, options: dict) -> None:
        self.finish(services.resume_run(parse_run_id(options["run_id"]), by="cli"), options["json"])

    def do_abort(self, options: dict) -> None:
        self.finish(services.abort_run(parse_run_id(options["run_id"]), by="cli"), options["json"])

    def get_run(self, raw: str) -> Run:
        try:
            return Run.objects.get(pk=parse_run_id(raw))
        except Run.DoesNotExist:
            raise CommandError(f"there is no run with id {raw}") from None

    def finish(self, run: Run, as_json: bool) -> None:
        run.refresh_from_db()
        if as_json:
            self.stdout.write(json.dumps({"run_id": run.pk, "status": run.status}))
        else:
            self.stdout.write(f"run {run.pk}: {run.status}" + (f" ({run.status_reason})" if run.status_reason else ""))

    def follow(self, run: Run, timeout: float, quiet: bool) -> Run:
        """Print events as they happen and a progress bar until the run ends (or waits)."""
        last_event, last_bar = 0, ""
        deadline = time.monotonic() + timeout if timeout else None
        while True:
            for event in Event.objects.filter(run=run, id__gt=last_event).order_by("id"):
                last_event = event.pk
                where = f"step {event.seq:>3}" if event.seq is not None else "        "
                self.stdout.write(f"  {where} {event.kind:<10} {event.message}")
            run.refresh_from_db()
            bar = progress_bar(run)
            if bar != last_bar:
                self.stdout.write(bar)
                last_bar = bar
            if run.is_terminal or run.status in {"waiting_human", "paused"}:
                return run
            if deadline and time.monotonic() > deadline:
                self.stderr.write(f"gave up following after {timeout:.0f} s; the run goes on")
                return run
            sys.stdout.flush()
            time.sleep(FOLLOW_POLL_SECONDS)


def parse_part(raw: str) -> dict:
    """--part "Literature review:800:2026-12-01" -> {"title", "words", "deadline"} (deadline optional)."""
    pieces = raw.rsplit(":", 2)
    if len(pieces) == 3 and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", pieces[2]):
        title, words, deadline = pieces
    else:
        title, _, words = raw.rpartition(":")
        deadline = ""
    if not title.strip() or not words.strip().isdigit():
        raise CommandError(f"--part {raw!r}: expected TITLE:WORDS or TITLE:WORDS:YYYY-MM-DD")
    return {"title": title.strip(), "words": int(words), **({"deadline": deadline.strip()} if deadline else {})}


def read_upload(path: str) -> uploads.UploadedFile:
    """The file's bytes, refused before reading when it is missing, empty or over the size limit."""
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"--upload {path}: no such file")
    try:
        uploads.check_size(file.name, file.stat().st_size)
    except uploads.UploadRefused as error:
        raise CommandError(str(error)) from None
    return uploads.UploadedFile(file.name, file.read_bytes())


def progress_bar(run: Run, width: int = 30) -> str:
    fraction = max(0.0, min(1.0, float(run.state.get("progress", 0.0))))
    filled = int(round(fraction * width))
    return (
        f"[{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%}  {run.status:<8} "
        f"route={run.route} seq={run.seq} tokens={run.used_tokens} cost=${float(run.used_usd):.4f}"
    )
