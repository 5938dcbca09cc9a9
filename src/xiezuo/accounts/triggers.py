"""The append-only triggers on the audit table, for the `flush` command and the tests."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

from django.db import connections

_migration = importlib.import_module("xiezuo.accounts.migrations.0003_audit_append_only_triggers")
_truncate = importlib.import_module("xiezuo.accounts.migrations.0007_chain_existing_audit_entries")


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
def lifted(using: str = "default"):
    """Let `flush` empty the log: drop the SQLite row triggers (flush deletes with DELETE), or
    disable the PostgreSQL TRUNCATE triggers, for the duration; then restore them.

    Both need the table's owner; the application's own role cannot (docs/access.md).
    """
    conn = connections[using]
    tables = conn.introspection.table_names()
    if conn.vendor == "sqlite" and "accounts_auditentry" in tables:
        down, up = _migration.SQLITE_DOWN, _migration.SQLITE_UP
    elif conn.vendor == "postgresql":
        present = [(t, trig) for t, trig in _truncate.TRUNCATE_TRIGGERS if t in tables]
        with conn.cursor() as cur:
            cur.execute("SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s)", [[trig for _t, trig in present]])
            existing = {row[0] for row in cur.fetchall()}
        present = [(t, trig) for t, trig in present if trig in existing]
        down = [f"ALTER TABLE {t} DISABLE TRIGGER {trig}" for t, trig in present]
        up = [f"ALTER TABLE {t} ENABLE TRIGGER {trig}" for t, trig in present]
    else:
        down = up = []
    with conn.cursor() as cur:
        for sql in down:
            cur.execute(sql)
    try:
        yield
    finally:
        with conn.cursor() as cur:
            for sql in up:
                cur.execute(sql)


lifted_on_sqlite = lifted  # the former name
