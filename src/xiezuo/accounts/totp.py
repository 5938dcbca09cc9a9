"""Optional TOTP second factor (RFC 6238, 30-second steps, 6 digits) with pyotp.

A code is good once: the time step of the last accepted code is stored per user
(`User.totp_last_step`) and only a later step is accepted (RFC 6238 §5.2), so a code seen
over a shoulder or in a proxy log cannot be replayed within its validity window.
"""

from __future__ import annotations

import time

import pyotp
from django.db.models import Q

from . import crypto

ISSUER = "Xiezuo"
STEP_SECONDS = 30
VALID_WINDOW = 1  # one step either side, for clock drift


def new_secret() -> str:
    return pyotp.random_base32()


def secret_of(user) -> str:
    return crypto.decrypt(user.totp_secret_enc) if user.totp_secret_enc else ""


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step (within the window) whose code is `code`, or None."""
    code = (code or "").strip().replace(" ", "")
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    otp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(code, otp.generate_otp(step)):
            return step
    return None


def verify(secret: str, code: str) -> bool:
    """Whether `code` is valid now, without using it up (setup only; logins use `consume`)."""
    return matching_step(secret, code) is not None


def consume(user, code: str, *, secret: str | None = None) -> bool:
    """Accept `code` for `user` at most once: its step must be later than the last accepted one.

    The check and the write are one conditional UPDATE, so two requests racing with the same
    code cannot both win, on any database.
    """
    step = matching_step(secret_of(user) if secret is None else secret, code)
    if step is None:
        return False
    won = (user._meta.model._base_manager.filter(pk=user.pk)
           .filter(Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step))
           .update(totp_last_step=step))
    if won:
        user.totp_last_step = step
    return bool(won)


def required_for(user) -> bool:
    return bool(getattr(user, "totp_enabled", False) and getattr(user, "totp_secret_enc", ""))
