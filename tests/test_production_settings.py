"""Production settings, each in a subprocess with its own environment (settings are read once per
process): `manage.py check --deploy` is clean, HTTPS turns on secure cookies, HSTS and the
redirect, and a missing SECRET_KEY stops the process with a clear message (docs/security.md)."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, subprocess_env

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-key-of-sixty-random-characters-0f3e9a7c5b1d2e4f6a8c",
    "HW_SITE_URL": "https://handywriterz.example.org",
    "ALLOWED_HOSTS": "handywriterz.example.org",
    "HW_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}
PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({name: getattr(s, name, None)"
    " for name in ('SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE',"
    " 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER',"
    " 'CSRF_TRUSTED_ORIGINS', 'DEBUG')}))"
)


# Set by the browser tests for Playwright's event loop in this process; never by production.
TEST_ONLY = {"HW_HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {key: value for key, value in subprocess_env().items() if key not in PRODUCTION and key not in TEST_ONLY}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, "DJANGO_SETTINGS_MODULE": "handywriterz.settings", **env},
        capture_output=True, text=True, timeout=300,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_https_turns_on_secure_cookies_hsts_and_the_redirect_behind_the_proxy():
    production = json.loads(run_python(["-c", PRINT_SETTINGS], PRODUCTION).stdout)
    assert production == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax", "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "CSRF_TRUSTED_ORIGINS": ["https://handywriterz.example.org"], "DEBUG": False,
    }
    # the embedded default (plain HTTP on 127.0.0.1) keeps cookies usable without TLS
    local = json.loads(run_python(["-c", PRINT_SETTINGS], {"SECRET_KEY": PRODUCTION["SECRET_KEY"]}).stdout)
    assert local["SESSION_COOKIE_SECURE"] is False and local["SECURE_SSL_REDIRECT"] is False
    assert local["SECURE_HSTS_SECONDS"] == 0 and local["SECURE_PROXY_SSL_HEADER"] is None


def test_without_a_secret_key_the_process_stops_with_a_clear_message():
    result = run_python(["manage.py", "check"], {**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "Traceback" not in result.stderr
