"""Emails to students and checkers through Django's email backend, via an outbox.

`queue_*` functions write Notification rows in the caller's transaction and arrange for them to be
sent after it commits; a message whose sending failed is retried by the sweep (a few attempts).
Sending never raises into the caller: a mail server being down must not stop a run or an upload.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlsafe_base64_encode

from turnitin.models import CHECKER_GROUP, Notification, TurnitinCycle

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def queue(cycle: TurnitinCycle, kind: str, recipients: list[str], subject: str, body: str) -> list[int]:
    rows = Notification.objects.bulk_create(
        Notification(cycle=cycle, kind=kind, recipient=address, subject=subject, body=body)
        for address in dict.fromkeys(recipients)
        if address
    )
    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: send_notifications(ids))
    return ids


def checker_emails() -> list[str]:
    users = get_user_model().objects.filter(groups__name=CHECKER_GROUP, is_active=True).exclude(email="")
    return list(users.values_list("email", flat=True))


def link(name: str, *args: object) -> str:
    return settings.HW_SITE_URL.rstrip("/") + reverse(name, args=args)


def notify_handoff(cycle: TurnitinCycle) -> None:
    queue(
        cycle,
        "job_queued",
        checker_emails(),
        f"New Turnitin check in the queue: {cycle.reference}",
        f"A draft of {cycle.draft_words} words is waiting for a Turnitin check (target ≤ {cycle.target_similarity:g}%).\n"
        f"Claim it at {link('turnitin:queue')}",
    )
    queue(
        cycle,
        "draft_sent",
        [cycle.run.user.email],
        f"Your draft is with a checker (check {cycle.number})",
        f"Your draft ({cycle.draft_words} words) has been sent for a Turnitin similarity check. "
        "Writing continues automatically when the report is in.",
    )


def notify_report(cycle: TurnitinCycle) -> None:
    parsed = cycle.parsed
    located = len(parsed.get("flagged", []))
    ai = f"; AI-writing indicator {cycle.ai_writing_score:g}% (information only)" if cycle.ai_writing_score is not None else ""
    queue(
        cycle,
        "report_received",
        [cycle.run.user.email],
        f"Turnitin report received: {cycle.observed_similarity:g}% similarity (check {cycle.number})",
        f"The report shows {cycle.observed_similarity:g}% overall similarity against a target of "
        f"{cycle.target_similarity:g}%{ai}. {located} flagged passage(s) were located in your draft; "
        "only those are revised, by genuine rewriting, quotation with citation or a better source.",
    )


def notify_released(cycle: TurnitinCycle, checker_email: str, why: str) -> None:
    queue(
        cycle,
        "claim_released",
        [checker_email],
        f"Your claim on {cycle.reference} was released",
        f"The job {cycle.reference} went back to the queue: {why}.",
    )


def message_id(notification: Notification) -> str:
    """The email's Message-ID, fixed by the notification row: its idempotency key. A worker that
    died after handing a message to the mail server and before marking it sent makes the sweep
    send it again; the repeat has the same Message-ID, so mail servers and clients that drop
    repeats of one Message-ID show it once (SMTP offers nothing stronger)."""
    host = urlsplit(settings.HW_SITE_URL).hostname or "handywriterz.local"
    created = urlsafe_base64_encode(notification.created_at.isoformat().encode()) if notification.created_at else "0"
    return f"<hw-notification-{notification.pk}.{created}@{host}>"


def send_notifications(ids: list[int]) -> int:
    """Send the unsent ones among `ids`; each is claimed by a conditional update first so two
    senders never both send it. Returns how many were sent."""
    sent = 0
    for notification in Notification.objects.filter(pk__in=ids, sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS):
        claimed = Notification.objects.filter(pk=notification.pk, sent_at__isnull=True, attempts=notification.attempts).update(
            attempts=F("attempts") + 1
        )
        if not claimed:
            continue
        try:
            EmailMessage(notification.subject, notification.body, None, [notification.recipient],
                         headers={"Message-ID": message_id(notification)}).send(fail_silently=False)
        except Exception as error:  # noqa: BLE001 - SMTP errors of every kind: retried by the sweep
            logger.warning("notification %s to %s not sent: %s", notification.pk, notification.recipient, error)
            Notification.objects.filter(pk=notification.pk).update(last_error=str(error)[:500])
            continue
        Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now(), last_error="")
        sent += 1
    return sent


def retry_unsent(older_than_seconds: int = 60, limit: int = 100) -> int:
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        Notification.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:limit]
    )
    return send_notifications(ids) if ids else 0
