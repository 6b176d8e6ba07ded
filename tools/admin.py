"""Operators' view of tools: versions with their diffs and provenance, repair attempts, and the
action "revert to this version" (tools.services.activate_version)."""
from __future__ import annotations

from django.contrib import admin, messages

from tools.models import RepairAttempt, Tool, ToolVersion
from tools.services import ToolServiceError, activate_version


class ToolVersionInline(admin.TabularInline):
    model = ToolVersion
    extra = 0
    can_delete = False
    fields = ("number", "status", "created_by", "why", "parent", "created_at", "activated_at")
    readonly_fields = fields
    show_change_link = True


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "description")
    inlines = [ToolVersionInline]


@admin.register(ToolVersion)
class ToolVersionAdmin(admin.ModelAdmin):
    list_display = ("tool", "number", "status", "created_by", "run_id", "created_at", "activated_at")
    list_filter = ("status", "tool__kind")
    search_fields = ("tool__name", "why", "created_by")
    list_select_related = ("tool",)
    readonly_fields = [field.name for field in ToolVersion._meta.fields]
    actions = ["revert_to_version"]

    @admin.action(description="Revert to this version (make it the active one)")
    def revert_to_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one version to revert to.", messages.ERROR)
            return
        try:
            version = activate_version(queryset.get().pk, by=f"operator:{request.user.get_username()}",
                                       why="reverted from the admin")
        except ToolServiceError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"{version.tool.name} v{version.number} is now active.", messages.SUCCESS)


@admin.register(RepairAttempt)
class RepairAttemptAdmin(admin.ModelAdmin):
    list_display = ("tool", "from_version", "number", "failure_kind", "outcome", "passed", "run_id", "created_at")
    list_filter = ("outcome", "passed")
    list_select_related = ("tool", "from_version")
    readonly_fields = [field.name for field in RepairAttempt._meta.fields]
