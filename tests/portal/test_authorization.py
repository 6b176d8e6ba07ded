"""The authorization matrix: every named route of the portal and the API (walked from the URL
conf, so a new route without a rule or a probe fails here) x (anonymous, another student, the
run's owner, a checker, an operator) -> only the expected visitors succeed.

EXPECTED below is written by hand, independently of journeys.access.RULES: the test checks both
that the rules say what we mean and that the views enforce them."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys import access
from journeys.models import Artifact, Run
from tests.portal.people import PASSWORD, ROLES, People, queued_run, waiting_run
from tests.portal.urlconf import every_pattern
from tests.turnitin.conftest import SECTIONS, report_pdf, run_at_handoff, sentence_of
from turnitin.models import CycleStatus, TurnitinCycle

EVERYONE = frozenset(ROLES)
SIGNED_IN = frozenset({"other", "owner", "checker", "operator"})
OWNER_AND_OPERATOR = frozenset({"owner", "operator"})
OWNER = frozenset({"owner"})
OPERATOR = frozenset({"operator"})
CHECKER_AND_OPERATOR = frozenset({"checker", "operator"})
NOBODY = frozenset()
GOVERNED_NAMESPACES = {"portal", "api", "turnitin", "turnitin_api"}
# Routes this project added to the admin (the admin's stock pages are Django's own business).
ADMIN_ROUTES = {
    "admin:journeys_run_costs", "admin:journeys_run_control", "admin:journeys_run_raise_budget", "admin:journeys_run_fork",
    "admin:journeys_run_policies",
}

EXPECTED: dict[str, frozenset[str]] = {
    "portal:home": EVERYONE,
    "portal:signup": EVERYONE,
    "portal:login": EVERYONE,
    "portal:logout": SIGNED_IN,
    "portal:run-list": SIGNED_IN,
    "portal:run-new": SIGNED_IN,
    "portal:run-detail": OWNER_AND_OPERATOR,
    "portal:run-panels": OWNER_AND_OPERATOR,
    "portal:run-pause": OWNER_AND_OPERATOR,
    "portal:run-resume": OWNER_AND_OPERATOR,
    "portal:run-abort": OWNER_AND_OPERATOR,
    "portal:run-answer": OWNER,
    "portal:run-download": OWNER_AND_OPERATOR,
    "api:schema": EVERYONE,
    "api:docs": EVERYONE,
    "api:redoc": EVERYONE,
    "api:token": EVERYONE,
    "api:run-list": SIGNED_IN,
    "api:run-detail": OWNER_AND_OPERATOR,
    "api:run-events": OWNER_AND_OPERATOR,
    "api:run-pause": OWNER_AND_OPERATOR,
    "api:run-resume": OWNER_AND_OPERATOR,
    "api:run-abort": OWNER_AND_OPERATOR,
    "api:run-answer": OWNER,
    "api:run-artifacts": OWNER_AND_OPERATOR,
    "api:run-artifact-download": OWNER_AND_OPERATOR,
    "turnitin:queue": CHECKER_AND_OPERATOR,
    "turnitin:claim": CHECKER_AND_OPERATOR,
    "turnitin:job": CHECKER_AND_OPERATOR,
    "turnitin:draft": CHECKER_AND_OPERATOR,
    "turnitin:upload": CHECKER_AND_OPERATOR,
    "turnitin:release": CHECKER_AND_OPERATOR,
    "turnitin_api:status": frozenset({"owner", "checker", "operator"}),
    "turnitin_api:webhook": NOBODY,  # only requests signed with the webhook secret
    "admin:journeys_run_costs": OPERATOR,
    "admin:journeys_run_policies": OPERATOR,
    "admin:journeys_run_control": OPERATOR,
    "admin:journeys_run_raise_budget": OPERATOR,
    "admin:journeys_run_fork": OPERATOR,
}


def named_routes() -> set[str]:
    """Every named route in the URL conf, as namespace:name."""
    return {name for name, _, _ in every_pattern() if name}


def governed_routes() -> set[str]:
    routes = named_routes()
    return {name for name in routes if not name.startswith("admin:")} | (routes & ADMIN_ROUTES)


@dataclass
class Request:
    method: str
    url: str
    data: dict | None = None


def run_of(people: People, kind: str = "queued") -> Run:
    run = waiting_run(people.owner) if kind == "waiting" else queued_run(people.owner)
    if kind == "paused":
        Run.objects.filter(pk=run.pk).update(status="paused")
    if kind == "with_file":
        Artifact.objects.create(
            run=run, name="deliverable", version=1, content="# Essay", size=7, sha256="0" * 64, path="/x/essay.md"
        )
    return run


def cycle_of(people: People, claimed: bool = True) -> TurnitinCycle:
    """A Turnitin cycle of the owner's run (handed off by the real handoff node), claimed by the checker."""
    run = run_at_handoff(people.owner)
    cycle = TurnitinCycle.objects.get(run=run)
    if claimed:
        now = timezone.now()
        TurnitinCycle.objects.filter(pk=cycle.pk).update(
            status=CycleStatus.AWAITING_REPORT, checker=people.checker, claimed_at=now, claim_expires_at=now + timedelta(hours=1)
        )
    cycle.refresh_from_db()
    return cycle


