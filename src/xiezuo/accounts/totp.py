"""Optional TOTP second factor (RFC 6238, 30-second steps, 6 digits) with pyotp."""

from __future__ import annotations

import pyotp

from . import crypto

ISSUER = "Xiezuo"


def new_secret() -> str:
    return pyotp.random_base32()


def secret_of(user) -> str:
    return crypto.decrypt(user.totp_secret_enc) if user.totp_secret_enc else ""


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def verify(secret: str, code: str) -> bool:
    code = (code or "").strip().replace(" ", "")
    if not secret or not code.isdigit() or len(code) != 6:
        return False
    return pyotp.TOTP(secret).verify(code, valid_window=1)


def required_for(user) -> bool:
    return bool(getattr(user, "totp_enabled", False) and getattr(user, "totp_secret_enc", ""))
