"""Personal data on disk, attacked as in the finding: the database, job files and keys were created
world-readable; uploads and problem reports were never deleted; problem reports in the job table and on disk
kept clear identity numbers; phones and bank accounts were stored in clear."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from xiezuo.dataio import jobs, services
from xiezuo.dataio.models import Job
from xiezuo.dataio.sample import id_number

from ..dataio.conftest import M_HEAD, write_xlsx

SRC = Path(__file__).resolve().parents[2] / "src"

PROBE = """
import os, stat, django
django.setup()
from django.core.management import call_command
from django.db import connection
from django.conf import settings
call_command("migrate", verbosity=0)
from xiezuo.dataio.jobs import job_dir
(job_dir() / "1.progress.json").write_text("{}")
with connection.cursor() as cur:  # the connection is open: -wal and -shm exist
    cur.execute("SELECT count(*) FROM django_migrations")
    data = settings.DATA_DIR
    modes = {str(p.relative_to(data)): oct(stat.S_IMODE(p.stat().st_mode)) for p in [data, *data.rglob("*")]
             if "static" not in p.parts}
print(__import__("json").dumps(modes))
"""


def test_a_fresh_data_dir_is_private_from_the_start(tmp_path):
    """A process started with the usual umask 022 creates nothing that group or others can read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XIEZUO_", "DATABASE_URL"))}
    env.update(XIEZUO_DATA_DIR=str(tmp_path / "data"), DJANGO_SETTINGS_MODULE="xiezuo.settings",
               PYTHONPATH=f"{SRC}{os.pathsep}{env.get('PYTHONPATH', '')}")
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300,
                         preexec_fn=lambda: os.umask(0o022), check=True).stdout  # noqa: PLW1509
    modes = json.loads(out.strip().splitlines()[-1])
    for name in ("secret.key", "field.keys", "xiezuo.sqlite3", "xiezuo.sqlite3-wal", "xiezuo.sqlite3-shm",
                 "jobs/1.progress.json"):
        assert modes.get(name) == "0o600", (name, modes.get(name))
    assert modes["."] == "0o700" and modes["jobs"] == "0o700"
    assert all(int(m, 8) & 0o077 == 0 for m in modes.values()), modes