def report_upload(people: People) -> Request:
    cycle = cycle_of(people)
    texts = [text for _, text in SECTIONS]
    report = SimpleUploadedFile("report.pdf", report_pdf(cycle, texts, {sentence_of(texts[0], 1): 1}), "application/pdf")
    return Request("post", f"/turnitin/jobs/{cycle.pk}/report/", {"report": report, "submission_id": f"s-{cycle.pk}"})


def answer(people: People) -> dict:
    return {"q1": "Kenya", "q2": "Yes"}


# route -> what a visitor sends to use it (the run is the owner's, fresh for each visitor).
PROBES: dict[str, Callable[[People], Request]] = {
    "portal:home": lambda p: Request("get", "/"),
    "portal:signup": lambda p: Request("get", "/accounts/signup/"),
    "portal:login": lambda p: Request("get", "/accounts/login/"),
    "portal:logout": lambda p: Request("post", "/accounts/logout/"),
    "portal:run-list": lambda p: Request("get", "/runs/"),
    "portal:run-new": lambda p: Request("get", "/runs/new/"),
    "portal:run-detail": lambda p: Request("get", f"/runs/{run_of(p).pk}/"),
    "portal:run-panels": lambda p: Request("get", f"/runs/{run_of(p).pk}/panels/"),
    "portal:run-pause": lambda p: Request("post", f"/runs/{run_of(p).pk}/pause/"),
    "portal:run-resume": lambda p: Request("post", f"/runs/{run_of(p, 'paused').pk}/resume/"),
    "portal:run-abort": lambda p: Request("post", f"/runs/{run_of(p).pk}/abort/", {"reason": "test"}),
    "portal:run-answer": lambda p: Request("post", f"/runs/{run_of(p, 'waiting').pk}/answer/", answer(p)),
    "portal:run-download": lambda p: Request("get", f"/runs/{run_of(p, 'with_file').pk}/files/deliverable"),
    "api:schema": lambda p: Request("get", "/api/schema/"),
    "api:docs": lambda p: Request("get", "/api/docs/"),
    "api:redoc": lambda p: Request("get", "/api/redoc/"),
    "api:token": lambda p: Request("post", "/api/v2/auth/token", {"username": "owner", "password": PASSWORD}),
    "api:run-list": lambda p: Request("get", "/api/v2/runs"),
    "api:run-detail": lambda p: Request("get", f"/api/v2/runs/{run_of(p).pk}"),
    "api:run-events": lambda p: Request("get", f"/api/v2/runs/{run_of(p).pk}/events"),
    "api:run-pause": lambda p: Request("post", f"/api/v2/runs/{run_of(p).pk}/pause"),
    "api:run-resume": lambda p: Request("post", f"/api/v2/runs/{run_of(p, 'paused').pk}/resume"),
    "api:run-abort": lambda p: Request("post", f"/api/v2/runs/{run_of(p).pk}/abort", {"reason": "test"}),
    "api:run-answer": lambda p: Request("post", f"/api/v2/runs/{run_of(p, 'waiting').pk}/answer", {"answers": answer(p)}),
    "api:run-artifacts": lambda p: Request("get", f"/api/v2/runs/{run_of(p).pk}/artifacts"),
    "api:run-artifact-download": lambda p: Request("get", f"/api/v2/runs/{run_of(p, 'with_file').pk}/artifacts/deliverable"),
    "turnitin:queue": lambda p: Request("get", "/turnitin/"),
    "turnitin:claim": lambda p: Request("post", "/turnitin/claim/") if cycle_of(p, claimed=False) else None,
    "turnitin:job": lambda p: Request("get", f"/turnitin/jobs/{cycle_of(p).pk}/"),
    "turnitin:draft": lambda p: Request("get", f"/turnitin/jobs/{cycle_of(p).pk}/draft.docx"),
    "turnitin:upload": report_upload,
    "turnitin:release": lambda p: Request("post", f"/turnitin/jobs/{cycle_of(p).pk}/release/"),
    "turnitin_api:status": lambda p: Request("get", f"/api/v2/turnitin/{cycle_of(p).run_id}/status"),
    "turnitin_api:webhook": lambda p: Request("post", f"/api/v2/turnitin/{cycle_of(p).run_id}/report", {"report": "x"}),
    "admin:journeys_run_costs": lambda p: Request("get", "/admin/journeys/run/costs/"),
    "admin:journeys_run_policies": lambda p: Request("get", "/admin/journeys/run/policies/"),
    "admin:journeys_run_control": lambda p: Request("post", f"/admin/journeys/run/{run_of(p).pk}/control/pause/"),
    "admin:journeys_run_raise_budget": lambda p: Request(
        "post", f"/admin/journeys/run/{run_of(p).pk}/raise-budget/", {"tokens": 10}
    ),
    "admin:journeys_run_fork": lambda p: Request("post", f"/admin/journeys/run/{run_of(p).pk}/fork/0/"),
}


