"""`xiezuo backup` while another process writes, then `xiezuo restore` into an empty installation: every
row and every file is identical to the original at one instant of the writes, and no key is in the archive."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import time

import pytest

from tests.dataio.test_kill import SETUP

from .conftest import make_site

# Batches of one township and three villages, each batch one transaction, until told to stop.
WRITER = """
import django, os, sys, pathlib
os.environ["DJANGO_SETTINGS_MODULE"] = "xiezuo.settings"
django.setup()
from django.db import transaction
from xiezuo.geo.models import Division
stop, count = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
while not stop.exists():
    n += 1
    with transaction.atomic():
        t = Division.objects.create(code=f"519{n:06d}000", name=f"写{n}", level="township")
        for i in range(1, 4):
            Division.objects.create(code=f"519{n:06d}{i:03d}", name=f"写{n}-{i}", level="village", parent=t)
    count.with_suffix(".tmp").write_text(str(n))
    count.with_suffix(".tmp").replace(count)  # whole, for the test polling it
"""

DUMP = """
from django.apps import apps
out = {}
for model in apps.get_models(include_auto_created=True):
    rows = model._base_manager.order_by("pk").values_list()
    out[model._meta.db_table] = [[str(v) for v in row] for row in rows]
"""


def _files(root) -> dict[str, str]:
    skip = ("xiezuo.sqlite3", "field.keys", "secret.key", "static", "jobs", "backup.tar")
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not str(p.relative_to(root)).startswith(skip)}


def _batch(code: str) -> int:
    return int(code[3:9])


def test_a_backup_taken_during_writes_restores_every_row_and_file(site, tmp_path):
    if site.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed (postgresql-client)")
    site.cli("migrate", "-v0")
    small, big = site.data_dir / "small.xlsx", site.data_dir / "big.xlsx"
    site.python(SETUP.split("django.setup()", 1)[1], str(small), str(big), "1")
    site.cli("import", str(small), "--quiet")
    for rel, size in (("media/photos/a.jpg", 70_000), ("attachments/3/scan.pdf", 5_000),
                      ("runs/1/inputs.parquet", 300_000)):
        (site.data_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (site.data_dir / rel).write_bytes(os.urandom(size))

    # given a process writing batches in transactions
    writer_dir = tmp_path / "writer"
    writer_dir.mkdir()
    stop, count = writer_dir / "stop", writer_dir / "count"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(stop), str(count)], env=site.env)
    try:
        deadline = time.monotonic() + 120
        while not count.exists() or int(count.read_text() or 0) < 20:
            assert writer.poll() is None and time.monotonic() < deadline, "the writer did not start"
            time.sleep(0.1)
        # when a backup is taken while it writes
        archive = site.data_dir / "backup.tar"
        done = site.cli("backup", "-o", str(archive))
        during = int(count.read_text())
        assert writer.poll() is None
    finally:
        stop.touch()
        writer.wait(timeout=60)
    assert writer.returncode == 0
    assert "field keys" in done.stderr and "NOT in this backup" in done.stderr
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert not [n for n in names if n.endswith(("field.keys", "secret.key"))]

    # and restored into an empty installation
    for other in make_site(tmp_path / "restored", "restored"):
        other.cli("restore", str(archive))
        other.cli("migrate", "-v0")
        original, restored = site.python(DUMP), other.python(DUMP)
        restored_files = _files(other.data_dir)
        # a second restore is refused: the database is no longer empty
        again = other.cli("restore", str(archive), check=False)
        assert again.returncode != 0 and "not empty" in again.stderr

    # then the restored writes are whole batches 1..k, taken while the writer ran
    written = [r for r in restored["geo_division"] if r[0].startswith("519")]
    k = max(_batch(r[0]) for r in written)
    assert sorted(r[0] for r in written) == sorted(f"519{n:06d}{i:03d}" for n in range(1, k + 1) for i in range(4))
    assert 20 <= k < during  # the writer went on after the snapshot
    # and every table is the original less the batches written after the backup's snapshot
    original["geo_division"] = [r for r in original["geo_division"] if not (r[0].startswith("519")
                                                                            and _batch(r[0]) > k)]
    for table, rows in original.items():
        assert restored[table] == rows, table
    assert sum(len(v) for v in restored.values()) > 100
    # and every file is identical
    assert restored_files == _files(site.data_dir) and len(restored_files) >= 4


@pytest.mark.parametrize("bad", ["not-a-tar"])
def test_restore_refuses_what_is_not_a_backup(site, bad):
    path = site.data_dir / "x.tar"
    path.write_text(bad)
    done = site.cli("restore", str(path), check=False)
    assert done.returncode != 0
