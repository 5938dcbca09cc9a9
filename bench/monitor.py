"""Benchmark of the measurement engine (issue 8).

    .venv/bin/python bench/monitor.py --households 1000000 [--households 10000000] [--orm]

For each size: a synthetic registry (about 3.2 persons per household) is written to Parquet,
then timed side by side:
  engine   xiezuo.measure.engine.evaluate: Parquet in, household results + every division's measures out
  engine-agg  the same with keep_households=False: every division's measures only (no household rows
           materialised) -- the like-for-like comparison with the two baselines below, which compute
           county aggregates only
  sql      a hand-written DuckDB query computing the same county aggregates (FGT 0/1/2, H, A, M0)
  pandas   what an analyst would write (merge, groupby, numpy)
  orm      (--orm) a per-household Django ORM loop over the database's registry, timed on up to
           10 k households and scaled linearly to the size
Peak memory (max RSS of this process) is printed after each step. No assertions: figures only.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from xiezuo.measure.engine import Spec, evaluate  # noqa: E402
from xiezuo.measure.engine.synthetic import registry  # noqa: E402
from xiezuo.policy.seed import parameters  # noqa: E402

YEAR = 2021


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def machine() -> str:
    mem = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split("\n")[1].split()[1]
    return f"{platform.processor() or platform.machine()}, nproc={os.cpu_count()}, memory={mem} GiB, " \
           f"Python {platform.python_version()}, DuckDB {duckdb.__version__}"


def build(n: int, folder: Path) -> dict[str, Path]:
    paths = {name: folder / f"{name}-{n}.parquet" for name in ("households", "members", "years", "populations")}
    if not all(p.exists() for p in paths.values()):
        chunk = 1_000_000
        writers = {}
        for start in range(0, n, chunk):
            part = registry(min(chunk, n - start), seed=start + 1, year=YEAR, villages=max(7, n // 300))
            for name, table in part.items():
                if name != "populations":
                    for col in ("id", "household_id"):
                        if col in table.column_names:
                            idx = table.schema.get_field_index(col)
                            table = table.set_column(idx, col, pa_add(table.column(col), start))
                if name == "populations" and start:
                    continue
                if name not in writers:
                    writers[name] = pq.ParquetWriter(paths[name].with_suffix(".part"), table.schema)
                writers[name].write_table(table)
        for name, w in writers.items():
            w.close()
            paths[name].with_suffix(".part").rename(paths[name])  # an interrupted build leaves no half file
    return paths


def pa_add(column, offset: int):
    import pyarrow.compute as pc

    return pc.add(column, offset)


def run_engine(paths, spec, keep_households=True):
    # the Parquet paths themselves: DuckDB scans them, as the hand-written query does
    return evaluate(**paths, spec=spec, year=YEAR, keep_households=keep_households)


def run_engine_agg(paths, spec):
    return run_engine(paths, spec, keep_households=False)


HAND_SQL = """
WITH m AS (
  SELECT household_id,
         MAX(CASE WHEN {y} - birth_year >= 16 THEN CASE education WHEN 'primary' THEN 6 WHEN 'junior' THEN 9
             WHEN 'senior' THEN 12 WHEN 'college' THEN 15 ELSE 0 END ELSE 0 END) AS school_years,
         SUM(CASE WHEN {y} - birth_year BETWEEN 6 AND 15 AND schooling IN ('none','dropout') THEN 1 ELSE 0 END) AS out_of_school,
         SUM(CASE WHEN health = 'serious' THEN 1 ELSE 0 END) AS serious
  FROM read_parquet('{members}') WHERE deceased = 0 GROUP BY household_id),
s AS (
  SELECT substr(h.village, 1, 6) AS county, y.size, y.net_fen,
         (CASE WHEN y.food_secure = 0 THEN 1 ELSE 0 END) / 6.0
       + (CASE WHEN COALESCE(m.serious, 0) >= 1 OR y.uninsured_members >= 1 THEN 1 ELSE 0 END) / 6.0
       + (CASE WHEN COALESCE(m.school_years, 0) < 6 THEN 1 ELSE 0 END) / 6.0
       + (CASE WHEN COALESCE(m.out_of_school, 0) >= 1 OR y.compulsory_dropouts >= 1 THEN 1 ELSE 0 END) / 6.0
       + ((1 - y.clean_fuel) + (1 - y.sanitary_toilet) + (1 - y.water_safe) + (1 - y.electricity)
          + (CASE WHEN y.housing_grade IN ('A','B') THEN 0 ELSE 1 END)
          + (CASE WHEN y.net_fen < {line} * y.size THEN 1 ELSE 0 END)) / 18.0 AS score
  FROM read_parquet('{households}') h JOIN read_parquet('{years}') y ON y.household_id = h.id
  LEFT JOIN m ON m.household_id = h.id WHERE y.size > 0)
SELECT county, SUM(size) AS people,
       SUM(CASE WHEN net_fen < {line} * size THEN size ELSE 0 END) / SUM(size) AS fgt0,
       SUM(CASE WHEN net_fen < {line} * size THEN size * ({line} * size - net_fen) / ({line} * size) ELSE 0 END) / SUM(size) AS fgt1,
       SUM(CASE WHEN net_fen < {line} * size THEN size * pow(({line} * size - net_fen) / ({line} * size), 2) ELSE 0 END) / SUM(size) AS fgt2,
       SUM(CASE WHEN score >= 1/3 - 1e-9 THEN size ELSE 0 END) / SUM(size) AS H,
       SUM(CASE WHEN score >= 1/3 - 1e-9 THEN size * score ELSE 0 END) / SUM(size) AS M0
