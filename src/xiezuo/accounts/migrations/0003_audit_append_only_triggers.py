"""Database triggers that make accounts_auditentry append-only, below the ORM.

The Python guards (AuditQuerySet, AuditEntry.save/delete) stop the application; these
triggers also stop raw SQL, a misbehaving bulk path, or a shell. Only the `flush`
command (which empties the whole database, used by tests) lifts them on SQLite for its
own duration; PostgreSQL's TRUNCATE fires no row triggers.
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER IF NOT EXISTS accounts_auditentry_no_update BEFORE UPDATE ON accounts_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS accounts_auditentry_no_delete BEFORE DELETE ON accounts_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_update",
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_delete",
]
PG_UP = [
    """CREATE OR REPLACE FUNCTION accounts_auditentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'insufficient_privilege'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_auditentry_no_change BEFORE UPDATE OR DELETE ON accounts_auditentry
       FOR EACH ROW EXECUTE FUNCTION accounts_auditentry_append_only()""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_change ON accounts_auditentry",
    "DROP FUNCTION IF EXISTS accounts_auditentry_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [("accounts", "0002_user_totp_audit_actor")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        ),
    ]
