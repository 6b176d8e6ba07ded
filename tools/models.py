"""Tools grown at run time: a Tool and its versions, and the SelfDebugger's repair attempts.

At most one version of a tool is active (a partial unique constraint). A patched version names
its parent and carries the diff; operators revert by activating an older version (admin action).
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q


class ToolKind(models.TextChoices):
    CODE = "code", "sandboxed code"
    OPENAPI = "openapi", "OpenAPI operation"
    MCP = "mcp", "MCP server tool"


class ToolStatus(models.TextChoices):
    CANDIDATE = "candidate"
    ACTIVE = "active"
    RETIRED = "retired"


class Tool(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=ToolKind.choices)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ToolVersion(models.Model):
    """One immutable implementation of a tool: spec, code or binding, tests and where it came from."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ToolStatus.choices, default=ToolStatus.CANDIDATE)
    spec = models.JSONField(help_text="name, description, arguments and result JSON schemas, timeout, hosts")
    code = models.TextField(blank=True, help_text="Python source defining run(arguments, http); runs only in the sandbox")
    binding = models.JSONField(default=dict, blank=True, help_text="OpenAPI operation or MCP server + tool")
    tests = models.JSONField(default=list, blank=True)
    provenance = models.JSONField(default=dict, blank=True, help_text="source document, run and step that made it")
    created_by = models.CharField(max_length=200, help_text="operator:NAME or agent:NODE")
    why = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    diff = models.TextField(blank=True, help_text="unified diff against the parent's code")
    run_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    step_seq = models.IntegerField(null=True, blank=True)
    status_note = models.TextField(blank=True, help_text="who changed the status last, when and why")
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tool", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "number"], name="tool_version_number_unique"),
            models.UniqueConstraint(fields=["tool"], condition=Q(status="active"), name="tool_one_active_version"),
        ]

    def __str__(self) -> str:
        return f"{self.tool.name} v{self.number} ({self.status})"


class RepairAttempt(models.Model):
    """One SelfDebugger attempt: the diff it tried and what the sandboxed tests said."""

    tool = models.ForeignKey(Tool, on_delete=models.CASCADE, related_name="repairs")
    from_version = models.ForeignKey(ToolVersion, on_delete=models.CASCADE, related_name="repairs")
    promoted_version = models.ForeignKey(ToolVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    run_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    step_seq = models.IntegerField(null=True, blank=True)
    number = models.PositiveIntegerField(help_text="attempt number within the step")
    failure_kind = models.CharField(max_length=16, help_text="drift or error")
    failure = models.JSONField(default=dict)
    diff = models.TextField(blank=True)
    passed = models.BooleanField(default=False)
    outcome = models.CharField(max_length=32, help_text="promoted, tests_failed, did_not_apply, no_patch")
    report = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "run_id", "step_seq", "number"], name="repair_attempt_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"repair of {self.tool.name} v{self.from_version.number}: {self.outcome}"
