"""Chain the audit entries written before the hash chain, and refuse TRUNCATE on PostgreSQL.

Existing entries are linked in the order they were dated (then by id), so `at` never goes
backwards along the chain. The append-only triggers are lifted for the duration of this
one UPDATE pass and put back. On PostgreSQL a statement trigger now refuses TRUNCATE of
the log and of its chain head (row triggers do not fire on TRUNCATE); the `flush` command
lifts it for its own duration, like the SQLite row triggers.
"""

import importlib

from django.db import migrations
from django.db.models import Q

_append_only = importlib.import_module("xiezuo.accounts.migrations.0003_audit_append_only_triggers")

PG_UP = [
    """CREATE OR REPLACE FUNCTION accounts_auditentry_no_truncate() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_auditentry_no_truncate BEFORE TRUNCATE ON accounts_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditentry_no_truncate()""",
    """CREATE TRIGGER accounts_auditchainhead_no_truncate BEFORE TRUNCATE ON accounts_auditchainhead
       FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditentry_no_truncate()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_truncate ON accounts_auditentry",
    "DROP TRIGGER IF EXISTS accounts_auditchainhead_no_truncate ON accounts_auditchainhead",
    "DROP FUNCTION IF EXISTS accounts_auditentry_no_truncate()",
]
TRUNCATE_TRIGGERS = (("accounts_auditentry", "accounts_auditentry_no_truncate"),
                     ("accounts_auditchainhead", "accounts_auditchainhead_no_truncate"))

BATCH = 5000


def chain_existing(apps, schema_editor):
    from xiezuo.accounts import chain

    AuditEntry = apps.get_model("accounts", "AuditEntry")
    AuditChainHead = apps.get_model("accounts", "AuditChainHead")
    vendor = schema_editor.connection.vendor
    lift = {"sqlite": _append_only.SQLITE_DOWN, "postgresql": _append_only.PG_DOWN}.get(vendor, [])
    restore = {"sqlite": _append_only.SQLITE_UP, "postgresql": _append_only.PG_UP}.get(vendor, [])
    for sql in lift:
        schema_editor.execute(sql)
    seq, prev, at, last_id = 0, "", None, None
    while True:  # keyset pages over (at, id): no cursor stays open across the updates
        page = AuditEntry.objects.order_by("at", "id")
        if at is not None:
            page = page.filter(Q(at__gt=at) | Q(at=at, id__gt=last_id))
        rows = list(page[:BATCH])
        if not rows:
            break
        for entry in rows:
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = chain.entry_hash(entry)
        AuditEntry.objects.bulk_update(rows, ["seq", "prev_hash", "hash"])
        at, last_id = rows[-1].at, rows[-1].id
    AuditChainHead.objects.update_or_create(pk=chain.HEAD_PK, defaults={"seq": seq, "hash": prev, "at": at})
    for sql in restore:
        schema_editor.execute(sql)


def pg_truncate_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_UP:
            schema_editor.execute(sql)


def pg_truncate_triggers_down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_DOWN:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [("accounts", "0006_audit_hash_chain")]

    operations = [
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(pg_truncate_triggers, pg_truncate_triggers_down),
    ]
