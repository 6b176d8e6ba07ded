from django.contrib import admin

from journeys.models import Artifact, Event, Run, Step


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = ("seq", "node", "route", "attempt", "tokens", "cost_usd", "duration_seconds", "error")
    readonly_fields = fields
    show_change_link = True


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ("seq", "kind", "message", "created_at")
    readonly_fields = fields


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "journey", "status", "route", "seq", "used_tokens", "used_usd", "created_at")
    list_filter = ("status", "journey")
    search_fields = ("goal", "user__username")
    readonly_fields = ("seq", "attempt", "state", "lease_owner", "lease_expires_at", "used_tokens", "used_seconds", "used_usd")
    inlines = [StepInline, EventInline]


@admin.register(Step)
class StepAdmin(admin.ModelAdmin):
    list_display = ("run", "seq", "node", "route", "tokens", "duration_seconds")
    readonly_fields = [field.name for field in Step._meta.fields]


@admin.register(Artifact)
class ArtifactAdmin(admin.ModelAdmin):
    list_display = ("run", "name", "version", "kind", "size", "created_at")
    readonly_fields = [field.name for field in Artifact._meta.fields]
