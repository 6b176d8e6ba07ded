import pytest

from tests.portal.browser import browser_page, chromium, shots  # noqa: F401 - fixtures
from tests.portal.people import people  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Django's default hasher takes most of a second per password on this machine: these tests
    create and log in many users, and test authorization, not hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
