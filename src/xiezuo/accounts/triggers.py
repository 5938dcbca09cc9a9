"""The append-only triggers on the audit table, for the `flush` command and the tests."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

from django.db import connections

_migration = importlib.import_module("xiezuo.accounts.migrations.0003_audit_append_only_triggers")


def installed(using: str = "default") -> bool:
    conn = connections[using]
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            cur.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND name LIKE 'accounts_auditentry_no_%'")
        elif conn.vendor == "postgresql":
            cur.execute("SELECT count(*) FROM pg_trigger WHERE tgname = 'accounts_auditentry_no_change'")
        else:
            return False
        return cur.fetchone()[0] > 0


@contextmanager
def lifted_on_sqlite(using: str = "default"):
    """Drop the SQLite triggers for the duration (flush deletes with DELETE), then restore them."""
    conn = connections[using]
    if conn.vendor != "sqlite" or "accounts_auditentry" not in conn.introspection.table_names():
        yield
        return
    with conn.cursor() as cur:
        for sql in _migration.SQLITE_DOWN:
            cur.execute(sql)
    try:
        yield
    finally:
        with conn.cursor() as cur:
            for sql in _migration.SQLITE_UP:
                cur.execute(sql)
