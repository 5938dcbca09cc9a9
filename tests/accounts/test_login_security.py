"""Accounts security: argon2, login throttling, two-factor login, CSP and cookie settings."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from xiezuo.accounts import services, totp
from xiezuo.accounts.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password=PASSWORD, code="", ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password, "otp_code": code},
                       REMOTE_ADDR=ip)


def test_passwords_are_hashed_with_argon2(make_user):
    assert make_user("a").password.startswith("argon2$")


def test_five_failures_lock_the_account_from_that_address(make_user):
    make_user("clerk")
    client = Client()
    for _ in range(5):
        assert _login(client, "clerk", "wrong").status_code == 200
    # the right password is now refused from this address ...
    response = _login(client, "clerk")
    assert response.status_code == 200 and "15" in response.content.decode()
    # ... but accepted from another one
    assert _login(Client(), "clerk", ip="10.0.0.2").status_code == 302


def test_success_resets_the_failure_count(make_user):
    make_user("clerk")
    client = Client()
    for _ in range(4):
        _login(client, "clerk", "wrong")
    assert _login(client, "clerk").status_code == 302
    for _ in range(4):
        _login(Client(), "clerk", "wrong")
    assert _login(Client(), "clerk").status_code == 302


def test_two_factor_login_for_an_administrator(make_user):
    admin = make_user("root", role="admin", is_staff=True, is_superuser=True)
    secret = services.totp_begin(user=admin)
    services.totp_enable(user=admin, code=pyotp.TOTP(secret).now())
    assert AuditEntry.objects.filter(action="accounts.user.totp_enabled").exists()
    # password alone is not enough
    assert _login(Client(), "root").status_code == 200
    assert _login(Client(), "root", code="000000").status_code == 200
    # password and a code of a later step than the one used to enable log in (codes are single-use)
    assert _login(Client(), "root", code=pyotp.TOTP(secret).at(time.time() + 30)).status_code == 302


def test_two_factor_setup_page(make_user):
    user = make_user("root", role="admin")
    client = Client()
    client.force_login(user)
    client.post("/accounts/two-factor/", {"op": "begin"})
    user.refresh_from_db()
    secret = totp.secret_of(user)
    assert secret and not user.totp_enabled and secret not in user.totp_secret_enc
    client.post("/accounts/two-factor/", {"op": "confirm", "code": pyotp.TOTP(secret).now()})
    user.refresh_from_db()
    assert user.totp_enabled


def test_admin_login_goes_through_the_throttled_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_security_headers_and_cookies(make_user, client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
