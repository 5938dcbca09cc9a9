"""An import killed by SIGKILL in the middle of its commit leaves the database as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

SETUP = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "xiezuo.settings"
django.setup()
from xiezuo.geo.models import Division
from xiezuo.dataio import sample
p = Division.objects.create(code="510000000000", name="四川省", level="province")
c = Division.objects.create(code="510800000000", name="广元市", level="city", parent=p)
k = Division.objects.create(code="510802000000", name="利州区", level="county", parent=c)
t = Division.objects.create(code="510802101000", name="宝轮镇", level="township", parent=k)
villages = [Division.objects.create(code=f"510802101{i:03d}", name=f"村{i}", level="village", parent=t).code
            for i in range(201, 221)]
h, m, f = sample.registry_rows(1, villages=villages, prefix="OLD")
sample.write_workbook(sys.argv[1], {"户": h, "成员": m, "年度": f})
h, m, f = sample.registry_rows(int(sys.argv[3]), villages=villages, prefix="NEW", seed=2, id_offset=100)
sample.write_workbook(sys.argv[2], {"户": h, "成员": m, "年度": f})
"""


def _counts(db: Path) -> tuple[int, ...]:
    with sqlite3.connect(db) as con:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names
                     for t in ("registry_household", "registry_member", "registry_householdyear",
                               "accounts_auditentry"))


def test_an_import_killed_during_its_commit_changes_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("XIEZUO_TEST_DATABASE_URL", "DATABASE_URL")}
    env["XIEZUO_DATA_DIR"] = str(tmp_path)
    cli = [sys.executable, "-m", "xiezuo.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=300)
    small, big = tmp_path / "small.xlsx", tmp_path / "big.xlsx"
    subprocess.run([sys.executable, "-c", SETUP, str(small), str(big), "5000"], env=env, check=True, timeout=300)
    subprocess.run([*cli, "import", str(small), "--quiet"], env=env, check=True, timeout=120)
    db = tmp_path / "xiezuo.sqlite3"
    before = _counts(db)
    assert before[0] == 1

    # when the big import is killed once it has started saving
    proc = subprocess.Popen([*cli, "import", str(big)], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    seen = b""
    deadline = time.monotonic() + 240
    while b"Saving" not in seen and b"\xe4\xbf\x9d\xe5\xad\x98" not in seen:  # "保存"
        chunk = proc.stderr.read1(4096) if hasattr(proc.stderr, "read1") else proc.stderr.read(64)
        if not chunk or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the import ended before its commit phase: {seen[-400:]!r}")
        seen += chunk
    time.sleep(0.4)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # then every table has the rows it had before
    assert _counts(db) == before
    # and the same file imports completely afterwards
    subprocess.run([*cli, "import", str(big), "--quiet"], env=env, check=True, timeout=300)
    after = _counts(db)
    assert after[0] == before[0] + 5000
