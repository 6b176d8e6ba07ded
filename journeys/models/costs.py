"""Cost accounting: every try at an outside provider, with its tokens and cost."""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from journeys.models.runs import Run


class CallOutcome(models.TextChoices):
    OK = "ok"
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    CONTEXT_WINDOW = "context_window"
    FAILOVER = "failover"
    PERMANENT = "permanent"


class ProviderCall(models.Model):
    """One try at one outside provider (an LLM deployment, later a paid tool): the cost ledger
    operators read, per run, per user, per provider. Written with the step that made the call
    (journeys.adaptive.store_calls); a step whose result was discarded still has its calls
    written, because the provider was paid all the same."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="provider_calls")
    # Denormalised from the run so per-user aggregates need no join.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_calls")
    seq = models.IntegerField()
    kind = models.CharField(max_length=10, default="llm")
    provider = models.CharField(max_length=80)
    deployment = models.CharField(max_length=120)
    model = models.CharField(max_length=200)
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices)
    prompt_tokens = models.IntegerField(default=0)
    completion_tokens = models.IntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=12, decimal_places=6, default=Decimal("0"))
    latency_ms = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(help_text="When the try was sent, after its rate-limit grant.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["run", "seq"], name="call_run_seq"),
            models.Index(fields=["user", "created_at"], name="call_user_created"),
            models.Index(fields=["provider", "created_at"], name="call_provider_created"),
        ]

    def __str__(self) -> str:
        return f"{self.deployment} {self.outcome} ${self.cost_usd} (run {self.run_id} step {self.seq})"
