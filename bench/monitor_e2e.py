"""End-to-end benchmark of a measurement run through the database (issue 8): database -> results -> database.

    .venv/bin/python bench/monitor_e2e.py --households 1000000 --database sqlite
    .venv/bin/python bench/monitor_e2e.py --households 1000000 --database postgres [--url postgres://...]

1. A fresh database (SQLite file under --folder, or the PostgreSQL database of --url, dropped and created),
   migrated.
2. A synthetic registry (the engine's `synthetic.registry`, the same Parquet files as bench/monitor.py) loaded
   in bulk: the division tree it uses (province, city, counties, townships, villages), their rural
   populations, the shipped policies, households, members and household-years for the run year. Rows are
   shaped by DuckDB from the Parquet files and written with COPY (PostgreSQL, CSV) or ADBC ingest (SQLite).
   Identity numbers are left blank (the model allows it; they do not enter the engine) and income is
   all wage income (the engine reads the net income only).
3. The measure app's real run path, timed: `xiezuo monitor run --year 2021 --publish` (ADBC read, engine,
   bulk write of the household and division results, publication with the frozen Parquet inputs), with
   the run's own per-phase timings.
   With --reuse, a database already holding this registry is kept (steps 1-2 skipped, the earlier runs'
   results truncated), so the run can be timed again and again.
4. With --snapshot: `xiezuo snapshot --year 2021 -o DIR` in a child process (its wall time and its own peak
   memory, VmHWM), then `xiezuo monitor run --snapshot DIR` timed like step 3.

Figures only, no assertions. Each database runs in its own process (Django is configured once per process).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "src"))
sys.path.insert(0, str(BENCH))

YEAR = 2021
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/xz_engine_bench"


def peak_gib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the
    parent across fork and exec, so a child of bench/monitor.py would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def fresh_database(kind: str, folder: Path, url: str) -> None:
    """Point Django at an empty database of `kind` (before django.setup())."""
    data = folder / f"e2e-{kind}"
    data.mkdir(parents=True, exist_ok=True)
    os.environ["XIEZUO_DATA_DIR"] = str(data)
    os.environ.pop("XIEZUO_TEST_DATABASE_URL", None)
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{data / 'xiezuo.sqlite3'}{suffix}").unlink(missing_ok=True)
        os.environ.pop("DATABASE_URL", None)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url


def registry_loaded(kind: str, folder: Path, url: str, households: int) -> bool:
    """With --reuse: whether the database already holds this size's registry (then it is kept, not rebuilt)."""
    data = folder / f"e2e-{kind}"
    os.environ["XIEZUO_DATA_DIR"] = str(data)
    os.environ.pop("XIEZUO_TEST_DATABASE_URL", None)
    if kind == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        import sqlite3

        path = data / "xiezuo.sqlite3"
        if not path.exists():
            return False
        try:
            with sqlite3.connect(path) as conn:
                (n,) = conn.execute("SELECT COUNT(*) FROM registry_householdyear WHERE year = ?", [YEAR]).fetchone()
        except sqlite3.Error:
            return False
    else:
        import psycopg

        try:
            with psycopg.connect(url) as conn:
                (n,) = conn.execute("SELECT COUNT(*) FROM registry_householdyear WHERE year = %s", [YEAR]).fetchone()
        except psycopg.Error:
            return False
        os.environ["DATABASE_URL"] = url
    return n == households


def clear_runs(data: Path) -> None:
    """Earlier benchmark runs' results removed, so every timed run writes into empty result tables."""
    import shutil

    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE measure_householdresult, measure_divisionresult")
        else:
            cur.execute("DELETE FROM measure_householdresult")
            cur.execute("DELETE FROM measure_divisionresult")
    shutil.rmtree(data / "runs", ignore_errors=True)


