"""Import benchmark: a 100 k-household / 320 k-member registry workbook.

Prints, side by side in one run: our validate (dry run) and commit on SQLite and on
PostgreSQL, and a baseline of openpyxl row by row with a per-row ORM save (the way a
hand-written importer or django-import-export's default row loop works), timed on a
subset and scaled to the whole workbook.

    .venv/bin/python bench/import_bench.py [--households 100000] [--baseline 1000] [--no-postgres]

The workbook is generated once and cached under bench/out/ (gitignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/xz_dataio_bench")


def _setup_django(data_dir: str, database_url: str | None) -> None:
    os.environ["XIEZUO_DATA_DIR"] = data_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.pop("XIEZUO_TEST_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "xiezuo.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _divisions() -> list[str]:
    from xiezuo.geo.models import Division

    def mk(code, name, level, parent=None):
        return Division.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})[0]

    p = mk("510000000000", "四川省", "province")
    c = mk("510800000000", "广元市", "city", p)
    k = mk("510802000000", "利州区", "county", c)
    villages = []
    for t in range(1, 11):
        town = mk(f"510802{100 + t:03d}000", f"镇{t}", "township", k)
        for v in range(1, 21):
            villages.append(mk(f"510802{100 + t:03d}{200 + v:03d}", f"村{t}-{v}", "village", town).code)
    return villages


def workbook(households: int) -> tuple[Path, dict]:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"registry-{households}.xlsx"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        return path, json.loads(meta_path.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        _setup_django(tmp, None)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        from xiezuo.dataio import sample

        t = time.perf_counter()
        h, m, f = sample.registry_rows(households, villages=_divisions(), members=3.2)
        sample.write_workbook(path, {"户": h, "成员": m, "年度": f})
        meta = {"households": len(h), "members": len(m), "facts": len(f), "rows": len(h) + len(m) + len(f),
                "bytes": path.stat().st_size, "generated_s": round(time.perf_counter() - t, 1)}
    meta_path.write_text(json.dumps(meta))
    return path, meta


def child(backend: str, path: str, baseline: int) -> dict:
    """Runs in a fresh process per backend: migrate, then time our import and the baseline."""
    tmp = tempfile.mkdtemp(prefix="xz-bench-")
    url = None
    if backend == "postgres":
        import psycopg

        admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
        name = PG_URL.rsplit("/", 1)[1]
        with psycopg.connect(admin_url, autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}"')
            con.execute(f'CREATE DATABASE "{name}"')
        url = PG_URL
    _setup_django(tmp, url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _divisions()
    from xiezuo.dataio.importer import run_import
    from xiezuo.dataio.jobs import SystemUser
    from xiezuo.registry.models import Household, HouseholdYear, Member

    user = SystemUser()
    out: dict = {"backend": backend}
    t, c = time.perf_counter(), time.process_time()
    dry = run_import(path, user=user, dry_run=True)
    out["validate_s"] = time.perf_counter() - t
    out["validate_cpu_s"] = time.process_time() - c
    out["rows"] = dry.rows
    out["errors"] = len(dry.errors)
    t, c = time.perf_counter(), time.process_time()
    done = run_import(path, user=user, dry_run=False, job_id="bench")
    out["commit_s"] = time.perf_counter() - t
    out["commit_cpu_s"] = time.process_time() - c
    out["committed"] = done.committed
    out["counts"] = [Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count()]
    t = time.perf_counter()
    again = run_import(path, user=user, dry_run=True)
    out["reimport_check_s"] = time.perf_counter() - t
    out["reimport_unchanged"] = again.unchanged
    if baseline:
        out.update(_baseline(path, baseline))
    return out


def _baseline(path: str, households: int) -> dict:
    """openpyxl row by row, one ORM save per row (with the registry's own identity check and
    per-row audit), on the first `households` households, their members and facts."""
    import openpyxl
    from django.db import transaction

    from xiezuo.accounts import audit
    from xiezuo.registry.identity import check_id_number
    from xiezuo.registry.models import Household, HouseholdYear, Member
    from xiezuo.registry.services import member_identity_fields

    Household.objects.filter(number__startswith="B").delete()
    t = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n_rows = 0
    numbers: dict[str, Household] = {}
    with transaction.atomic():
        rows = wb["户"].iter_rows(values_only=True)
        head = next(rows)
        for i, row in enumerate(rows):
            if i >= households:
                break
            r = dict(zip(head, row, strict=False))
            h = Household(number="B" + r["户编号"], village_id=r["村代码"], head_name=r["户主姓名"])
            h.full_clean()
            h.save()
            audit.record(action="registry.household.created", user=None, target=h, after=audit.snapshot(h))
            numbers[r["户编号"]] = h
            n_rows += 1
        rows = wb["成员"].iter_rows(values_only=True)
        head = next(rows)
        for row in rows:
            r = dict(zip(head, row, strict=False))
            h = numbers.get(r["户编号"])
            if h is None:
                break
            checked = check_id_number(r["证件号码"])
            fake = checked.number[:14] + "9" + checked.number[15:17]  # keep the real ones free for our import
            from xiezuo.registry.identity import check_character

            fake += check_character(fake)
            m = Member(household=h, name=r["姓名"], sex=checked.sex, birth_date=checked.birth_date, relation="01",
                       **member_identity_fields(fake))
            m.full_clean()
            m.save()
            audit.record(action="registry.member.created", user=None, target=m, after=audit.snapshot(m))
            n_rows += 1
        rows = wb["年度"].iter_rows(values_only=True)
        head = next(rows)
        for row in rows:
            r = dict(zip(head, row, strict=False))
            h = numbers.get(r["户编号"])
            if h is None:
                break
            hy = HouseholdYear(household=h, year=int(r["年度"]), size=int(r["家庭人口数"]),
                               wage=Decimal(str(r["工资性收入"] or 0)).quantize(Decimal("0.01")))
            hy.full_clean()
            hy.save()
            audit.record(action="registry.householdyear.created", user=None, target=hy, after=audit.snapshot(hy))
            n_rows += 1
    wb.close()
    return {"baseline_rows": n_rows, "baseline_s": time.perf_counter() - t}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1000, help="households in the baseline subset")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "FILE", "BASELINE"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.child[1], int(args.child[2]))))
        return

    path, meta = workbook(args.households)
    backends = ["sqlite"] + ([] if args.no_postgres else ["postgres"])
    results = []
    for b in backends:
        proc = subprocess.run([sys.executable, __file__, "--child", b, str(path), str(args.baseline)],
                              capture_output=True, text=True, env={**os.environ})
        if proc.returncode:
            print(f"{b}: failed\n{proc.stderr[-3000:]}", file=sys.stderr)
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {platform.machine()} {os.cpu_count()} cores (nproc {os.cpu_count()}), {mem:.1f} GiB RAM, "
          f"Python {platform.python_version()}")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
          "(the machine is shared; wall times include waiting for a core)")
    print(f"workbook: {meta['households']:,} households, {meta['members']:,} members, {meta['facts']:,} facts "
          f"= {meta['rows']:,} rows, {meta['bytes'] / 2**20:.1f} MiB")
    print()
    head = f"{'':34}" + "".join(f"{r['backend']:>16}" for r in results)
    print(head)
    print("-" * len(head))

    def line(label, fn):
        print(f"{label:34}" + "".join(f"{fn(r):>16}" for r in results))

    line("validate (dry run), s", lambda r: f"{r['validate_s']:.1f}")
    line("validated rows/s", lambda r: f"{r['rows'] / r['validate_s']:,.0f}")
    line("  (this process's CPU, s)", lambda r: f"{r['validate_cpu_s']:.1f}")
    line("validate + commit, s", lambda r: f"{r['commit_s']:.1f}")
    line("  (this process's CPU, s)", lambda r: f"{r['commit_cpu_s']:.1f}")
    line("committed rows/s", lambda r: f"{r['rows'] / r['commit_s']:,.0f}")
    line("re-import check (all unchanged), s", lambda r: f"{r['reimport_check_s']:.1f}")
    line("unchanged on re-import", lambda r: f"{r['reimport_unchanged']:,}")
    line("households/members/facts saved", lambda r: "/".join(f"{c // 1000}k" for c in r["counts"]))
    if all("baseline_s" in r for r in results):
        line("baseline rows (subset)", lambda r: f"{r['baseline_rows']:,}")
        line("baseline rows/s", lambda r: f"{r['baseline_rows'] / r['baseline_s']:,.0f}")
        line("baseline, whole workbook, s (scaled)",
             lambda r: f"{r['baseline_s'] * meta['rows'] / r['baseline_rows']:.0f}")
        line("speed-up vs baseline (commit)",
             lambda r: f"{(r['baseline_s'] * meta['rows'] / r['baseline_rows']) / r['commit_s']:.1f}x")


if __name__ == "__main__":
    main()
