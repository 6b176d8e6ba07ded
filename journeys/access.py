"""Who may use which route: the authorization rules of the portal and the API, as data.

RULES maps every named route (its full view name, e.g. "api:run-detail") to a Rule. The portal
enforces them in RouteRulesMiddleware, the API in journeys.api.permissions.RouteRule; both fail
closed (a route with no rule answers 403), and tests/portal/test_authorization.py walks the URL
conf so that a new route without a rule fails the build.

Roles: every signed-in user is a student (they own their runs); members of the Group "checker"
are also checkers (they run Turnitin checks); staff users are operators (they run the service).
A run is visible to its owner and, where the rule says so, to operators; to anyone else it does
not exist (404, so run ids do not leak).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden

from journeys.models import Run

ANONYMOUS, STUDENT, CHECKER, OPERATOR = "anonymous", "student", "checker", "operator"
CHECKER_GROUP = "checker"
SIGNED_IN = frozenset({STUDENT, CHECKER, OPERATOR})
EVERYONE = SIGNED_IN | {ANONYMOUS}

# How a rule treats the run named in the URL (kwarg "run_id").
NO_RUN, OWNER, OWNER_OR_OPERATOR, OWNER_CHECKER_OR_OPERATOR = "", "owner", "owner_or_operator", "owner_checker_or_operator"


@dataclass(frozen=True)
class Rule:
    """`roles` may use the route at all; `run` narrows it to the run's owner (and operators)."""

    roles: frozenset[str]
    run: str = NO_RUN
    why: str = ""


PUBLIC = Rule(EVERYONE, why="landing, sign-up, log-in and API documentation")
SIGNED_IN_ONLY = Rule(SIGNED_IN, why="a user's own list and new runs")
RUN_VIEWERS = Rule(SIGNED_IN, OWNER_OR_OPERATOR, why="a run's owner, and operators who look after it")
RUN_OWNER = Rule(SIGNED_IN, OWNER, why="only the student whose run it is")
CHECKERS = Rule(frozenset({CHECKER, OPERATOR}), why="Turnitin checkers and operators")
# A checker's job pages: checkers and operators; the turnitin views also require the job to be
# claimed by the checker asking (turnitin.views.own_cycle).
CHECKER_JOBS = Rule(frozenset({CHECKER, OPERATOR}), why="the checker who claimed the job, and operators")
RUN_TURNITIN_STATUS = Rule(SIGNED_IN, OWNER_CHECKER_OR_OPERATOR, why="the run's owner, checkers and operators")
# Machine to machine: only a request signed with HW_TURNITIN_WEBHOOK_SECRET (turnitin.webhook).
SIGNED_WEBHOOK = Rule(frozenset(), why="requests signed with the webhook secret; no user role")
OPERATORS = Rule(frozenset({OPERATOR}), why="operators only")

RULES: dict[str, Rule] = {
    # Portal
    "portal:home": PUBLIC,
    "portal:signup": PUBLIC,
    "portal:login": PUBLIC,
    "portal:logout": SIGNED_IN_ONLY,
    "portal:run-list": SIGNED_IN_ONLY,
    "portal:run-new": SIGNED_IN_ONLY,
    "portal:run-detail": RUN_VIEWERS,
    "portal:run-panels": RUN_VIEWERS,
    "portal:run-pause": RUN_VIEWERS,
    "portal:run-resume": RUN_VIEWERS,
    "portal:run-abort": RUN_VIEWERS,
    "portal:run-answer": RUN_OWNER,
    "portal:run-download": RUN_VIEWERS,
    # API
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    "api:redoc": PUBLIC,
    "api:token": PUBLIC,
    "api:run-list": SIGNED_IN_ONLY,
    "api:run-detail": RUN_VIEWERS,
    "api:run-events": RUN_VIEWERS,
    "api:run-pause": RUN_VIEWERS,
    "api:run-resume": RUN_VIEWERS,
    "api:run-abort": RUN_VIEWERS,
    "api:run-answer": RUN_OWNER,
    "api:run-artifacts": RUN_VIEWERS,
    "api:run-artifact-download": RUN_VIEWERS,
    # Turnitin (the turnitin app's views; they enforce these themselves too)
    "turnitin:queue": CHECKERS,
    "turnitin:claim": CHECKERS,
    "turnitin:job": CHECKER_JOBS,
    "turnitin:draft": CHECKER_JOBS,
    "turnitin:upload": CHECKER_JOBS,
    "turnitin:release": CHECKER_JOBS,
    "turnitin_api:status": RUN_TURNITIN_STATUS,
    "turnitin_api:webhook": SIGNED_WEBHOOK,
}

# Namespaces whose routes RouteRulesMiddleware governs (the API governs itself through DRF,
# which authenticates tokens only inside the view).
MIDDLEWARE_NAMESPACES = frozenset({"portal", "turnitin"})


def roles_of(user) -> frozenset[str]:
    """The user's roles; remembered on the user object (one group query per request at most)."""
    if not user.is_authenticated:
        return frozenset({ANONYMOUS})
    cached = getattr(user, "_hw_roles", None)
    if cached is not None:
        return cached
    found = {STUDENT}
    if user.is_staff:
        found.add(OPERATOR)
    if user.groups.filter(name=CHECKER_GROUP).exists():
        found.add(CHECKER)
    user._hw_roles = frozenset(found)
    return user._hw_roles


def roles(request: HttpRequest) -> dict[str, frozenset[str]]:
    """Template context processor: `roles` of the visitor, so navigation shows only what they may use."""
    return {"roles": roles_of(request.user)}


def is_operator(user) -> bool:
    return OPERATOR in roles_of(user)


def rule_for(view_name: str) -> Rule | None:
    return RULES.get(view_name)


def role_allowed(rule: Rule, user) -> bool:
    return bool(rule.roles & roles_of(user))


def run_allowed(rule: Rule, user, run_owner_id: int) -> bool:
    """May `user` act on a run owned by `run_owner_id` under `rule`? (Role check done before.)"""
    if rule.run == NO_RUN:
        return True
    if user.is_authenticated and user.pk == run_owner_id:
        return True
    if rule.run == OWNER_CHECKER_OR_OPERATOR and CHECKER in roles_of(user):
        return True
    return rule.run in {OWNER_OR_OPERATOR, OWNER_CHECKER_OR_OPERATOR} and is_operator(user)


def runs_visible_to(user):
    """The runs a user may list: their own (operators use the admin to see everyone's)."""
    return Run.objects.filter(user_id=user.pk)


class RouteRulesMiddleware:
    """Applies RULES to the portal's routes before the view runs (fail closed)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.namespace not in MIDDLEWARE_NAMESPACES:
            return None
        rule = rule_for(match.view_name)
        if rule is None:
            return HttpResponseForbidden(f"no access rule for route {match.view_name!r}")
        if not role_allowed(rule, request.user):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            return HttpResponseForbidden("you may not use this page")
        if rule.run != NO_RUN:
            owner_id = Run.objects.filter(pk=view_kwargs.get("run_id")).values_list("user_id", flat=True).first()
            if owner_id is None or not run_allowed(rule, request.user, owner_id):
                raise Http404("no such run")
        return None