def shaped(paths: dict[str, Path], columns: dict[str, list[str]]) -> dict[str, str]:
    """DuckDB queries giving the registry tables' rows, column for column, from the engine's Parquet inputs."""
    hh, yr, mem = (str(paths[k]) for k in ("households", "years", "members"))
    money0 = ", ".join(f"CAST(0 AS DOUBLE) AS {c}" for c in (
        "business", "property_dividend", "property_other", "transfer_family_planning", "transfer_dibao",
        "transfer_tekun", "transfer_pension", "transfer_eco", "transfer_other", "production_cost"))
    now = "'2026-11-29 00:00:00'"  # naive UTC, as Django writes it on SQLite and PostgreSQL (TIME_ZONE UTC)
    q = {
        "registry_household": f"""
            SELECT id, 'B' || lpad(CAST(id AS VARCHAR), 10, '0') AS number, village AS village_id,
                   '户主' || CAST(id AS VARCHAR) AS head_name, attribute, 'national' AS standard,
                   CASE WHEN exit_year IS NOT NULL THEN 'exited' ELSE 'identified' END AS status,
                   CASE WHEN identified_year IS NOT NULL THEN make_date(CAST(identified_year AS INTEGER), 5, 1)
                        END AS identified_on,
                   exit_year, '' AS main_cause, '[]' AS other_causes, false AS military_family,
                   false AS only_child, false AS two_daughters, '' AS phone_enc, '' AS phone_masked, '' AS bank_name,
                   '' AS bank_account_enc, '' AS bank_account_masked,
                   0.0 AS cultivated_mu, 0.0 AS forest_mu, 0.0 AS road_distance_km, '' AS road_type,
                   0.0 AS housing_area_m2, false AS relocated, false AS cooperative_member, NULL AS cadre_id,
                   true AS synthetic, {now} AS created_at, {now} AS updated_at
            FROM read_parquet('{hh}')""",
        "registry_member": f"""
            SELECT household_id, '成员' AS name, '' AS id_number_enc, '' AS id_number_hash,
                   '' AS id_number_masked, CASE WHEN birth_year % 2 = 0 THEN 'M' ELSE 'F' END AS sex,
                   make_date(CAST(birth_year AS INTEGER), 7, 1) AS birth_date, '汉族' AS ethnicity,
                   '99' AS relation, education, schooling, health, disability AS disability_category,
                   NULL AS disability_grade, labour, '' AS work_place, 0 AS months_worked,
                   true AS medical_insurance, true AS critical_illness_insurance, false AS pension_insurance,
                   false AS dibao, false AS tekun, '' AS phone_enc, '' AS phone_masked, deceased = 1 AS deceased, true AS synthetic
            FROM read_parquet('{mem}')""",
        "registry_householdyear": f"""
            SELECT household_id, {YEAR} AS year, size, CAST(net_fen AS DOUBLE) / 100 AS wage, {money0},
                   CAST(medical_fen AS DOUBLE) / 100 AS medical_expense,
                   CAST(education_fen AS DOUBLE) / 100 AS education_expense,
                   food_secure = 1 AS food_secure, clothing_secure = 1 AS clothing_secure, compulsory_dropouts,
                   uninsured_members, housing_grade, water_safe = 1 AS water_safe, false AS water_difficult,
                   electricity = 1 AS electricity, sanitary_toilet = 1 AS sanitary_toilet,
                   clean_fuel = 1 AS clean_fuel, 'poor' AS year_status
            FROM read_parquet('{yr}')""",
    }
    for table, sql in q.items():  # the model changed? fail here rather than load a wrong table
        import duckdb

        got = duckdb.sql(f"SELECT * FROM ({sql}) LIMIT 0").columns
        missing = set(columns[table]) - set(got) - {"id"}
        if missing:
            raise SystemExit(f"{table}: the loader lacks columns {sorted(missing)}")
    return q


