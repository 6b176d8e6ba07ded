"""Secrets never reach a log line or a stored row (docs/security.md, "Web").

The values to hide are settings.HW_SECRET_VALUES (every environment variable whose name says
it holds a secret, and passwords inside service URLs), plus shapes that are secrets wherever
they come from (provider API keys, bearer tokens), since an exception text may quote a key the
process never had in its environment. `scrub` cleans what the engine persists (events, steps,
artifacts, provider calls, status reasons); `RedactSecrets` cleans every log record.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings

MASK = "[redacted]"
# Provider key formats, masked whole; and values after a label that says "secret follows".
KEY_SHAPES = re.compile(r"\bsk-[A-Za-z0-9_-]{16,}|\bAIza[0-9A-Za-z_-]{30,}")
LABELLED = re.compile(r"(?i)(\bbearer\s+|\bapi[_-]?key\s*[=:]\s*|\bpassword\s*[=:]\s*)([^\s&'\",;]{8,})")


def scrub_text(text: str) -> str:
    """`text` with every known secret value and secret-shaped string replaced by MASK."""
    if not text:
        return text
    for value in settings.HW_SECRET_VALUES:
        if value in text:
            text = text.replace(value, MASK)
    return LABELLED.sub(lambda match: match.group(1) + MASK, KEY_SHAPES.sub(MASK, text))


def scrub(value: Any) -> Any:
    """`value` (str, or JSON-like dict / list nesting) with its strings scrubbed; others as they are."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(scrub(item) for item in value)
    return value


class RedactSecrets(logging.Filter):
    """Rewrites a record's message, exception text and stack with secrets masked (never drops it).

    Attached to handlers, so it sees records from every logger that reaches them; the formatted
    exception is cached on the record (exc_text), which the formatter then prints as it is."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logging's to report, not ours
            return True
        record.msg, record.args = scrub_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)
        return True


def redact_handlers(logger: logging.Logger) -> None:
    """Adds RedactSecrets to each of `logger`'s handlers (Celery installs its own at start-up)."""
    for handler in logger.handlers:
        if not any(isinstance(item, RedactSecrets) for item in handler.filters):
            handler.addFilter(RedactSecrets())
