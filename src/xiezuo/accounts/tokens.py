"""API token material: a random key shown once, and the digest that is stored instead of it."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "xz_"
PREFIX_SHOWN = 10  # "xz_" and 7 random characters: enough to tell one's tokens apart, useless to guess
DEFAULT_DAYS = 90
MAX_DAYS = 365


def new_key() -> str:
    """`xz_` and 32 random bytes (base64url): recognisable by secret scanners, unguessable."""
    return PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()
