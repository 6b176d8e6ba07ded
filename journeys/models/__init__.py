"""Journeys' models: runs and their checkpoints (runs.py), the evidence they cite (evidence.py),
what their provider calls cost (costs.py), long-term memory (memory.py)."""
from journeys.models.costs import CallOutcome, ProviderCall
from journeys.models.evidence import Chunk, Source
from journeys.models.memory import Lesson, LessonKind, LessonStatus, UserProfile
from journeys.models.runs import (
    PAUSABLE_STATUSES,
    STEPPABLE_STATUSES,
    TERMINAL_STATUSES,
    Artifact,
    Event,
    Run,
    RunStatus,
    Step,
)

__all__ = [
    "PAUSABLE_STATUSES",
    "STEPPABLE_STATUSES",
    "TERMINAL_STATUSES",
    "Artifact",
    "CallOutcome",
    "Chunk",
    "Event",
    "ProviderCall",
    "Lesson",
    "LessonKind",
    "LessonStatus",
    "Run",
    "RunStatus",
    "Source",
    "Step",
    "UserProfile",
]
