"""Login throttling, two counters over a 15-minute window:

- 5 failures for one username from one address lock that username there;
- 20 failures from one address, whatever the usernames, lock the address (password
  spraying: a few guesses at each of many accounts never trips the first counter).

Kept in Django's cache (per process with the default local-memory cache; configure a
shared cache such as the database cache when running several worker processes).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
LOCKOUT_SECONDS = 15 * 60


def _key(username: str, ip: str | None) -> str:
    raw = f"{(username or '').strip().lower()}|{ip or ''}".encode()
    return "xiezuo:login-failures:" + hashlib.sha256(raw).hexdigest()


def _address_key(ip: str | None) -> str:
    return "xiezuo:login-failures-address:" + hashlib.sha256((ip or "").encode()).hexdigest()


def _bump(key: str) -> int:
    cache.add(key, 0, LOCKOUT_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, LOCKOUT_SECONDS)
        count = 1
    cache.touch(key, LOCKOUT_SECONDS)
    return count


def is_locked(username: str, ip: str | None) -> bool:
    return cache.get(_key(username, ip), 0) >= MAX_FAILURES


def address_locked(ip: str | None) -> bool:
    return cache.get(_address_key(ip), 0) >= MAX_FAILURES_PER_ADDRESS


def failed(username: str, ip: str | None) -> int:
    _bump(_address_key(ip))
    return _bump(_key(username, ip))


def reset(username: str, ip: str | None) -> None:
    """After a successful login: that username's count only (a spraying address stays counted)."""
    cache.delete(_key(username, ip))
