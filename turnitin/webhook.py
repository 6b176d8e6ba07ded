"""The signature scheme of the external workbench's webhook (see docs/turnitin.md).

    X-HW-Timestamp: <unix seconds>
    X-HW-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw request body)>

A request is refused when the secret is not configured, a header is missing, the timestamp is
outside the tolerance window, or the signature does not match. The same signed request is
accepted once (WebhookReceipt); a sender retries with a fresh timestamp and signature, and the
submission id keeps that retry idempotent.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "HTTP_X_HW_SIGNATURE"
TIMESTAMP_HEADER = "HTTP_X_HW_TIMESTAMP"


class WebhookRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, tolerance: int, now: float | None = None) -> str:
    """The verified signature's hex digest (the replay key); WebhookRefused otherwise."""
    if not secret:
        raise WebhookRefused(503, "the Turnitin webhook is not configured on this server (HW_TURNITIN_WEBHOOK_SECRET)")
    if not timestamp or not signature:
        raise WebhookRefused(401, "missing X-HW-Timestamp or X-HW-Signature header")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookRefused(401, "X-HW-Timestamp must be whole unix seconds") from None
    skew = abs((now if now is not None else time.time()) - sent_at)
    if skew > tolerance:
        raise WebhookRefused(
            401, f"the request timestamp is {skew:.0f} s away from now; the window is {tolerance} s (replay protection)"
        )
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected, signature.strip()):
        raise WebhookRefused(401, "bad signature")
    return expected.removeprefix("sha256=")