def client_as(people: People, role: str, route: str):
    user = people.user(role)
    if route.startswith(("api:", "turnitin_api:")):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client
    client = APIClient()  # a plain Django session client for pages
    if user is not None:
        client.force_login(user)
    return client


def denied(response) -> bool:
    """Refused: 401/403/404, or sent to a login page."""
    if response.status_code in {401, 403, 404}:
        return True
    return response.status_code == 302 and "/login/" in response["Location"]


def test_every_route_has_a_rule_an_expectation_and_a_probe():
    routes = governed_routes()
    governed = {name for name in routes if name.split(":")[0] in GOVERNED_NAMESPACES}
    assert governed - set(access.RULES) == set(), "routes without an access rule in journeys.access.RULES"
    assert set(access.RULES) - governed == set(), "rules for routes that no longer exist"
    assert routes - set(EXPECTED) == set(), "routes missing from the matrix's EXPECTED table"
    assert routes - set(PROBES) == set(), "routes without a probe"


def test_the_rules_say_what_the_matrix_expects():
    people_roles = {"anonymous": {"anonymous"}, "other": {"student"}, "owner": {"student"}, "checker": {"student", "checker"},
                    "operator": {"student", "operator"}}
    for route, rule in access.RULES.items():
        allowed = {role for role, roles in people_roles.items() if rule.roles & roles}
        if rule.run == access.OWNER:
            allowed &= {"owner"}
        elif rule.run == access.OWNER_OR_OPERATOR:
            allowed &= {"owner", "operator"}
        elif rule.run == access.OWNER_CHECKER_OR_OPERATOR:
            allowed &= {"owner", "checker", "operator"}
        assert allowed == EXPECTED[route], route


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_only_the_expected_visitors_succeed(route, people, settings):
    settings.HW_TURNITIN_WEBHOOK_SECRET = "a-webhook-secret-for-the-matrix"
    outcomes = {}
    for role in ROLES:
        request = PROBES[route](people)
        client = client_as(people, role, route)
        options = {"format": "json"} if route.startswith(("api:", "turnitin_api:")) else {}
        response = getattr(client, request.method)(request.url, request.data, **options)
        assert response.status_code < 500, f"{route} as {role}: {response.status_code}"
        outcomes[role] = not denied(response)
        if outcomes[role]:
            assert response.status_code in {200, 201, 302}, f"{route} as {role}: {response.status_code} {response.content[:300]!r}"
    allowed = {role for role, succeeded in outcomes.items() if succeeded}
    assert allowed == EXPECTED[route], f"{route}: succeeded for {sorted(allowed)}, expected {sorted(EXPECTED[route])}"


