"""Benchmark: time from a Turnitin report upload (the HTTP request) to the run's next step starting.

    python bench/turnitin_resume.py [--runs 20] [--workers 2]

Everything runs on this machine, isolated from the shared database and queues: a fresh database
(handywriterz_bench_turnitin, dropped at the end), its own queue prefix and Redis database, a real
Celery worker subprocess (with its beat), the built-in offline model, and a real HTTP server on
127.0.0.1 serving the Django app. Each run is driven to its first Turnitin handoff; then, one run
at a time, a Turnitin-style PDF report is POSTed to the signed webhook and the clock stops when
the step after the checker's answer (the Critic's reflect) has started on the worker.

Prints a table of p50 / p95: reading the PDF, the upload request itself (parsing, locating,
storing, resuming) and upload -> next step start. HW_BENCH_QUEUE_PREFIX (default hwbench_turnitin)
names its queues and its database, so two copies can run side by side.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PREFIX = os.environ.get("HW_BENCH_QUEUE_PREFIX", "hwbench_turnitin")
DATABASE = f"handywriterz_{PREFIX}"
ENV = {
    "HW_TEST_DATABASE_NAME": DATABASE,
    "HW_QUEUE_PREFIX": PREFIX,
    "REDIS_URL": "redis://127.0.0.1:6379/14",
    "HW_LLM_MODELS": "handywriterz/offline",
    "HW_BEAT_SCHEDULER": "celery.beat:PersistentScheduler",
    "HW_REAPER_INTERVAL_SECONDS": "2",
    "HW_TURNITIN_WEBHOOK_SECRET": "bench-secret",
    "HW_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "HW_DELIVERABLES_DIR": f"/tmp/{PREFIX}-deliverables",
}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handywriterz.settings")

import django  # noqa: E402 - the environment above must be in place before Django reads settings
from common import median, percentile, print_table  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

from agents.text_spans import sentences  # noqa: E402
from evaluation.fakes.turnitin_reports import Report, Source, build_pdf, paper_from_sections  # noqa: E402
from evaluation.workers import WaitTimedOut, wait_for  # noqa: E402
from journeys import services  # noqa: E402
from journeys.models import Artifact, Run, RunStatus, Step  # noqa: E402
from turnitin import webhook  # noqa: E402
from turnitin.models import TurnitinCycle  # noqa: E402
from turnitin.reports import parse_report  # noqa: E402

GOAL = "Write an essay on urban heat islands and public health"


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def start_http() -> tuple[ThreadedWSGIServer, str]:
    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def start_worker(concurrency: int, log: Path) -> subprocess.Popen:
    database = settings.DATABASES["default"]
    env = {**os.environ, "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"}
    command = [sys.executable, "-m", "celery", "-A", "handywriterz", "worker", f"--concurrency={concurrency}", "--loglevel=WARNING",
               "--without-mingle", "--without-gossip", "-B", "-s", str(log.with_suffix(".schedule"))]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    return process


def wait(predicate, timeout: float, what: str, interval: float = 0.005):
    try:
        return wait_for(predicate, timeout, interval, what)
    except WaitTimedOut as error:
        raise SystemExit(str(error)) from None


def sent_sections(cycle: TurnitinCycle) -> list[str]:
    rows = {
        row.name: row.content
        for row in Artifact.objects.filter(run=cycle.run, name__in=list(cycle.draft))
        if cycle.draft[row.name] == row.version
    }
    return [rows[f"section-{index}"] for index in range(len(rows))]


def report_body(cycle: TurnitinCycle, index: int) -> bytes:
    texts = sent_sections(cycle)
    flagged = {sentences(texts[1])[1].text: 1}
    report = Report(similarity=30, ai_writing=8, sources=[Source("www.heat-health.org", "Internet", 7)],
                    paper=paper_from_sections(texts, flagged), file_name=cycle.draft_filename)  # fmt: skip
    encoded = base64.b64encode(build_pdf(report)).decode()
    return json.dumps(
        {"submission_id": f"bench-{cycle.pk}-{index}", "report": {"filename": "report.pdf", "content_base64": encoded}}
    ).encode()


def post_report(base: str, run: Run, body: bytes) -> int:
    stamp = str(int(time.time()))
    request = urllib.request.Request(
        f"{base}/api/v2/turnitin/{run.pk}/report", data=body, method="POST",
        headers={"Content-Type": "application/json", "X-HW-Timestamp": stamp,
                 "X-HW-Signature": webhook.sign(settings.HW_TURNITIN_WEBHOOK_SECRET, stamp, body)},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status


def measure(base: str, runs: list[Run]) -> tuple[list[float], list[float], list[float]]:
    parses, requests, resumes = [], [], []
    for index, run in enumerate(runs):
        cycle = TurnitinCycle.objects.select_related("run").get(run=run, number=1)
        body = report_body(cycle, index)
        report = base64.b64decode(json.loads(body)["report"]["content_base64"])
        clock = time.perf_counter()
        parse_report(report, max_bytes=settings.HW_TURNITIN_REPORT_MAX_BYTES, max_pages=settings.HW_TURNITIN_REPORT_MAX_PAGES)
        parses.append(time.perf_counter() - clock)
        started = time.time()
        status = post_report(base, run, body)
        answered = time.time()
        assert status == 201, status
        human = Step.objects.get(run=run, node="human")
        next_started = wait(lambda run=run, human=human: next_step_started(run, human.seq), 30, "the next step")
        requests.append(answered - started)
        resumes.append(next_started - started)
    return parses, requests, resumes


def next_step_started(run: Run, human_seq: int) -> float | None:
    """When the step after the human answer started executing (its checkpoint records it)."""
    step = Step.objects.filter(run=run, seq=human_seq + 1).first()
    return step.started_at.timestamp() if step else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (prefork concurrency)")
    options = parser.parse_args()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    log = Path(f"/tmp/{PREFIX}-worker.log")
    worker = start_worker(options.workers, log)
    server, base = start_http()
    try:
        user = get_user_model().objects.create_user("bench-student")
        runs = [
            services.start_run(user, "write", GOAL, words=240, spec={"sections": 3, "turnitin": True}) for _ in range(options.runs)
        ]
        for run in runs:
            wait(
                lambda run=run: Run.objects.filter(pk=run.pk, status=RunStatus.WAITING_HUMAN).exists(),
                180,
                f"run {run.pk} to reach the handoff",
                0.05,
            )
        parses, requests, resumes = measure(base, runs)
    finally:
        server.shutdown()
        os.killpg(worker.pid, 15)
        worker.wait(20)
        connection.creation.destroy_test_db(DATABASE, verbosity=0)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print_table(
        f"Turnitin report upload -> next step ({len(runs)} runs, {options.workers} worker processes, offline model, "
        f"load average {load})",
        ["measure", "p50 ms", "p95 ms"],
        [row("upload -> next step started", resumes), row("upload request (parse, locate, store, resume)", requests),
         row("of which: reading the PDF report (in-process)", parses)],
    )


def row(label: str, seconds: list[float]) -> list[str]:
    return [label, f"{median(seconds) * 1000:.0f}", f"{percentile(seconds, 0.95) * 1000:.0f}"]


if __name__ == "__main__":
    main()
