"""Attacks on the audit log found on the demo, below the application: on SQLite, drop the
trigger, delete entries and recreate it; insert back-dated entries; on PostgreSQL, TRUNCATE,
or disable the trigger as the owner. The hash chain makes each of them show in
`xiezuo audit verify`, and the application's PostgreSQL role cannot do them at all."""

from __future__ import annotations

import importlib
import io
import threading
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from xiezuo.accounts import audit, chain, dbroles
from xiezuo.accounts.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db
append_only = importlib.import_module("xiezuo.accounts.migrations.0003_audit_append_only_triggers")
chain_migration = importlib.import_module("xiezuo.accounts.migrations.0007_chain_existing_audit_entries")
only_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL roles and TRUNCATE")


def _execute(sql, params=None):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _as_attacker(*statements):
    """What someone with the database file or the owner's password does: lift the trigger,
    change the log, put the trigger back."""
    if connection.vendor == "sqlite":
        down, up = append_only.SQLITE_DOWN, append_only.SQLITE_UP
    else:
        down = ["ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_no_change"]
        up = ["ALTER TABLE accounts_auditentry ENABLE TRIGGER accounts_auditentry_no_change"]
    for sql in [*down, *statements, *up]:
        _execute(sql)


def _verify(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


@pytest.fixture
def log(make_user):
    """Ten entries, written one by one and in bulk, as the services do."""
    user = make_user("clerk")
    for i in range(6):
        audit.record(action="registry.household.created", user=user, division_code="510802101201",
                     data={"n": i, "amount": "12.50", "ratio": 1.0})
    audit.record_many(action="registry.household.imported", user=user, targets=[user] * 4)
    return list(AuditEntry.objects.order_by("seq"))


def test_an_untouched_log_verifies(log):
    code, out = _verify()
    assert code == 0 and "10 entries checked" in out
    assert [e.seq for e in log] == list(range(1, 11))
    assert all(e.prev_hash == p.hash for p, e in zip(log, log[1:], strict=False))


def test_entries_deleted_behind_a_lifted_trigger_are_reported(log):
    _as_attacker(f"DELETE FROM accounts_auditentry WHERE id IN ({log[3].id}, {log[4].id})")
    code, out = _verify()
    assert code == 1
    assert "entries 4–5 are missing" in out and "entry 6" in out


def test_an_altered_entry_is_reported(log):
    _as_attacker(f"UPDATE accounts_auditentry SET actor_name = 'someone-else' WHERE id = {log[2].id}")
    code, out = _verify()
    assert code == 1 and "entry 3" in out and "does not match its hash" in out


def test_back_dated_inserts_are_reported(log):
    # the ORM cannot back-date: the chain sets the time
    forged = AuditEntry.objects.create(action="x.y", actor_name="clerk", at="2019-03-01T08:00:00+00:00")
    assert forged.at.year > 2019
    # a raw row dated 2019, outside the chain
    _execute("INSERT INTO accounts_auditentry (at, actor_name, action, target_type, target_id, target_repr, "
             "division_code, source, request_id, prev_hash, hash) VALUES "
             "('2019-03-01 08:00:00+00:00', 'clerk', 'registry.household.deleted', '', '', '', '', 'web', '', '', '')")
    code, out = _verify()
    assert code == 1 and "outside the chain" in out
    # a raw row posing as the next link, dated 2019: no key, so its hash cannot match
    _execute("INSERT INTO accounts_auditentry (at, actor_name, action, target_type, target_id, target_repr, "
             "division_code, source, request_id, seq, prev_hash, hash) VALUES "
             "('2019-03-01 08:00:00+00:00', 'clerk', 'registry.household.deleted', '', '', '', '', 'web', '', "
             "%s, %s, %s)", [12, forged.hash, "0" * 64])
    code, out = _verify()
    assert "entry 12" in out and "does not match its hash" in out and "before the entry preceding it" in out


def test_removing_the_newest_entries_shows_against_a_noted_head(log):
    noted = f"{log[-1].seq}:{log[-1].hash}"
    _as_attacker("DELETE FROM accounts_auditentry WHERE seq > 7")
    code, out = _verify()
    assert code == 1 and "head" in out  # the head row still says 10
    # the attacker rewinds the head too: only the head noted outside the database tells
    _execute("UPDATE accounts_auditchainhead SET seq = %s, hash = %s", [log[6].seq, log[6].hash])
    assert _verify()[0] == 0
    code, out = _verify("--expect", noted)
    assert code == 1 and "entry 10, noted earlier, is gone" in out


def test_the_migration_chains_existing_entries(log):
    """Entries written before the chain (no seq, no hash) are linked by the data migration."""
    _as_attacker("UPDATE accounts_auditentry SET seq = NULL, prev_hash = '', hash = ''")
    _execute("DELETE FROM accounts_auditchainhead")
    assert _verify()[0] == 1

    class Editor:  # what RunPython hands over; a real schema editor cannot run inside the test's transaction
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            _execute(sql)

    from django.db.migrations.loader import MigrationLoader

    state = MigrationLoader(connection).project_state(("accounts", "0006_audit_hash_chain"))
    chain_migration.chain_existing(state.apps, Editor())
    code, out = _verify()
    assert code == 0 and "10 entries checked" in out
    # and new entries follow on
    audit.record(action="x.after", user=None)
    assert _verify()[0] == 0


@only_postgres
def test_truncate_is_refused_even_for_the_owner(log):
    for table in ("accounts_auditentry", "accounts_auditchainhead"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _execute(f"TRUNCATE {table}")
    assert AuditEntry.objects.count() == 10


@only_postgres
def test_a_truncate_by_the_owner_shows_against_a_noted_head(log):
    noted = f"{log[-1].seq}:{log[-1].hash}"
    for sql in ("ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_no_truncate",
                "ALTER TABLE accounts_auditchainhead DISABLE TRIGGER accounts_auditchainhead_no_truncate",
                "TRUNCATE accounts_auditentry, accounts_auditchainhead",
                "ALTER TABLE accounts_auditentry ENABLE TRIGGER accounts_auditentry_no_truncate",
                "ALTER TABLE accounts_auditchainhead ENABLE TRIGGER accounts_auditchainhead_no_truncate"):
        _execute(sql)
    code, out = _verify("--expect", noted)
    assert code == 1 and "is gone" in out


@only_postgres
def test_the_application_role_cannot_truncate_delete_or_alter(log):
    role = f"xz_app_{uuid.uuid4().hex[:8]}"
    owner = connection.get_connection_params()["user"]
    with connection.cursor() as cur:
        for statement in dbroles.app_role_statements(app_role=role, owner_role=owner):
            cur.execute(statement)
    refused = ["TRUNCATE accounts_auditentry", "DELETE FROM accounts_auditentry",
               "UPDATE accounts_auditentry SET action = 'forged'",
               "ALTER TABLE accounts_auditentry DISABLE TRIGGER accounts_auditentry_no_change",
               "DROP TRIGGER accounts_auditentry_no_change ON accounts_auditentry",
               "ALTER TABLE accounts_auditentry DROP COLUMN hash",
               "DELETE FROM accounts_auditchainhead", "TRUNCATE accounts_auditchainhead"]
    _execute(f"SET ROLE {role}")
    try:
        for sql in refused:
            with pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic():
                _execute(sql)
        # what the application needs still works under that role: read, append (chained)
        audit.record(action="x.as_app_role", user=None)
        assert AuditEntry.objects.count() == 11
    finally:
        _execute("RESET ROLE")
    assert _verify()[0] == 0  # (the role and its grants vanish with the test's transaction)


@only_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """Writers in parallel transactions serialise on the chain head: no fork, no duplicate position."""
    errors = []

    def write(n):
        try:
            for i in range(15):
                with transaction.atomic():
                    audit.record(action=f"x.thread{n}", user=None, data={"i": i})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert AuditEntry.objects.count() == 60 and AuditChainHead.objects.get().seq == 60
    assert chain.verify().ok


def test_the_import_fast_path_is_chained(divisions, make_user, tmp_path):
    """The import writes its audit rows with a raw multi-row INSERT: they join the chain too."""
    from xiezuo.dataio import sample

    user = make_user("importer", division=divisions["lizhou"])
    audit.record(action="x.before", user=user)
    households, members, facts = sample.registry_rows(3, villages=[divisions["lizhou_village"].code], prefix="CHN")
    path = sample.write_workbook(tmp_path / "import.xlsx", {"户": households, "成员": members, "年度": facts})
    call_command("import", str(path), "--user", user.username)
    audit.record(action="x.after", user=user)
    assert AuditEntry.objects.filter(action="registry.household.imported").count() == 3
    assert AuditEntry.objects.filter(seq__isnull=True).count() == 0
    code, out = _verify()
    assert code == 0, out
