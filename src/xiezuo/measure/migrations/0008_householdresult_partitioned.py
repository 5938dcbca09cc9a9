"""PostgreSQL only: measure_householdresult becomes LIST-partitioned by run_id, one partition per run.

A run's rows are then COPYed into a fresh table without indexes, indexed by sorting and attached
(`measure.household_rows`); deleting a run's rows is dropping its partition. The columns, the unique
(household, run) constraint and the (run, status) index keep their names, so Django's state does not change.
The parent has no primary key: PostgreSQL requires a partitioned table's unique keys to include the partition
key, and nothing looks a result up by id alone. Existing rows are moved into one partition per run. SQLite keeps
its plain table.
"""

from django.db import migrations

T = "measure_householdresult"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"SELECT relkind FROM pg_class WHERE oid = to_regclass('{T}')")
        if cur.fetchone()[0] == "p":
            return
        cur.execute(f"ALTER TABLE {T} RENAME TO {T}_old")
        cur.execute(f"ALTER TABLE {T}_old RENAME CONSTRAINT measure_hhresult_household_run TO {T}_old_household_run")
        cur.execute(f"ALTER INDEX measure_hou_run_id_c06125_idx RENAME TO {T}_old_run_status")
        cur.execute(f"CREATE TABLE {T} (LIKE {T}_old INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) "
                    "PARTITION BY LIST (run_id)")
        cur.execute(f"ALTER TABLE {T} ADD CONSTRAINT measure_hhresult_household_run UNIQUE (household_id, run_id)")
        cur.execute(f"CREATE INDEX measure_hou_run_id_c06125_idx ON {T} (run_id, status)")
        cur.execute(f"CREATE TABLE {T}_default PARTITION OF {T} DEFAULT")
        cur.execute(f"SELECT DISTINCT run_id FROM {T}_old ORDER BY run_id")
        for (run_id,) in cur.fetchall():
            cur.execute(f"CREATE TABLE {T}_r{int(run_id)} PARTITION OF {T} FOR VALUES IN ({int(run_id)})")
        cur.execute(f"INSERT INTO {T} SELECT * FROM {T}_old")
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{T}', 'id'), COALESCE((SELECT max(id) FROM {T}_old), 0) + 1, "
                    "false)")
        cur.execute(f"DROP TABLE {T}_old")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"ALTER TABLE {T} RENAME TO {T}_parts")
        cur.execute(f"ALTER TABLE {T}_parts RENAME CONSTRAINT measure_hhresult_household_run TO {T}_parts_household_run")
        cur.execute(f"ALTER INDEX measure_hou_run_id_c06125_idx RENAME TO {T}_parts_run_status")
        cur.execute(f"CREATE TABLE {T} (LIKE {T}_parts INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)")
        cur.execute(f"INSERT INTO {T} SELECT * FROM {T}_parts")
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{T}', 'id'), COALESCE((SELECT max(id) FROM {T}), 0) + 1, "
                    "false)")
        cur.execute(f"DROP TABLE {T}_parts CASCADE")
        cur.execute(f"ALTER TABLE {T} ADD PRIMARY KEY (id)")
        cur.execute(f"ALTER TABLE {T} ADD CONSTRAINT measure_hhresult_household_run UNIQUE (household_id, run_id)")
        cur.execute(f"CREATE INDEX measure_hou_run_id_c06125_idx ON {T} (run_id, status)")


class Migration(migrations.Migration):
    dependencies = [("measure", "0007_householdresult_fewer_checks")]

    operations = [migrations.RunPython(forwards, backwards)]
