"""Web hardening (docs/security.md, "Web"): CSRF on every form, security headers, login
throttling (django-axes). The production settings (cookies, HSTS, check --deploy, SECRET_KEY)
are tested in tests/test_production_settings.py, in subprocesses with a production environment."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from journeys.models import Run
from tests.portal.people import PASSWORD
from tests.portal.test_authorization import ADMIN_ROUTES, PROBES, governed_routes
from tests.portal.urlconf import every_pattern

ROOT = Path(__file__).resolve().parents[2]

# Views that Django's CSRF check does not cover, and why that is safe. Any other exempt view fails.
CSRF_EXEMPT_BECAUSE = {
    "api:*": "DRF view: SessionAuthentication enforces CSRF for cookie-authenticated requests; "
    "TokenAuthentication needs no CSRF (the token is not sent by the browser on its own)",
    "turnitin_api:webhook": "machine to machine: no cookies, every request HMAC-signed with the webhook secret",
    "turnitin_api:status": "DRF view (as api:*)",
}
# Stock admin pages the CSRF walk posts to besides this project's own admin routes.
ADMIN_FORMS = {
    "admin:login": "/admin/login/",
    "admin:logout": "/admin/logout/",
    "admin:password_change": "/admin/password_change/",
    "admin:auth_user_add": "/admin/auth/user/add/",
    "admin:journeys_run_changelist": "/admin/journeys/run/",
}


def exemption_for(name: str) -> str | None:
    return CSRF_EXEMPT_BECAUSE.get(name) or (CSRF_EXEMPT_BECAUSE["api:*"] if name.startswith("api:") else None)


def test_no_view_skips_the_csrf_check_without_a_stated_reason():
    # given every URL pattern of the project, admin and unnamed ones included
    exempt = {name or f"/{route}" for name, route, callback in every_pattern() if getattr(callback, "csrf_exempt", False)}
    # then each view that skips Django's CSRF middleware is one we know about and can defend
    unexplained = sorted(name for name in exempt if exemption_for(name) is None)
    assert unexplained == [], f"CSRF-exempt views without a reason in CSRF_EXEMPT_BECAUSE: {unexplained}"
    assert {name for name in exempt if not name.startswith("api:")} <= set(CSRF_EXEMPT_BECAUSE)


def session_routes() -> list[str]:
    """Every portal, checker-workbench and operator route: browsers use them with a session cookie."""
    routes = {name for name in governed_routes() if name.split(":")[0] in {"portal", "turnitin"}} | ADMIN_ROUTES
    return sorted(routes | set(ADMIN_FORMS))


@pytest.mark.parametrize("route", session_routes())
def test_a_post_without_a_csrf_token_is_refused_on_every_session_route(route, people):
    # given a signed-in operator (or the run's owner, for the owner-only answer form) whose
    # browser enforces nothing, and a client that checks CSRF like a real deployment
    url = ADMIN_FORMS.get(route) or PROBES[route](people).url
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.owner if route == "portal:run-answer" else people.operator)
    runs_before = list(Run.objects.order_by("pk").values_list("pk", "status"))

    # when it POSTs to the route without the token (as a forged cross-site form would)
    response = client.post(url, {"reason": "forged", "q1": "x", "tokens": 10})

    # then the request is refused before the view runs and nothing changed
    assert response.status_code in {403, 405}, f"{route}: {response.status_code}"
    if response.status_code == 403:
        assert b"CSRF" in response.content, f"{route}: refused, but not by the CSRF check"
    assert list(Run.objects.order_by("pk").values_list("pk", "status")) == runs_before


def test_the_login_and_signup_forms_need_a_csrf_token(people):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "owner", "password": PASSWORD}).status_code == 403
    assert client.post("/accounts/signup/", {"username": "new"}).status_code == 403
    assert "_auth_user_id" not in client.session


def test_the_api_needs_csrf_with_a_session_cookie_but_not_with_a_token(people):
    run = PROBES["api:run-pause"](people)
    # given the owner's browser session (cookie) and, separately, the owner's API token
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(people.owner)
    token = APIClient(enforce_csrf_checks=True)
    token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=people.owner)[0].key}")
    # when each pauses the run without a CSRF token
    refused = browser.post(run.url, format="json")
    accepted = token.post(run.url, format="json")
    # then the cookie-authenticated request is refused, the token-authenticated one is not
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 200, accepted.content


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/docs/", "/admin/login/", "/api/v2/runs"])
def test_every_response_carries_the_security_headers(path, client, db):
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy and "default-src 'self'" in policy


def test_the_portal_policy_allows_no_inline_script_or_style(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(item.strip().split(" ", 1) for item in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"


INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=\"|<style\b|\son[a-z]+=\"", re.IGNORECASE)


def test_the_portal_and_workbench_templates_have_no_inline_script_or_style():
    # The admin's own templates are under /admin/, whose policy allows inline styles.
    templates = [path for path in (ROOT / "templates").rglob("*.html") if "admin" not in path.parts]
    offending = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in templates for match in INLINE.finditer(path.read_text())]
    assert templates and offending == [], offending


def log_in(client: Client, password: str, username: str = "owner", address: str = "198.51.100.7"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_failed_logins_lock_the_account_out_with_a_clear_message(people):
    client = Client()
    # given failed log-ins up to the limit: the form's error each time, the lockout at the last
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "wrong-password").status_code == 200
    assert log_in(client, "wrong-password").status_code == 429
    # when the right password is then tried from the same address
    response = log_in(client, PASSWORD)
    # then it is refused with 429 and a message saying what happened and when to retry
    text = response.content.decode()
    assert response.status_code == 429
    assert "Too many failed log-ins" in text and f"after {settings.AXES_FAILURE_LIMIT} failed attempts" in text
    assert "Try again in 15 minutes" in text
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_username_and_address(people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), "wrong-password")
    # the same student from another address, and another student from the same address, still get in
    assert log_in(Client(), PASSWORD, address="203.0.113.9").status_code == 302
    assert log_in(Client(), PASSWORD, username="other").status_code == 302


def test_a_forged_x_forwarded_for_does_not_escape_the_lockout(people):
    # given no trusted proxy (the default): every failure claims another address in the header
    for number in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": "owner", "password": "wrong-password"},
                      REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    # then the account is locked for the real address whatever the header says next
    response = Client().post("/accounts/login/", {"username": "owner", "password": PASSWORD},
                             REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_lockout_follows_the_forwarded_client(people, settings):
    # given one trusted proxy (10.0.0.1) that appends the address it received each request from
    settings.HW_TRUSTED_PROXY_COUNT = 1

    def through_proxy(password: str, forwarded: str):
        return Client().post("/accounts/login/", {"username": "owner", "password": password},
                             REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    # when one client fails to the limit, forging an extra address on the left each time
    for number in range(settings.AXES_FAILURE_LIMIT):
        through_proxy("wrong-password", f"192.0.2.{number}, 198.51.100.7")

    # then that client is locked out whatever it forges, and another client behind the same proxy is not
    assert through_proxy(PASSWORD, "192.0.2.99, 198.51.100.7").status_code == 429
    assert through_proxy(PASSWORD, "203.0.113.9").status_code == 302


def test_anonymous_api_buckets_key_on_the_client_address_not_on_a_forged_header(settings):
    from rest_framework.test import APIRequestFactory

    from journeys.api.throttling import AnonThrottle

    forged = APIRequestFactory().get("/api/v2/runs", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert AnonThrottle().get_ident(forged) == "198.51.100.7"
    settings.HW_TRUSTED_PROXY_COUNT = 1
    proxied = APIRequestFactory().get("/api/v2/runs", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7")
    assert AnonThrottle().get_ident(proxied) == "198.51.100.7"
    garbage = APIRequestFactory().get("/api/v2/runs", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    assert AnonThrottle().get_ident(garbage) == "10.0.0.1"


def test_a_successful_login_resets_the_failure_count(people):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong-password")
    assert log_in(client, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    # then as many failures again as before do not lock the account: the count started over
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "wrong-password")
    assert log_in(client, PASSWORD).status_code == 302


def test_a_locked_out_account_gets_no_api_token_either(people):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), "wrong-password", address="127.0.0.1")
    response = APIClient().post("/api/v2/auth/token", {"username": "owner", "password": PASSWORD}, format="json")
    assert response.status_code in {400, 403, 429} and "token" not in response.json()
