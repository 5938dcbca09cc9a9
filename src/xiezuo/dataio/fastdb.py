"""Bulk inserts without model instances: executemany on SQLite, COPY on PostgreSQL.

Django's `bulk_create` prepares every value through its field machinery, which costs
more than the database itself at a few hundred thousand rows. Rows here are dicts of
field attnames; missing fields take the model field's default, `auto_now` fields take
the same "now". Call inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from django.db import connection, models
from django.utils import timezone


def _prep_default(field: models.Field, vendor: str, value: Any) -> Any:
    """A default as the database takes it (prepared once per insert, not per row)."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False)
    if vendor == "sqlite" and isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def insert_rows(model: type[models.Model], rows: Iterable[dict[str, Any]], *, batch: int = 5000,
                constants: dict[str, Any] | None = None) -> int:
    """Insert dict rows into `model`'s table; returns the count. No pks come back: look them up
    by a natural key afterwards. Values go to the driver as they are (Decimal, date and
    datetime are adapted by Django's SQLite adapters and by psycopg); JSON fields are dumped.
    `constants` are values shared by every row (prepared once, like the defaults): rows then
    only carry what varies, which keeps a few hundred thousand audit rows cheap."""
    vendor = connection.vendor
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField))]
    defaults: dict[str, Any] = {}
    for f in fields:
        if constants and f.attname in constants:
            d = constants[f.attname]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            d = now
        elif f.has_default():
            d = f.get_default()
        else:
            d = None if f.null else ("" if isinstance(f, models.CharField | models.TextField) else None)
        defaults[f.attname] = _prep_default(f, vendor, d)
    json_names = [f.attname for f in fields if isinstance(f, models.JSONField)]
    dumps = json.dumps
    table = connection.ops.quote_name(model._meta.db_table)
    if constants:
        # Constant columns go last, as one prepared tuple appended to each row's varying part.
        fixed = [f.attname for f in fields if f.attname in constants]
        names = [f.attname for f in fields if f.attname not in constants] + fixed
    else:
        fixed = []
        names = [f.attname for f in fields]
    varying = names[:len(names) - len(fixed)]
    tail = tuple(defaults[n] for n in fixed)
    getter = itemgetter(*varying)
    single = len(varying) == 1
    vary_defaults = {n: defaults[n] for n in varying}
    vary_json = [n for n in json_names if n in vary_defaults]
    cols = ", ".join(connection.ops.quote_name(c) for c in names)

    def tuples():
        for row in rows:
            merged = vary_defaults.copy()
            merged.update(row)
            for n in vary_json:
                if n in row:
                    v = row[n]
                    merged[n] = None if v is None else dumps(v, ensure_ascii=False)
            values = getter(merged)
            yield ((values,) if single else values) + tail

    count = 0
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
            with raw.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for values in tuples():
                    copy.write_row(values)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['?'] * len(names))})"
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        buf: list[tuple] = []
        for values in tuples():
            buf.append(values)
            if len(buf) >= batch:
                raw.executemany(sql, buf)
                count += len(buf)
                buf.clear()
        if buf:
            raw.executemany(sql, buf)
            count += len(buf)
    return count
