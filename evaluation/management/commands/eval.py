"""`manage.py eval run PATH_OR_DIR... [--json OUT]` — run evaluation tasks on the real engine.

Prints a table (task, pass/fail, first unmet expectation, steps, retries, tokens, cost, wall time,
routes) and exits 0 only if every task passed, 1 if some failed, 2 for bad paths or invalid task
files (one clear line, nothing run). It brings up its own fake APIs and workers, in a child
process with its own queues and Redis database (evaluation.environment).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from evaluation import services
from evaluation.environment import in_child
from evaluation.harness import TaskResult
from evaluation.models import Trigger
from evaluation.taskfile import TaskFileError, load_tasks

COLUMNS = ("task", "result", "first unmet expectation", "steps", "retries", "tokens", "cost", "wall", "routes")


def table(results: list[TaskResult]) -> list[str]:
    rows = [COLUMNS] + [
        (
            result.name, "pass" if result.passed else "FAIL", shorten(result.first_unmet or "-", 70),
            str(result.measures.steps), str(result.measures.retries), str(result.measures.tokens),
            f"${result.measures.cost_usd:.4f}", f"{result.wall_seconds:.1f}s", shorten(" ".join(result.measures.routes), 60),
        )  # fmt: skip
        for result in results
    ]
    widths = [max(len(row[index]) for row in rows) for index in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    return [lines[0], "  ".join("-" * width for width in widths), *lines[1:]]


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unapplied_migrations() -> list[str]:
    """The migrations the database still needs (results are stored: an unmigrated one would fail
    half-way with a traceback)."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class Command(BaseCommand):
    help = "Run evaluation tasks (YAML files or directories of them) on the real engine."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        run = actions.add_parser("run", help="run tasks and print a table", called_from_command_line=True)
        run.add_argument("paths", nargs="+", metavar="PATH_OR_DIR")
        run.add_argument("--json", dest="json_out", metavar="OUT", help="also write the results as JSON to OUT")
        run.add_argument("--trigger", default=Trigger.CLI, choices=list(Trigger.values), help=Trigger.__doc__)

    def handle(self, *args, **options) -> None:
        try:
            tasks = load_tasks(options["paths"])
        except TaskFileError as error:
            raise CommandError(str(error), returncode=services.EXIT_BAD_INPUT) from None
        json_out = Path(options["json_out"]) if options["json_out"] else None
        if json_out is not None and not json_out.resolve().parent.is_dir():
            raise CommandError(f"--json: no such directory {json_out.parent}", returncode=services.EXIT_BAD_INPUT)
        pending = unapplied_migrations()
        if pending:
            raise CommandError(f"the database lacks {len(pending)} migration(s) (e.g. {pending[0]}); run "
                               "`python manage.py migrate` first", returncode=services.EXIT_BAD_INPUT)
        if not in_child():
            sys.exit(services.run_suite(options["paths"], trigger=options["trigger"], json_out=json_out, output=self.stdout))
        sys.exit(self.run_here(tasks, options["paths"], options["trigger"], json_out))

    def run_here(self, tasks, paths: list[str], trigger: str, json_out: Path | None) -> int:
        def progress(result: TaskResult) -> None:
            verdict = "pass" if result.passed else f"FAIL ({result.first_unmet})"
            self.stdout.write(f"[{result.name}] {verdict} in {result.wall_seconds:.1f}s")

        eval_run, results = services.execute_suite(tasks, paths, trigger, on_result=progress)
        self.stdout.write("")
        for line in table(results):
            self.stdout.write(line)
        passed = sum(result.passed for result in results)
        self.stdout.write(f"\n{passed} passed, {len(results) - passed} failed (evaluation {eval_run.pk})")
        if json_out is not None:
            payload = {"eval_run": eval_run.pk, "passed": passed == len(results),
                       "results": [result.as_dict() for result in results]}
            json_out.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
        return services.EXIT_PASSED if passed == len(results) else services.EXIT_FAILED