FROM s GROUP BY county ORDER BY county
"""


def run_sql(paths, spec):
    con = duckdb.connect()
    sql = HAND_SQL.format(y=YEAR, line=int(spec.poverty_line * 100), **{k: str(v) for k, v in paths.items()})
    return con.sql(sql).to_arrow_table()


def run_pandas(paths, spec):
    import pandas as pd

    hh = pd.read_parquet(paths["households"])
    yr = pd.read_parquet(paths["years"])
    mem = pd.read_parquet(paths["members"])
    mem = mem[mem.deceased == 0]
    age = YEAR - mem.birth_year
    years_map = {"primary": 6, "junior": 9, "senior": 12, "college": 15}
    mem = mem.assign(school_years=np.where(age >= 16, mem.education.map(years_map).fillna(0), 0),
                     out_of_school=((age >= 6) & (age <= 15) & mem.schooling.isin(["none", "dropout"])).astype(int),
                     serious=(mem.health == "serious").astype(int))
    agg = mem.groupby("household_id").agg(school_years=("school_years", "max"), out_of_school=("out_of_school", "sum"),
                                          serious=("serious", "sum")).reset_index()
    df = hh.merge(yr, left_on="id", right_on="household_id").merge(agg, on="household_id", how="left").fillna(
        {"school_years": 0, "out_of_school": 0, "serious": 0})
    df = df[df["size"] > 0]
    line = float(spec.poverty_line)
    pcni = df.net_fen / df["size"] / 100
    score = ((df.food_secure == 0) / 6 + ((df.serious >= 1) | (df.uninsured_members >= 1)) / 6
             + (df.school_years < 6) / 6 + ((df.out_of_school >= 1) | (df.compulsory_dropouts >= 1)) / 6
             + ((1 - df.clean_fuel) + (1 - df.sanitary_toilet) + (1 - df.water_safe) + (1 - df.electricity)
                + (~df.housing_grade.isin(["A", "B"])) + (pcni < line)) / 18)
    gap = np.where(pcni < line, (line - pcni) / line, 0.0)
    poor = score >= 1 / 3 - 1e-9
    df = df.assign(county=df.village.str[:6], w=df["size"], p0=(pcni < line) * df["size"], p1=gap * df["size"],
                   p2=gap**2 * df["size"], h=poor * df["size"], m=poor * score * df["size"])
    g = df.groupby("county")[["w", "p0", "p1", "p2", "h", "m"]].sum()
    return g.div(g.w, axis=0)


def run_orm(limit: int = 10_000):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    import django

    django.setup()
    from decimal import Decimal

    from xiezuo.registry.models import HouseholdYear

    line = Decimal("4000")
    rows = HouseholdYear.objects.filter(year=YEAR).select_related("household")[:limit]
    t = time.perf_counter()
    n = 0
    for hy in rows:  # the naive way: one household at a time, members fetched per household
        members = list(hy.household.members.filter(deceased=False))
        pc = hy.per_capita_income
        _poor = pc < line
        _schooling = max((15 if m.education == "college" else 6 for m in members), default=0)
        n += 1
    return n, time.perf_counter() - t


def timed(label, fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    dt = time.perf_counter() - t
    print(f"  {label:<10} {dt:8.2f} s   peak RSS {peak_gib():5.2f} GiB", flush=True)
    return out, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, action="append")
    ap.add_argument("--folder", default=os.environ.get("XIEZUO_BENCH_DIR", tempfile.gettempdir() + "/xz-bench"))
    ap.add_argument("--orm", action="store_true", help="also time the per-household ORM loop on the database")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--pandas-max", type=int, default=2_000_000, help="skip pandas above this many households")
    args = ap.parse_args()
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    print("machine:", machine())
    spec = Spec.from_dict(parameters(YEAR))
    for n in args.households or [1_000_000]:
        print(f"\n{n:,} households")
        paths, _ = timed("build", build, n, folder)
        members = pq.ParquetFile(paths["members"]).metadata.num_rows
        print(f"  ({members:,} members, {members / n:.2f} per household)")
        res, t_engine = timed("engine", run_engine, paths, spec)
        print(f"           engine steps: {', '.join(f'{k} {v:.2f}' for k, v in res.timings.items())}")
        del res
        res, t_agg = timed("engine-agg", run_engine_agg, paths, spec)
        print(f"           engine steps: {', '.join(f'{k} {v:.2f}' for k, v in res.timings.items())}")
        del res
        _, t_sql = timed("sql", run_sql, paths, spec)
        print(f"  engine / hand-written SQL = {t_engine / t_sql:.2f} (full output), "
              f"{t_agg / t_sql:.2f} (aggregates only, like for like)")
        if not args.skip_pandas and n <= args.pandas_max:
            _, t_pd = timed("pandas", run_pandas, paths, spec)
            print(f"  pandas / engine = {t_pd / t_engine:.2f} (full output), "
                  f"{t_pd / t_agg:.2f} (aggregates only, like for like)")
        if args.orm:
            k, t_orm = run_orm()
            if k:
                print(f"  orm      {t_orm:8.2f} s for {k:,} households -> {t_orm / k * n:,.0f} s scaled to {n:,}")
            else:
                print("  orm      no registry rows for the year in the database")


if __name__ == "__main__":
    main()
