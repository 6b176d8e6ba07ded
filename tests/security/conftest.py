import pytest

from tests.portal.people import people  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The security tests log in users; they test refusals, not hashing strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
