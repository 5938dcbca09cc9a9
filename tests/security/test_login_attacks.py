"""Attacks on the login found on the demo: a replayed TOTP code, the second factor turned off
with a stolen session alone, and password spraying across many accounts from one address."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.core.cache import cache
from django.test import Client

from xiezuo.accounts import services, totp

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-only"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password=PASSWORD, code="", ip="10.9.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password, "otp_code": code},
                       REMOTE_ADDR=ip)


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code of a step within the accepted window (the current one is used by enabling)."""
    return pyotp.TOTP(secret).at(time.time() + steps_ahead * 30)


@pytest.fixture
def admin_with_2fa(make_user):
    user = make_user("root", role="admin", is_staff=True, is_superuser=True)
    secret = services.totp_begin(user=user)
    services.totp_enable(user=user, code=_code(secret))
    user.refresh_from_db()
    return user, secret


def test_a_code_logs_in_once(admin_with_2fa):
    _user, secret = admin_with_2fa
    code = _code(secret, 1)
    assert _login(Client(), "root", code=code).status_code == 302
    # the same code again, seconds later, from another address: refused
    replay = _login(Client(), "root", code=code, ip="10.9.0.2")
    assert replay.status_code == 200 and "_auth_user_id" not in replay.client.session
    # an older step than the last accepted one is refused too
    assert _login(Client(), "root", code=_code(secret, -1), ip="10.9.0.3").status_code == 200


def test_the_code_used_to_enable_cannot_log_in(make_user):
    user = make_user("root", role="admin")
    secret = services.totp_begin(user=user)
    code = _code(secret)
    services.totp_enable(user=user, code=code)
    assert _login(Client(), "root", code=code).status_code == 200


def test_a_stolen_session_cannot_turn_two_factor_off(admin_with_2fa):
    user, secret = admin_with_2fa
    stolen = Client()
    stolen.force_login(user)
    for op in ("disable", "replace", "begin"):
        stolen.post("/accounts/two-factor/", {"op": op})
        user.refresh_from_db()
        assert user.totp_enabled and totp.secret_of(user) == secret, op
    # the password without a code, or a reused code, is not enough either
    stolen.post("/accounts/two-factor/", {"op": "disable", "password": PASSWORD, "code": "000000"})
    user.refresh_from_db()
    assert user.totp_enabled
    # the admin's own change form does not offer the switch
    page = stolen.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200 and 'name="totp_enabled"' not in page.content.decode()
    # the owner, with password and a fresh code, can
    stolen.post("/accounts/two-factor/", {"op": "disable", "password": PASSWORD, "code": _code(secret, 1)})
    user.refresh_from_db()
    assert not user.totp_enabled and not user.totp_secret_enc


def test_reauthentication_failures_are_throttled(admin_with_2fa):
    user, secret = admin_with_2fa
    stolen = Client()
    stolen.force_login(user)
    for _ in range(5):  # guessing the password through the two-factor page
        stolen.post("/accounts/two-factor/", {"op": "disable", "password": "guess", "code": "123456"},
                    REMOTE_ADDR="10.9.0.1")
    page = stolen.post("/accounts/two-factor/", {"op": "disable", "password": PASSWORD, "code": _code(secret, 1)},
                       REMOTE_ADDR="10.9.0.1")
    user.refresh_from_db()
    assert user.totp_enabled and "15" in page.content.decode()


def test_spraying_many_accounts_from_one_address_locks_the_address(make_user):
    for i in range(9):
        make_user(f"clerk{i}")
    attacker = Client()
    for i in range(8):  # 32 wrong passwords, 4 per account: under the per-account limit
        for _ in range(4):
            _login(attacker, f"clerk{i}", "Winter2026!")
    # even the right password of an untouched account is refused from that address ...
    response = _login(attacker, "clerk8")
    assert response.status_code == 200 and "_auth_user_id" not in attacker.session
    assert response.context["form"].has_error("__all__", "address_locked")
    # ... while the same account logs in from elsewhere
    assert _login(Client(), "clerk8", ip="10.9.0.99").status_code == 302
