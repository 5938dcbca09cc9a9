"""Logs as one JSON line per event, with who (user, scope) and which request or job, and never a clear
identity number.

Settings wire `JsonFormatter` and the two filters onto the console handler. A request binds its user in
`RequestContextMiddleware`; a job binds its creator in `dataio.jobs.run`; the user's scope (division-code
prefixes, "*" for everything) is looked up once, when the first line that needs it is written.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from contextlib import contextmanager
from datetime import UTC, datetime

from .context import current

# An 18-character identity number (17 digits and a digit or X), not inside a longer run of digits.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{14}(\d{3}[\dXx])(?![0-9A-Za-z])")

_who: contextvars.ContextVar[dict | None] = contextvars.ContextVar("xiezuo_log_who", default=None)


def mask_identity_numbers(text: str) -> str:
    """An 18-character identity number (17 digits and a check character) → `**************123X`: the last
    four only, like the stored mask (registry 0004)."""
    return ID_NUMBER.sub(lambda m: f"{'*' * 14}{m[1]}", text)


@contextmanager
def bound(user, **extra):
    """Log lines written inside carry this user (and its scope), plus `extra` (e.g. job=12)."""
    token = _who.set({"user": user, **extra})
    try:
        yield
    finally:
        _who.reset(token)


def _scope(user) -> str:
    from .access import scope_prefixes

    try:
        prefixes = scope_prefixes(user, "view")
    except Exception:  # a log line must never fail its request (e.g. the database is down)
        return "?"
    return "*" if prefixes is None else ",".join(prefixes)


class ContextFilter(logging.Filter):
    """Adds request_id, source, user and scope to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = current()
        record.request_id = getattr(record, "request_id", ctx.request_id)
        record.source = getattr(record, "source", ctx.source)
        who = _who.get()
        user = who.get("user") if who else None
        if user is not None and getattr(user, "is_authenticated", False):
            record.user = getattr(user, "username", str(user))
            if "scope" not in who:
                who["scope"] = _scope(user)
            record.scope = who["scope"]
        for key, value in (who or {}).items():
            if key not in ("user", "scope") and not hasattr(record, key):
                setattr(record, key, value)
        return True


class MaskIdentityNumbers(logging.Filter):
    """Masks identity numbers in the message, its arguments and any traceback, before any handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_identity_numbers(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = mask_identity_numbers(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_identity_numbers(record.stack_info)
        return True


_FIELDS = ("request_id", "source", "user", "scope", "job", "method", "path", "status", "ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for key in _FIELDS:
            value = getattr(record, key, None)
            if value not in (None, ""):
                data[key] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        # masked again here: a handler without the filter must not leak either
        return mask_identity_numbers(json.dumps(data, ensure_ascii=False, default=str))
