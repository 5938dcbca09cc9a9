"""Bulk inserts without model instances: executemany on SQLite, COPY on PostgreSQL.

Django's `bulk_create` prepares every value through its field machinery, which costs
more than the database itself at a few hundred thousand rows. Rows here are dicts of
field attnames; missing fields take the model field's default, `auto_now` fields take
the same "now". Call inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from django.utils import timezone


def _prep(field: models.Field, vendor: str, now_db: Any):
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    if vendor != "sqlite":
        return None
    if isinstance(field, models.DecimalField):
        return lambda v: None if v is None else str(v)
    if isinstance(field, models.DateTimeField):
        return lambda v: None if v is None else connection.ops.adapt_datetimefield_value(v)
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else v.isoformat()
    return None


def insert_rows(model: type[models.Model], rows: Iterable[dict[str, Any]], *, batch: int = 5000) -> int:
    """Insert dict rows into `model`'s table; returns the count. No pks come back: look them up
    by a natural key afterwards."""
    vendor = connection.vendor
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]
    names = [f.attname for f in fields]
    defaults: dict[str, Any] = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            d = f.get_default()
            defaults[f.attname] = d
        else:
            defaults[f.attname] = None if f.null else ("" if isinstance(f, models.CharField | models.TextField)
                                                      else None)
    prep_by_name = {f.attname: _prep(f, vendor, now) for f in fields}
    for n, p in prep_by_name.items():  # defaults are prepared once
        if p is not None and not isinstance(defaults[n], list | dict):
            defaults[n] = p(defaults[n])
    preps = [(i, n, p) for i, (n, p) in enumerate(prep_by_name.items()) if p is not None]
    mutable = {f.attname for f in fields if isinstance(f, models.JSONField)}
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in names)
    count = 0
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    values = [row[n] if n in row else defaults[n] for n in names]
                    for i, n, p in preps:
                        if n in row or n in mutable:
                            values[i] = p(values[i])
                    copy.write_row(values)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(names))})"
        buf: list[list[Any]] = []
        for row in rows:
            values = [row[n] if n in row else defaults[n] for n in names]
            for i, n, p in preps:
                if n in row or n in mutable:
                    values[i] = p(values[i])
            buf.append(values)
            if len(buf) >= batch:
                cursor.executemany(sql, buf)
                count += len(buf)
                buf.clear()
        if buf:
            cursor.executemany(sql, buf)
            count += len(buf)
    return count


def model_values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}

