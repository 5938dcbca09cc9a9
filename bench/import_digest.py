"""Digest of an import's results, to check that a change to `xiezuo.dataio` keeps them identical.

Imports the benchmark workbook (dry run, commit, re-import check), then a second workbook of
3,000 changed households with injected errors (an unknown village, a duplicate household, a bad
check digit, an identity number stored as a number, a negative income, a member without a
household, a duplicate identity number) as dry run and valid-only commit, and writes as JSON:
each result (counts, every problem, the first 300 changes) and a SHA-256 over the committed
households, members (identity numbers decrypted) and yearly facts, and over the audit rows.

    XIEZUO_FIELD_KEYS=<fixed Fernet key> .venv/bin/python bench/import_digest.py sqlite OUT.json \\
        [--households 20000] [--src /path/to/other/checkout/src]

Run it on two revisions (`--src` points at the other one's `src/`, e.g. from `git archive`) with
the same key (the lookup hash depends on it) and compare the files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import import_bench as ib  # noqa: E402 - the benchmark's workbook and divisions


def _dump(qs, drop=()) -> tuple[int, str]:
    from xiezuo.accounts import crypto

    h = hashlib.sha256()
    n = 0
    for row in qs.values().order_by("pk").iterator(chunk_size=5000):
        for d in drop:
            row.pop(d, None)
        if row.get("id_number_enc"):
            row["id_number_enc"] = crypto.decrypt(row["id_number_enc"])
        h.update(json.dumps(row, sort_keys=True, default=str).encode())
        n += 1
    return n, h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("backend", choices=["sqlite", "postgres"])
    parser.add_argument("out")
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--src", help="import xiezuo from this src/ directory instead")
    args = parser.parse_args()
    path, _meta = ib.workbook(args.households)
    url = None
    if args.backend == "postgres":
        import psycopg

        url = ib.PG_URL + "_digest"
        admin_url, name = url.rsplit("/", 1)[0] + "/postgres", url.rsplit("/", 1)[1]
        with psycopg.connect(admin_url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            con.execute(f'CREATE DATABASE "{name}"')
    if args.src:
        ib.ROOT = Path(args.src).resolve().parent
    ib._setup_django(tempfile.mkdtemp(prefix="xz-digest-"), url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    villages = ib._divisions()
    from xiezuo.accounts.models import AuditEntry
    from xiezuo.dataio import sample
    from xiezuo.dataio.importer import run_import
    from xiezuo.dataio.jobs import SystemUser
    from xiezuo.registry.models import Household, HouseholdYear, Member

    user = SystemUser()
    res: dict = {}
    for step in ("dry", "commit", "again"):
        res[step] = run_import(path, user=user, dry_run=step != "commit", job_id="digest").as_json(max_changes=50)
    h, m, f = sample.registry_rows(3000, villages=villages, seed=2)
    h[5]["村代码"] = "510802999999"
    h[7]["户编号"] = h[6]["户编号"]
    m[3]["证件号码"] = m[3]["证件号码"][:17] + ("0" if m[3]["证件号码"][17] != "0" else "1")
    m[9]["证件号码"] = "5.10802E+17"
    f[4]["工资性收入"] = -5
    m[11]["户编号"] = "NOPE"
    m[12]["证件号码"] = m[13]["证件号码"]
    changes = sample.write_workbook(os.path.join(tempfile.mkdtemp(), "changes.xlsx"), {"户": h, "成员": m, "年度": f})
    res["changes_dry"] = run_import(changes, user=user, dry_run=True, job_id="digest-2").as_json(max_changes=300)
    res["changes_commit"] = run_import(changes, user=user, dry_run=False, valid_only=True,
                                       job_id="digest-2").as_json(max_changes=300)
    stamps = ("created_at", "updated_at")
    res["households"] = _dump(Household.objects.all(), stamps)
    res["members"] = _dump(Member.objects.all(), stamps)
    res["facts"] = _dump(HouseholdYear.objects.all(), stamps)
    res["audit"] = _dump(AuditEntry.objects.all(), ("at", "id"))
    Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=1, sort_keys=True, default=str))
    summary = {k: {kk: v[kk] for kk in ("rows", "new", "changed", "unchanged")} | {"errors": len(v["errors"])}
               for k, v in res.items() if isinstance(v, dict)}
    print(json.dumps(summary), {k: v for k, v in res.items() if not isinstance(v, dict)})


if __name__ == "__main__":
    main()