def test_uploads_and_problem_reports_are_removed_after_the_retention_period(db, settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    settings.DATAIO_RETENTION_DAYS = 7
    old_upload, new_upload = services.uploads_dir() / "a", services.uploads_dir() / "b"
    for folder in (old_upload, new_upload):
        folder.mkdir(parents=True)
        (folder / "members.xlsx").write_bytes(b"PK")
    old_report, new_report = services.report_path(1), services.report_path(2)
    for path in (old_report, new_report):
        path.write_bytes(b"PK")
    week_ago = time.time() - 8 * 86400
    for path in (old_upload / "members.xlsx", old_upload, old_report):
        os.utime(path, (week_ago, week_ago))
    call_command("purge")
    assert "removed 1 upload(s), 1 problem report(s)" in capsys.readouterr().out
    assert not old_upload.exists() and not old_report.exists()
    assert new_upload.exists() and new_report.exists()


def test_every_import_job_purges_too(client, make_user, divisions, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.DATAIO_RUN_JOBS = "inline"
    stale = services.uploads_dir() / "stale"
    stale.mkdir(parents=True)
    os.utime(stale, (time.time() - 30 * 86400,) * 2)
    client.force_login(make_user("clerk", division=divisions["lizhou"]))
    path = write_xlsx(tmp_path / "m.xlsx", {"成员": [M_HEAD, ["NOPE", "张三", id_number(1, divisions["lizhou"].code[:6]), "户主"]]})
    with path.open("rb") as fh:
        client.post(reverse("dataio:upload"), {"file": fh})
    assert Job.objects.get().status == "done"
    assert not stale.exists()


def test_problem_reports_keep_identity_numbers_and_phones_masked(client, make_user, make_household, divisions,
                                                                settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.DATAIO_RUN_JOBS = "inline"
    hh = make_household(divisions["lizhou_village"])
    good, bad = id_number(7, "510802"), id_number(8, "510802")[:17] + ("0" if id_number(8, "510802")[17] != "0" else "1")  # wrong check digit
    phone = "13912345678"
    rows = [M_HEAD + ["联系电话"], [hh.number, "张三", bad, "户主", phone], ["NO-SUCH", "李四", good, "之子", phone]]
    path = write_xlsx(tmp_path / "m.xlsx", {"成员": rows}, text_columns=("C", "E"))
    client.force_login(make_user("clerk", division=divisions["lizhou"]))
    with path.open("rb") as fh:
        client.post(reverse("dataio:upload"), {"file": fh})
    job = Job.objects.get()
    assert job.result["errors"], job.result
    stored = json.dumps(job.result, ensure_ascii=False) + json.dumps(jobs.status(job))
    report = services.report_path(job.pk)
    wb = openpyxl.load_workbook(io.BytesIO(report.read_bytes()))
    cells = " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value)
    for text in (stored, cells):
        for secret in (good, bad, phone):
            assert secret not in text
    assert "*" * 14 + bad[-4:] in stored and "139****5678" in cells


def _stored_text() -> str:
    """Every stored column of the registry's person tables, as the database holds them."""
    from django.db import connection

    out = []
    with connection.cursor() as cur:
        for table in ("registry_household", "registry_member", "registry_cadre"):
            cur.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            out += [str(v) for row in cur.fetchall() for v in row]
    return " ".join(out)


@pytest.mark.django_db
def test_phones_and_bank_accounts_are_stored_encrypted_with_a_masked_copy(divisions, make_user, settings, tmp_path):
    from xiezuo.accounts import services as account_services
    from xiezuo.registry.models import Household

    from . import data

    settings.DATA_DIR = tmp_path
    made = data.build(divisions)
    stored = _stored_text()
    secrets = made["all_secrets"]
    for value in [*secrets.phones, *secrets.bank_accounts, *made["clear"]["b"]["member_phones"], "13700000000"]:
        assert value not in stored, value
    household = Household.objects.get(pk=made["a"]["household"].pk)
    assert household.phone_masked == "138****1111" and household.bank_account_masked == "************2222"
    with pytest.raises(AttributeError):
        household.phone  # noqa: B018 - the clear value is never an attribute
    clerk = make_user("clerk", role="county_staff", division=divisions["lizhou"])
    assert account_services.personal_data_reveal(user=clerk, kind="household_phone", pk=household.pk,
                                                 reason="核对联系电话是否正确") == "13800001111"

    # an import stores them encrypted too, and a re-import of the same values changes nothing
    from xiezuo.dataio.importer import run_import

    path = write_xlsx(tmp_path / "h.xlsx", {"户": [["户编号", "村代码", "户主姓名", "联系电话", "银行账号"],
                                                  ["NEW-1", divisions["lizhou_village"].code, "丙", "13655556666",
                                                   "6217000099998888"]]}, text_columns=("D", "E"))
    admin = make_user("boss", role="admin")
    assert run_import(path, user=admin, dry_run=False).new == 1
    assert "13655556666" not in _stored_text() and "6217000099998888" not in _stored_text()
    assert Household.objects.get(number="NEW-1").phone_masked == "136****6666"
    assert run_import(path, user=admin, dry_run=True).unchanged == 1


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_encrypts_existing_clear_values_and_can_go_back(divisions):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from xiezuo.accounts import crypto

    before = [("registry", "0006_record_date_bounds")]
    after = [("registry", "0008_drop_clear_phones_and_bank_accounts")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    with connection.cursor() as cur:
        cur.execute("INSERT INTO registry_household (number, village_id, head_name, attribute, standard, status, "
                    "main_cause, other_causes, military_family, only_child, two_daughters, phone, bank_name, "
                    "bank_account, cultivated_mu, forest_mu, road_distance_km, road_type, housing_area_m2, relocated, "
                    "cooperative_member, synthetic, created_at, updated_at) VALUES ('OLD-1', %s, '旧户', 'general', "
                    "'national', 'identified', '', '[]', false, false, false, '13912340000', '', '6228000011110000', "
                    "0, 0, 0, '', 0, false, false, false, '2020-01-01', '2020-01-01')",
                    [divisions["lizhou_village"].code])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    with connection.cursor() as cur:
        cur.execute("SELECT phone_enc, phone_masked, bank_account_enc, bank_account_masked FROM registry_household "
                    "WHERE number = 'OLD-1'")
        phone_enc, phone_masked, bank_enc, bank_masked = cur.fetchone()
    assert crypto.unseal(phone_enc) == "13912340000" and phone_masked == "139****0000"
    assert crypto.unseal(bank_enc) == "6228000011110000" and bank_masked == "************0000"
    assert "13912340000" not in _stored_text()
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    with connection.cursor() as cur:
        cur.execute("SELECT phone, bank_account FROM registry_household WHERE number = 'OLD-1'")
        assert cur.fetchone() == ("13912340000", "6228000011110000")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
