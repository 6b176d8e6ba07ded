"""Operators' view of cycles, checkers and the notification outbox."""

from __future__ import annotations

from django.contrib import admin, messages

from turnitin import services, sweep
from turnitin.models import CheckerProfile, Notification, TurnitinCycle


@admin.register(TurnitinCycle)
class TurnitinCycleAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "run",
        "status",
        "outcome",
        "target_similarity",
        "observed_similarity",
        "checker",
        "claim_expires_at",
        "created_at",
    )
    list_filter = ("status", "outcome")
    search_fields = ("reference", "run__id", "checker__username", "submission_id")
    list_select_related = ("run", "checker")
    readonly_fields = [field.name for field in TurnitinCycle._meta.fields]
    actions = ["release_claims", "cancel_cycles"]

    @admin.action(description="Release the claim (back to the queue)")
    def release_claims(self, request, queryset):
        for cycle in queryset:
            try:
                services.release_claim(cycle.pk, request.user, why=f"released by operator {request.user}")
            except services.CycleError as error:
                self.message_user(request, str(error), messages.WARNING)

    @admin.action(description="Cancel the check (the run continues without a report)")
    def cancel_cycles(self, request, queryset):
        closed = sum(sweep.cancel_cycle(cycle.pk, by=f"operator {request.user}") for cycle in queryset)
        self.message_user(request, f"{closed} check(s) cancelled")


@admin.register(CheckerProfile)
class CheckerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "max_active_claims", "active_claims")
    search_fields = ("user__username", "user__email")

    @admin.display(description="Jobs held now")
    def active_claims(self, profile: CheckerProfile) -> int:
        return TurnitinCycle.objects.filter(checker=profile.user, status="awaiting_report").count()


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "subject", "created_at", "sent_at", "attempts")
    list_filter = ("kind",)
    readonly_fields = [field.name for field in Notification._meta.fields]
