"""The named exceptions of adaptive IO. Callers branch on these, never on messages."""
from __future__ import annotations

from typing import Any


class AdaptiveIOError(RuntimeError):
    """Raised by adaptive IO itself (not by a provider); the retry loop never retries these."""


class DependencyUnavailable(AdaptiveIOError):
    """Every target is open, cooling down or rate limited for longer than the caller may wait.

    `wait_seconds` is how long until the earliest one may be tried again; `reasons` says why
    each target is unavailable. A node can turn `observation()` into something the Critic reads.
    """

    def __init__(self, names: list[str], wait_seconds: float, reasons: list[str]) -> None:
        self.names = names
        self.wait_seconds = wait_seconds
        self.reasons = reasons
        super().__init__(
            f"{', '.join(names)} unavailable for another {wait_seconds:.1f} s: " + "; ".join(reasons)
        )

    def observation(self) -> dict[str, Any]:
        return {"unavailable": self.names, "retry_in_seconds": round(self.wait_seconds, 1), "reasons": self.reasons}


class RetriesExhausted(AdaptiveIOError):
    """The retry cap of a step or of a run is used up (`scope` is "step" or "run")."""

    def __init__(self, scope: str, cap: int) -> None:
        self.scope = scope
        self.cap = cap
        super().__init__(f"the {scope}'s retry cap of {cap} retries is used up")