RUN_ROUTES = sorted(name for name in EXPECTED if "run_of" in PROBES[name].__code__.co_names)


@pytest.mark.parametrize("route", RUN_ROUTES)
def test_a_run_that_does_not_exist_is_404_even_for_owners_and_operators(route, people):
    request = PROBES[route](people)
    newest = Run.objects.order_by("-pk").first().pk
    missing = re.sub(rf"(/runs?/){newest}\b", r"\g<1>999999999", request.url)
    assert missing != request.url
    for role in ("operator",) if route in ADMIN_ROUTES else ("owner", "operator"):
        client = client_as(people, role, route)
        options = {"format": "json"} if route.startswith("api:") else {}
        response = getattr(client, request.method)(missing, request.data, **options)
        assert response.status_code == 404, f"{route} as {role}: {response.status_code}"


def test_every_url_pattern_outside_the_admin_is_a_named_route_of_the_matrix():
    # An unnamed pattern would have no rule (the portal and API refuse it: fail closed) and no
    # row in EXPECTED; a route in a namespace nobody governs would escape both. Neither may exist.
    unnamed = sorted(route for name, route, _ in every_pattern() if name is None and not route.startswith("admin/"))
    assert unnamed == [], f"URL patterns without a name (give each a name and a rule): {unnamed}"
    outside = sorted(
        name for name, route, _ in every_pattern()
        if name and not name.startswith("admin:") and name.split(":")[0] not in GOVERNED_NAMESPACES
    )
    assert outside == [], f"routes outside the governed namespaces {sorted(GOVERNED_NAMESPACES)}: {outside}"
    missing = sorted(governed_routes() - set(EXPECTED))
    assert missing == [], f"routes without a row in EXPECTED (decide who may use them): {missing}"


# Admin routes anyone may reach, and why that grants nothing.
ADMIN_PUBLIC = {
    "admin:login": "the operators' log-in form (throttled by django-axes like the portal's)",
    "admin:logout": "ends the visitor's own session",
}
DUMMY = {"int": 1, "id": 1, "str": "1", "path": "1", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def admin_urls() -> list[tuple[str, str]]:
    """(name, URL) of every admin route, its arguments filled with placeholders."""
    found = []
    for name, route, _ in every_pattern():
        if not route.startswith("admin/"):
            continue
        url = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda match: str(DUMMY.get(match.group(1) or "str", "1")), route)
        url = url.replace("^", "").replace("$", "")
        if "(" not in url and name not in ADMIN_PUBLIC:  # a regex catch-all has nothing to fill
            found.append((name or route, url))
    return found


def test_every_admin_route_is_for_operators_only(people):
    # given every admin URL (Django's stock pages and ours), as visitors who are not operators
    leaks = []
    for name, url in admin_urls():
        for role in ("anonymous", "other", "checker"):
            client = APIClient()
            if people.user(role) is not None:
                client.force_login(people.user(role))
            response = client.get(url)
            refused = response.status_code in {403, 404} or (
                response.status_code == 302 and "/admin/login/" in response["Location"]
            )
            if not refused:
                leaks.append(f"{name} {url} as {role}: {response.status_code}")
    # then each one is refused (sent to the admin's log-in, or 403/404)
    assert len(admin_urls()) > 20 and leaks == [], leaks