def load(paths: dict[str, Path], folder: Path) -> dict[str, float]:
    """Divisions, populations, policies and the registry for YEAR, in bulk. Returns per-table seconds."""
    import duckdb
    import pyarrow.parquet as pq
    from django.db import connection

    from xiezuo.geo.models import Division, DivisionPopulation
    from xiezuo.policy.services import load_shipped
    from xiezuo.registry.models import Household, HouseholdYear, Member

    times = {}
    t = time.perf_counter()
    villages = sorted(set(pq.read_table(paths["households"], columns=["village"]).column("village").to_pylist()))
    # the synthetic registry's made-up tree (engine.synthetic.CITY): province, city and counties from its codes
    rows = [Division(code=v[:2].ljust(12, "0"), name=f"省{v[:2]}", level="province", side="west", synthetic=True)
            for v in sorted({v[:2] for v in villages})]
    rows += [Division(code=c.ljust(12, "0"), name=f"市{c}", level="city", parent_id=c[:2].ljust(12, "0"),
                      side="west", synthetic=True) for c in sorted({v[:4] for v in villages})]
    rows += [Division(code=c.ljust(12, "0"), name=f"县{c}", level="county", parent_id=c[:4].ljust(12, "0"),
                      side="west", synthetic=True) for c in sorted({v[:6] for v in villages})]
    towns = sorted({v[:9] for v in villages})
    rows += [Division(code=t9.ljust(12, "0"), name=f"镇{t9[6:]}", level="township", parent_id=t9[:6].ljust(12, "0"),
                      side="west", synthetic=True) for t9 in towns]
    rows += [Division(code=v, name=f"村{v[9:]}", level="village", parent_id=v[:9].ljust(12, "0"), side="west",
                      synthetic=True) for v in villages]
    Division.objects.bulk_create(rows, batch_size=2000)
    pops = pq.read_table(paths["populations"]).to_pylist()
    known = {d.code for d in rows}
    DivisionPopulation.objects.bulk_create(
        [DivisionPopulation(division_id=p["code"], year=YEAR, rural_population=p["rural_population"], source="bench")
         for p in pops if p["code"] in known], batch_size=2000)
    load_shipped(years=[YEAR])
    times["divisions, populations, policies"] = time.perf_counter() - t
    models = {"registry_household": Household, "registry_member": Member, "registry_householdyear": HouseholdYear}
    columns = {t: [f.column for f in m._meta.concrete_fields] for t, m in models.items()}
    queries = shaped(paths, columns)
    con = duckdb.connect()
    for table, sql in queries.items():
        t = time.perf_counter()
        cols = duckdb.sql(f"SELECT * FROM ({sql}) LIMIT 0").columns
        if connection.vendor == "postgresql":
            csv = folder / f"{table}.csv"
            con.execute(f"COPY ({sql}) TO '{csv}' (FORMAT csv, HEADER false)")
            with connection.cursor() as cur, csv.open("rb") as fh, \
                    cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN (FORMAT csv)") as copy:
                while block := fh.read(1 << 22):
                    copy.write(block)
            csv.unlink()
        else:
            import adbc_driver_sqlite.dbapi as lite

            # Django keeps dates as ISO text on SQLite; ADBC binds no DECIMAL (SQLite stores REAL anyway)
            types = dict(zip(cols, (str(t) for t in con.sql(sql).types), strict=True))
            sel = ", ".join(f"CAST({c} AS VARCHAR) AS {c}" if types[c] in ("DATE", "TIMESTAMP") or c.endswith("_at")
                            else f"CAST({c} AS DOUBLE) AS {c}" if types[c].startswith("DECIMAL") else c for c in cols)
            arrow = con.sql(f"SELECT {sel} FROM ({sql})").to_arrow_table()
            connection.close()
            with lite.connect(str(connection.settings_dict["NAME"])) as lc, lc.cursor() as cur:
                cur.adbc_ingest(table, arrow, mode="append")
                lc.commit()
            del arrow
        times[table] = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for table in models:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
            cur.execute("VACUUM ANALYZE")  # Django's connection is in autocommit mode here
        else:
            cur.execute("ANALYZE")
    times["analyze"] = time.perf_counter() - t
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=1_000_000)
    ap.add_argument("--database", choices=("sqlite", "postgres"), required=True)
    ap.add_argument("--url", default=os.environ.get("XIEZUO_BENCH_PG_URL", DEFAULT_PG))
    ap.add_argument("--snapshot", action="store_true", help="also time `xiezuo snapshot` and a run from it")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the database if it already holds this registry (earlier results are truncated)")
    ap.add_argument("--skip-run", action="store_true", help="skip step 3 (with --snapshot: time the snapshot only)")
    ap.add_argument("--folder", default=os.environ.get("XIEZUO_BENCH_DIR", tempfile.gettempdir() + "/xz-bench"))
    args = ap.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    from monitor import build

    paths = build(args.households, folder)
    reuse = args.reuse and registry_loaded(args.database, folder, args.url, args.households)
    if not reuse:
        fresh_database(args.database, folder, args.url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"\nend to end, {args.households:,} households, {connection.vendor} "
          f"({connection.settings_dict['NAME']})", flush=True)
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  migrate    {time.perf_counter() - t:8.2f} s", flush=True)
    if reuse:
        clear_runs(folder / f"e2e-{args.database}")
        print("  registry   reused (--reuse): earlier runs' results truncated", flush=True)
    else:
        t = time.perf_counter()
        for table, dt in load(paths, folder).items():
            print(f"    load {table:<34} {dt:7.2f} s", flush=True)
        print(f"  load       {time.perf_counter() - t:8.2f} s   peak RSS {peak_gib():5.2f} GiB", flush=True)
    connection.close()
    from xiezuo.measure.models import Run

    if args.skip_run:
        if args.snapshot:
            snapshot_steps(folder / f"snapshot-{args.database}")
        return
    t = time.perf_counter()
    call_command("monitor", "run", "--year", str(YEAR), "--publish")
    dt = time.perf_counter() - t
    run = Run.objects.order_by("-pk").first()
    print(f"  RUN        {dt:8.2f} s   (xiezuo monitor run --year {YEAR} --publish: database -> results -> "
          f"database)   peak RSS {peak_gib():5.2f} GiB")
    print("  run phases: " + ", ".join(f"{k} {v}" for k, v in run.timings.items()), flush=True)
    if args.snapshot:
        snapshot_steps(folder / f"snapshot-{args.database}")


