"""Chaos run (issue 11): runs keep their promises while workers die and Redis and PostgreSQL restart.

    python bench/chaos.py                 # 50 runs, 10 users (a few minutes)
    python bench/chaos.py --ci            # 24 runs, 6 users (tests/reliability/test_chaos.py)
    python bench/chaos.py --json out.json # also write the figures as JSON

Everything runs on a PRIVATE stack (its own PostgreSQL and Redis from scripts/services.sh, with
their own HW_STATE_DIR and free ports; workers, beat and web server of its own), so restarting
services disturbs nobody. The offline model answers with a small latency. While the runs go: a
random worker is SIGKILLed every few seconds and restarted; Redis is stopped once (its queues and
unacked messages are lost: no persistence) and started again; PostgreSQL is stopped once and
started again; a probe calls the API all along. Then every run is checked (bench/chaos_checks.py)
and a table of figures printed. Exit status 1 if a promise was broken.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chaos_stack import PrivateStack, Processes, free_port  # noqa: E402
from common import print_table  # noqa: E402

GOAL = "Write an essay on how rivers shape the towns built along them"
SIZES = {
    # A kill every 2-6 s (uniform around kill_every) of a booted worker, while two or more are up
    # (a replacement needs seconds of CPU to boot on a busy 2-core host). Outages start at a share
    # of the expected steps or of the time budget, whichever comes first, so they always happen.
    "full": {"runs": 50, "users": 10, "workers": 4, "sections": 3, "kill_every": 4.0, "timeout": 1200},
    "ci": {"runs": 24, "users": 6, "workers": 3, "sections": 3, "kill_every": 4.0, "timeout": 240},
}


@dataclass
class Timeline:
    """Wall-clock (time.time()) windows of each outage, and what the controller did."""

    began: float = field(default_factory=time.time)
    kills: int = 0
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    messages_lost: int = 0
    workers_exited: list[int] = field(default_factory=list)
    ended: float = 0.0

    def window_of(self, moment: float) -> str:
        for name, (start, end) in self.windows.items():
            if start <= moment < end:
                return name
        return "calm"


class Probe(threading.Thread):
    """Calls GET /api/v2/runs every few hundred ms; each answer is filed under the window the
    request *started* in (a request started during an outage may end after it)."""

    def __init__(self, port: int, token: str, timeline: Timeline) -> None:
        super().__init__(daemon=True)
        self.url, self.token, self.timeline = f"http://127.0.0.1:{port}/api/v2/runs?limit=1", token, timeline
        self.answers: list[tuple[float, str]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(0.3):
            started = time.time()
            request = urllib.request.Request(self.url, headers={"Authorization": f"Token {self.token}"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    code = str(response.status)
            except urllib.error.HTTPError as error:
                code = str(error.code)
            except OSError as error:
                code = type(error).__name__
            self.answers.append((started, code))

    def by_window(self) -> dict[str, Counter]:
        grouped: dict[str, Counter] = {}
        for started, code in self.answers:
            grouped.setdefault(self.timeline.window_of(started), Counter())[code] += 1
        return grouped


def settings_env(size: dict, state: Path, latency: float) -> dict[str, str]:
    return {
        "HW_QUEUE_PREFIX": "hwchaos", "HW_LLM_MODELS": "handywriterz/offline", "HW_OFFLINE_MODEL_LATENCY": str(latency),
        "HW_STEP_LEASE_SECONDS": "4", "HW_DISPATCH_GRACE_SECONDS": "6", "HW_REAPER_INTERVAL_SECONDS": "1",
        "HW_BEAT_SCHEDULER": "celery.beat:PersistentScheduler", "HW_DELIVERABLES_DIR": str(state / "deliverables"),
        "HW_EMBED_CHUNKS_ON_WRITE": "false", "HW_DISTIL_LESSONS": "false", "HW_CELERY_TASK_EVENTS": "false",
        "HW_LANES": "4", "HW_DB_CONN_MAX_AGE": "60", "DJANGO_SETTINGS_MODULE": "handywriterz.settings",
    }


def setup_django(stack: PrivateStack) -> None:
    import os

    os.environ.update(stack.env())
    import django

    django.setup()


def db_call(function, default=None):
    """A query from the controller; during the PostgreSQL outage it fails and we try later."""
    from django.db import connection

    try:
        return function()
    except Exception:  # noqa: BLE001 - any database error while PostgreSQL is down
        connection.close()
        return default


def start_runs(count: int, users: int, sections: int) -> list[int]:
    from journeys import services

    owners = [services.get_user(f"chaos{index}") for index in range(users)]
    return [services.start_run(owners[index % users], "sketch", GOAL, words=60 * sections,
                               spec={"sections": sections}).pk for index in range(count)]


def wait_runs(run_ids: list[int], timeout: float) -> None:
    from journeys.models import Run

    deadline = time.monotonic() + timeout
    while Run.objects.filter(pk__in=run_ids, finished_at__isnull=True).exists():
        if time.monotonic() > deadline:
            raise SystemExit("chaos: the calm reference run did not finish")
        time.sleep(0.2)


def queued_messages(redis_url: str) -> int:
    """Messages Redis holds for us right now (lane and control queues, unacked): all lost when
    it restarts without persistence."""
    import redis

    client = redis.Redis.from_url(redis_url)
    queued = sum(client.llen(key) for key in client.scan_iter("hwchaos.*") if client.type(key) == b"list")
    return queued + client.hlen("unacked")


def outage(name: str, stack: PrivateStack, timeline: Timeline, seconds: float, processes: Processes,
           rng: random.Random, kill_every: float) -> None:
    """Stop a service, keep killing workers while it is down, start it again."""
    if name == "redis":
        timeline.messages_lost = queued_messages(stack.redis_url)
    start = time.time()
    stack.service("down", name)
    next_kill = time.monotonic() + kill_every
    while time.time() < start + seconds:
        if time.monotonic() >= next_kill and processes.kill_random_worker(rng):
            timeline.kills += 1
            next_kill = time.monotonic() + kill_every
        time.sleep(0.2)
    stack.service("up", name)
    timeline.windows[name] = (start, time.time())


def progress(run_ids: list[int]) -> tuple[int, int]:
    from journeys.models import Run, Step

    return Step.objects.filter(run_id__in=run_ids).count(), Run.objects.filter(pk__in=run_ids, finished_at__isnull=True).count()


def chaos_loop(run_ids: list[int], expected_steps: int, stack: PrivateStack, processes: Processes,
               size: dict, options, timeline: Timeline) -> bool:
    """Kill, restart Redis at ~25 % of the steps and PostgreSQL at ~55 %; True if every run ended."""
    rng = random.Random(options.seed)
    began = time.monotonic()
    deadline = began + size["timeout"]
    next_kill = began + rng.uniform(0.5, 1.5) * size["kill_every"]

    def due(share: float, steps: int, open_runs: int) -> bool:
        return steps >= share * expected_steps or open_runs == 0 or time.monotonic() - began >= share * size["timeout"]

    while time.monotonic() < deadline:
        steps, open_runs = db_call(lambda: progress(run_ids), (0, 1))
        if open_runs == 0 and "redis" in timeline.windows and "postgres" in timeline.windows:
            return True
        if time.monotonic() >= next_kill and open_runs and processes.kill_random_worker(rng):
            timeline.kills += 1
            next_kill = time.monotonic() + rng.uniform(0.5, 1.5) * size["kill_every"]
        if "redis" not in timeline.windows and due(0.25, steps, open_runs):
            outage("redis", stack, timeline, options.redis_down, processes, rng, size["kill_every"])
        elif "redis" in timeline.windows and "postgres" not in timeline.windows and due(0.55, steps, open_runs):
            outage("pg", stack, timeline, options.pg_down, processes, rng, size["kill_every"])
            timeline.windows["postgres"] = timeline.windows.pop("pg")
        timeline.workers_exited += processes.workers_exited()
        time.sleep(0.3)
    return False


def recovery_seconds(run_ids: list[int], back_at: float) -> float:
    """From a service being back to the first step committed after it."""
    from datetime import UTC, datetime

    from journeys.models import Step

    first = Step.objects.filter(run_id__in=run_ids, finished_at__gte=datetime.fromtimestamp(back_at, UTC)).order_by(
        "finished_at").values_list("finished_at", flat=True).first()
    return (first.timestamp() - back_at) if first else float("nan")


def api_token() -> str:
    from rest_framework.authtoken.models import Token

    from journeys import services

    return Token.objects.get_or_create(user=services.get_user("chaos0"))[0].key


def window_seconds(timeline: Timeline, name: str) -> float:
    start, end = timeline.windows.get(name, (0.0, 0.0))
    return round(end - start, 1)


def recovery(run_ids: list[int], timeline: Timeline, name: str) -> float:
    return round(recovery_seconds(run_ids, timeline.windows[name][1]), 1) if name in timeline.windows else float("nan")


def figures(run_ids, findings, timeline: Timeline, probe: Probe, size: dict, wall: float) -> dict:
    windows = probe.by_window()
    return {
        "runs": len(run_ids), "users": size["users"], "workers": size["workers"], "kills": timeline.kills,
        "workers_exited_on_their_own": len(timeline.workers_exited),
        "redis_down_seconds": window_seconds(timeline, "redis"),
        "messages_lost": timeline.messages_lost,
        "pg_down_seconds": window_seconds(timeline, "postgres"),
        "steps": findings.steps, "statuses": dict(findings.statuses), "unexpected_status": len(findings.unexpected_status),
        "duplicate_steps": findings.duplicate_steps, "seq_gaps": findings.seq_gaps,
        "lost_events": findings.lost_events, "duplicate_events": findings.duplicate_events + findings.orphan_events,
        "lost_side_effects": findings.lost_side_effects, "duplicate_side_effects": findings.duplicate_side_effects,
        "side_effects": dict(findings.side_effects), "diverged_runs": findings.diverged_runs,
        "wall_seconds": round(wall, 1),
        "recovery_after_redis_seconds": recovery(run_ids, timeline, "redis"),
        "recovery_after_pg_seconds": recovery(run_ids, timeline, "postgres"),
        "probes": {name: dict(codes) for name, codes in windows.items()},
        "problems": findings.problems[:20],
    }


def broken_promises(result: dict) -> list[str]:
    broken = [name for name in ("unexpected_status", "duplicate_steps", "seq_gaps", "lost_events", "duplicate_events",
                                "lost_side_effects", "duplicate_side_effects", "workers_exited_on_their_own") if result[name]]
    if any("500" in codes for codes in result["probes"].values()):
        broken.append("API answered 500")
    broken += [f"{name} was never restarted" for name in ("redis", "pg") if not result[f"{name}_down_seconds"]]
    if any(code != "200" for code in result["probes"].get("redis", {})):
        broken.append("API not served while Redis was down")
    return broken + (["problems"] if result["problems"] else [])


def print_figures(result: dict) -> None:
    probes = "; ".join(f"{name}: {dict(codes)}" for name, codes in sorted(result["probes"].items()))
    rows = [[label, str(result[key])] for label, key in (
        ("runs", "runs"), ("users", "users"), ("worker processes", "workers"), ("workers SIGKILLed", "kills"),
        ("workers that exited on their own", "workers_exited_on_their_own"), ("Redis down (s)", "redis_down_seconds"),
        ("messages lost with Redis", "messages_lost"), ("PostgreSQL down (s)", "pg_down_seconds"), ("steps", "steps"),
        ("run statuses", "statuses"), ("runs not in the expected status", "unexpected_status"),
        ("duplicate (run, seq)", "duplicate_steps"), ("runs with seq gaps", "seq_gaps"), ("lost events", "lost_events"),
        ("duplicated events", "duplicate_events"), ("side effects (checked)", "side_effects"),
        ("lost side effects", "lost_side_effects"), ("duplicated side effects", "duplicate_side_effects"),
        ("runs whose path diverged (checked structurally)", "diverged_runs"), ("wall time (s)", "wall_seconds"),
        ("recovery: first step after Redis back (s)", "recovery_after_redis_seconds"),
        ("recovery: first step after PostgreSQL back (s)", "recovery_after_pg_seconds"))]
    rows.append(["API probes by window they started in", probes])
    print_table("Chaos run (private PostgreSQL + Redis; offline model)", ["figure", "value"], rows)
    for problem in result["problems"]:
        print("  problem:", problem)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="chaos run on a private stack")
    parser.add_argument("--ci", action="store_true", help="the CI size (about 4 minutes)")
    parser.add_argument("--runs", type=int)
    parser.add_argument("--users", type=int)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--latency", type=float, default=0.2, help="offline model latency per call (s)")
    parser.add_argument("--redis-down", type=float, default=6.0)
    parser.add_argument("--pg-down", type=float, default=6.0)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the state dir (logs, data) afterwards")
    return parser.parse_args()


def run_chaos(options, size: dict, stack: PrivateStack, processes: Processes) -> dict:
    stack.migrate()
    setup_django(stack)
    from chaos_checks import check_all, signature

    from journeys.models import Run

    processes.start_workers(size["workers"])
    processes.start_beat()
    web_port = free_port()
    processes.start_web(web_port)
    reference_id = start_runs(1, 1, size["sections"])[0]
    wait_runs([reference_id], 180)
    reference, expected_status = signature(reference_id), Run.objects.get(pk=reference_id).status
    timeline = Timeline()
    probe = Probe(web_port, api_token(), timeline)
    probe.start()
    run_ids = start_runs(size["runs"], size["users"], size["sections"])
    ended = chaos_loop(run_ids, len(reference.nodes) * len(run_ids), stack, processes, size, options, timeline)
    wall = time.time() - timeline.began
    probe.stopping.set()
    probe.join(15)
    if not ended:
        print(f"chaos: not every run ended within {size['timeout']} s")
    findings = check_all(run_ids, reference, expected_status)
    return figures(run_ids, findings, timeline, probe, size, wall)


def stop_on_term(signum, frame) -> None:
    raise SystemExit(f"chaos: stopped by signal {signum}")


def main() -> int:
    signal.signal(signal.SIGTERM, stop_on_term)  # run the cleanup (private services) on a timeout
    options = parse()
    size = dict(SIZES["ci" if options.ci else "full"])
    size.update({key: value for key in ("runs", "users", "workers") if (value := getattr(options, key))})
    state = Path(tempfile.mkdtemp(prefix="hw-chaos-"))
    (state / "logs").mkdir()
    stack = PrivateStack(state, settings_env(size, state, options.latency))
    processes = Processes(stack, state / "logs", concurrency=2)
    stack.service("up")
    try:
        result = run_chaos(options, size, stack, processes)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the cleanup
        processes.stop_all()
        stack.service("down")
        print(f"chaos: logs in {state / 'logs'}" if options.keep else "")
        if not options.keep:
            shutil.rmtree(state, ignore_errors=True)
    print_figures(result)
    if options.json:
        options.json.write_text(json.dumps(result, indent=2, default=str))
    broken = broken_promises(result)
    print("chaos: every promise kept" if not broken else f"chaos: BROKEN: {', '.join(broken)}")
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
