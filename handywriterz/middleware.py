"""503 + Retry-After, not 500, while the database cannot be reached (PostgreSQL restarting,
failing over). The error is the platform's, not the client's, and it is transient: say so, and
tell the client when to try again. bench/chaos.py restarts PostgreSQL under API probes.

Two doors, one answer: the middleware's `process_exception` sees errors raised by a view; Django
turns an error raised anywhere else (a middleware's `process_view`, e.g. the route rules reading
the session, or a session saved on the way out) into a 500 before any outer middleware sees it,
so the 500 handler (`server_error`, handywriterz/urls.py) answers those.
"""
from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
MESSAGE = "The service is briefly unavailable (database unreachable); please retry in a few seconds."
DATABASE_DOWN = (OperationalError, InterfaceError)


def unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.warning("%s %s answered 503: database unavailable (%s)", request.method, request.path, error)
    # A broken connection must not be reused by the next request of this thread.
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        response = HttpResponse(MESSAGE, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler, called while the unhandled error is being handled."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_DOWN):
        return unavailable(request, error)
    return defaults.server_error(request)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return unavailable(request, exception) if isinstance(exception, DATABASE_DOWN) else None
