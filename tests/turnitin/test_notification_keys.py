"""A notification email re-sent after a crash (handed to the mail server, not yet marked sent)
is the same message: its Message-ID comes from the notification row, its idempotency key."""
from __future__ import annotations

from tests.turnitin.conftest import run_at_handoff
from turnitin.models import Notification
from turnitin.notifications import send_notifications


def test_a_notification_sent_again_after_a_crash_keeps_its_message_id(student, checker, mailoutbox):
    # given a run handed to the checkers: its notifications were sent after the step committed
    run = run_at_handoff(student)
    sent = list(Notification.objects.filter(cycle__run=run, sent_at__isnull=False))
    assert sent and len(mailoutbox) == len(sent)
    first_ids = {message.to[0]: message.extra_headers["Message-ID"] for message in mailoutbox}

    # when a sender died after sending and before marking them sent, and the sweep sends again
    Notification.objects.filter(pk__in=[row.pk for row in sent]).update(sent_at=None)
    assert send_notifications([row.pk for row in sent]) == len(sent)

    # then each repeat has the Message-ID of its first sending, and the ids differ per notification
    again = {message.to[0]: message.extra_headers["Message-ID"] for message in mailoutbox[len(sent):]}
    assert again == first_ids
    assert len(set(first_ids.values())) == len(sent)
