"""Login throttling: after 5 failures for one username from one address, 15 minutes' lockout.

Kept in Django's cache (per process with the default local-memory cache; configure a
shared cache such as the database cache when running several worker processes).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

MAX_FAILURES = 5
LOCKOUT_SECONDS = 15 * 60


def _key(username: str, ip: str | None) -> str:
    raw = f"{(username or '').strip().lower()}|{ip or ''}".encode()
    return "xiezuo:login-failures:" + hashlib.sha256(raw).hexdigest()


def is_locked(username: str, ip: str | None) -> bool:
    return cache.get(_key(username, ip), 0) >= MAX_FAILURES


def failed(username: str, ip: str | None) -> int:
    key = _key(username, ip)
    cache.add(key, 0, LOCKOUT_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LOCKOUT_SECONDS)
        count = 1
    cache.touch(key, LOCKOUT_SECONDS)
    return count


def reset(username: str, ip: str | None) -> None:
    cache.delete(_key(username, ip))
