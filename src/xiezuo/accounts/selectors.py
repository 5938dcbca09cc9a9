"""Reads of accounts data: the audit log, always scoped by the records' divisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEntry


def audit_list(*, user, filters: dict[str, Any] | None = None) -> QuerySet[AuditEntry]:
    """Entries the user may read, newest first; `filters` as cleaned by AuditFilterForm."""
    qs = AuditEntry.objects.restrict(user, "view")
    f = filters or {}
    if f.get("action"):
        qs = qs.filter(action__icontains=f["action"])
    if f.get("user"):
        qs = qs.filter(actor_name__icontains=f["user"])
    if f.get("record"):
        term = f["record"]
        qs = qs.filter(Q(target_type__icontains=term) | Q(target_id=term) | Q(target_repr__icontains=term))
    if f.get("division"):
        qs = qs.filter(division_code__startswith=f["division"])
    if f.get("source"):
        qs = qs.filter(source=f["source"])
    tz = timezone.get_current_timezone()
    if f.get("date_from"):
        qs = qs.filter(at__gte=dt.datetime.combine(f["date_from"], dt.time.min, tzinfo=tz))
    if f.get("date_to"):
        qs = qs.filter(at__lt=dt.datetime.combine(f["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-at", "-id")
