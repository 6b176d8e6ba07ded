"""DRF side of journeys.access: the same RULES, applied after DRF authenticated the request."""
from __future__ import annotations

from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from journeys import access
from journeys.models import Run


def view_name(request) -> str:
    match = request.resolver_match
    return match.view_name if match else ""


class RouteRule(BasePermission):
    """Role check per route; object check for the run (others' runs answer 404, not 403)."""

    message = "you may not use this endpoint"

    def has_permission(self, request, view) -> bool:
        rule = access.rule_for(view_name(request))
        return rule is not None and access.role_allowed(rule, request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        rule = access.rule_for(view_name(request))
        run = obj if isinstance(obj, Run) else obj.run
        if rule is None or not access.run_allowed(rule, request.user, run.user_id):
            raise NotFound("no such run")
        return True
