"""Security headers Django 5.2 has no setting for: Content-Security-Policy (per path prefix,
from settings.HW_CSP) and Permissions-Policy. The others (HSTS, nosniff, Referrer-Policy,
Cross-Origin-Opener-Policy, X-Frame-Options) come from Django's own middleware and settings."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def csp_for(path: str) -> str:
    """The policy of the longest HW_CSP prefix that `path` starts with, as a header value."""
    prefix = max((prefix for prefix in settings.HW_CSP if path.startswith(prefix)), key=len, default="/")
    directives = settings.HW_CSP.get(prefix, {})
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Adds the headers unless the view set them itself (COOP: always ours)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = csp_for(request.path)
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", settings.HW_PERMISSIONS_POLICY)
        # drf-spectacular's Swagger UI relaxes this for OAuth pop-ups, which our API does not use.
        response.headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        return response
