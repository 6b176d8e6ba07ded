"""`python manage.py costs [--by provider|deployment|user|run|model] [--days N]`: provider costs."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from journeys.costs import GROUPINGS, UnknownGrouping, cost_summary, recent_calls


class Command(BaseCommand):
    help = "Show what LLM providers cost, grouped by provider, deployment, user, run or model."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--by", default="provider", help=f"one of: {', '.join(GROUPINGS)}")
        parser.add_argument("--days", type=float, default=None, help="only the last N days")
        parser.add_argument("--limit", type=int, default=50)

    def handle(self, *args, **options) -> None:
        if options["days"] is not None and options["days"] <= 0:
            raise CommandError("--days must be a positive number")
        try:
            rows = cost_summary(recent_calls(options["days"]), options["by"], options["limit"])
        except UnknownGrouping as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{options['by']:<32} {'calls':>7} {'failed':>7} {'prompt tok':>11} {'output tok':>11} {'USD':>12}")
        for row in rows:
            self.stdout.write(
                f"{str(row['key'])[:32]:<32} {row['calls']:>7} {row['failed']:>7} {row['prompt_tokens'] or 0:>11} "
                f"{row['completion_tokens'] or 0:>11} {row['cost_usd']:>12.6f}"
            )
        if not rows:
            self.stdout.write("no provider calls recorded")
