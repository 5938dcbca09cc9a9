"""The audit trail, written explicitly by each service inside its own transaction.

Not signals: signals miss bulk writes and `QuerySet.update()`, which are exactly the
paths the import and the engine use.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from .context import current
from .models import AuditEntry

# Fields never copied into the log in clear. The identity number's mask too: a snapshot also holds
# the full birth date and the record's division, which with the mask's digits rebuild the number.
# A reveal or an export in clear states its reason in at least this many characters (audited with it).
# Here, not in forms.py: services of other apps check it too, and an app's forms are its own.
REASON_MIN_LENGTH = 10

SECRET_FIELDS = {"id_number_enc", "id_number_hash", "id_number_masked", "password", "bank_account", "phone",
                 "bank_account_enc", "phone_enc"}


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model | None) -> dict[str, Any] | None:
    """The concrete field values of a record, secrets masked."""
    if obj is None:
        return None
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if field.name in SECRET_FIELDS or field.attname in SECRET_FIELDS:
            value = "***" if value else value
        data[field.attname] = _jsonable(value)
    return data


def _division_code(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    code = getattr(obj, "audit_division_code", None)
    return code() if callable(code) else (code or "")


def _entry(*, action, user, target, before, after, data, division_code) -> AuditEntry:
    ctx = current()
    return AuditEntry(
        actor=user if getattr(user, "pk", None) else None,
        actor_name=getattr(user, "username", "") or "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        division_code=division_code or _division_code(target),
        source=ctx.source,
        request_id=ctx.request_id,
        ip=ctx.ip,
        before=before,
        after=after,
        data=_jsonable(data) if data else None,
    )


def record(
    *,
    action: str,
    user,
    target: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
    division_code: str = "",
) -> AuditEntry:
    entry = _entry(action=action, user=user, target=target, before=before, after=after, data=data,
                   division_code=division_code)
    entry.save()
    return entry


@transaction.atomic
def record_many(*, action: str, user, targets: Iterable[models.Model], data: dict | None = None,
                with_after: bool = True, batch_size: int = 2000) -> int:
    """Bulk paths: one row per target, written in batches (each chained, see accounts.chain)."""
    batch: list[AuditEntry] = []
    count = 0
    for target in targets:
        batch.append(_entry(action=action, user=user, target=target, before=None,
                            after=snapshot(target) if with_after else None, data=data, division_code=""))
        if len(batch) >= batch_size:
            AuditEntry.objects.bulk_create(batch)
            count += len(batch)
            batch.clear()
    if batch:
        AuditEntry.objects.bulk_create(batch)
        count += len(batch)
    return count
