"""Who is acting and from where, for the audit log, outside and inside requests."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class ActionContext:
    source: str = "command"  # web, api, import, admin, command, job
    request_id: str = ""
    ip: str | None = None


_current: contextvars.ContextVar[ActionContext] = contextvars.ContextVar(
    "xiezuo_action_context", default=ActionContext()  # noqa: B039 (frozen)
)


def current() -> ActionContext:
    return _current.get()


@contextmanager
def acting(source: str, request_id: str | None = None, ip: str | None = None):
    token = _current.set(ActionContext(source=source, request_id=request_id or uuid.uuid4().hex, ip=ip))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
