"""The SERVICE_FACTORIES entry "memory": what a node reads from memory (plain data only).

    memory.episode(max_chars=None) -> Episode      this run so far, bounded (agents.memory.episodic)
    memory.recall(node=, route=, contains=, limit=) what this run already tried, and what happened
    memory.lessons(topic=None, kinds=None, limit=3) lessons of similar earlier runs (other runs only)
    memory.profile() -> {style, level, fingerprint, guidance}   the student's profile
    memory.topic                                    the run's topic, as lessons are keyed
Writes (using a lesson) go back through the node's Outcome: agents.memory.apply.lesson_use_record.
"""
from __future__ import annotations

from typing import Any

from django.conf import settings

from agents.memory.episodic import Episode
from agents.memory.profile import guidance
from journeys.memory.episodes import episode_for_run, recall_steps
from journeys.memory.lessons import relevant_lessons, topic_of_run
from journeys.memory.profiles import profile_for
from journeys.models import Run


class MemoryService:
    def __init__(self, run: Run) -> None:
        self.run_id = run.pk
        self.user_id = run.user_id
        self.topic = topic_of_run(run)
        self.level = str((run.spec or {}).get("level") or "")

    def episode(self, max_chars: int | None = None) -> Episode:
        return episode_for_run(self.run_id, max_chars or settings.HW_EPISODE_CONTEXT_CHARS)

    def recall(self, *, node: str = "", route: str = "", contains: str = "", limit: int = 10) -> list[dict[str, Any]]:
        return recall_steps(self.run_id, node=node, route=route, contains=contains, limit=limit)

    def lessons(self, topic: str | None = None, kinds: list[str] | None = None, limit: int = 3) -> list[dict[str, Any]]:
        return relevant_lessons(topic or self.topic, kinds, limit, exclude_run=self.run_id)

    def profile(self) -> dict[str, Any]:
        profile = profile_for(self.user_id)
        if profile["fingerprint"]:
            profile["guidance"] = guidance(profile["fingerprint"], self.level or profile["level"])
        return profile


def memory_service(run: Run) -> MemoryService:
    return MemoryService(run)