def snapshot_steps(out: Path) -> None:
    import shutil
    import subprocess

    from django.core.management import call_command
    from django.db import connection

    from xiezuo.measure.models import Run

    shutil.rmtree(out, ignore_errors=True)
    connection.close()
    child = ("import sys; from xiezuo.cli import main; main(sys.argv[1:]); "
             "print('VmHWM', [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])")
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", child, "snapshot", "--year", str(YEAR), "-o", str(out)],
                          capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(BENCH.parent / "src")})
    dt = time.perf_counter() - t
    kib = int(done.stdout.rsplit("VmHWM", 1)[1])
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(done.stdout.rsplit("VmHWM", 1)[0].rstrip())
    print(f"  SNAPSHOT   {dt:8.2f} s   (xiezuo snapshot, child process)   peak RSS {kib / 1024 / 1024:5.2f} GiB, "
          f"{size / 1e6:.0f} MB on disk", flush=True)
    t = time.perf_counter()
    call_command("monitor", "run", "--snapshot", str(out))
    run = Run.objects.order_by("-pk").first()
    print(f"  RUN (snapshot) {time.perf_counter() - t:6.2f} s   peak RSS {peak_gib():5.2f} GiB", flush=True)
    print("  run phases: " + ", ".join(f"{k} {v}" for k, v in run.timings.items()), flush=True)


if __name__ == "__main__":
    main()
