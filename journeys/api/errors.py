"""API errors: a service's InvalidRequest is the client's mistake (400, or 409 when the run is in
the wrong state for an action), never a 500."""
from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from journeys.requests import InvalidRequest, RunNotFound


def exception_handler(exc, context):
    if isinstance(exc, RunNotFound):
        return Response({"detail": str(exc)}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, InvalidRequest):
        view = context.get("view")
        code = getattr(view, "invalid_request_status", status.HTTP_400_BAD_REQUEST)
        return Response({"detail": str(exc)}, status=code)
    return drf_exception_handler(exc, context)
