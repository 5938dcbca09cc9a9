"""Benchmark of the measurement engine (issue 8).

    .venv/bin/python bench/monitor.py --households 1000000 [--households 10000000] [--orm]

For each size: a synthetic registry (about 3.2 persons per household) is written to Parquet,
then timed side by side:
  engine   xiezuo.measure.engine.evaluate: Parquet in, household results + every division's measures out
  engine-agg  the same with keep_households=False: every division's measures only (no household rows
           materialised) -- the like-for-like comparison with the two baselines below, which compute
           county aggregates only
  sql      a hand-written DuckDB query computing the same county aggregates (FGT 0/1/2, H, A, M0)
  pandas   what an analyst would write (merge, groupby, numpy) for those county aggregates
  pandas-all  what an analyst would write for engine-agg's whole output (every division at five levels,
           statuses, categories, FGT, H, A, M0, censored headcounts, contributions, incidence),
           checked against the engine's table -- the like-for-like pandas comparison
  orm      (--orm) a per-household Django ORM loop over the database's registry, timed on up to
           10 k households and scaled linearly to the size
Peak memory (max RSS of this process) is printed after each step. No assertions: figures only.
`--end-to-end` also runs bench/monitor_e2e.py (database -> results -> database through the measure
app's run path) on SQLite and PostgreSQL at the first size, each in its own process.
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
import pandas as pd  # imported here, not inside the timed pandas steps
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from xiezuo.measure.engine import Spec, evaluate  # noqa: E402
from xiezuo.measure.engine.run import PARQUET_ROW_GROUP_ROWS  # noqa: E402
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
    # "-rg": files written with PARQUET_ROW_GROUP_ROWS row groups (older files had one 1 Mi-row group per write)
    paths = {name: folder / f"{name}-{n}-rg.parquet" for name in ("households", "members", "years", "populations")}
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
                writers[name].write_table(table, row_group_size=PARQUET_ROW_GROUP_ROWS)
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


def pandas_households(paths):
    """Households joined with their year's facts and their living members' education and health, in pandas."""
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
    return df


def run_pandas(paths, spec):
    df = pandas_households(paths)
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


def run_pandas_full(paths, spec):
    """What an analyst would write to get the engine's aggregates-only output (engine-agg) in pandas: every
    household's status, monitoring category and MPI, then for every division at the five levels the status
    and category counts, FGT 0/1/2, H, A, M0, each indicator's censored headcount and contribution, and the
    incidence. The rules of the shipped national policy are written out by hand; the numbers come from the
    spec. Vectorised (merge, numpy, groupby), nothing row by row."""
    df = pandas_households(paths)
    pops = pd.read_parquet(paths["populations"])
    fen = lambda x: int(round(float(x) * 100))  # noqa: E731 -- money compared in integer fen, as the engine does
    size, net = df["size"].to_numpy(), df.net_fen.to_numpy()
    line, threshold, exit_line = fen(spec.poverty_line), fen(spec.monitoring_threshold), fen(spec.exit_line)
    below_line = net < line * size
    below_thr = net < threshold * size
    ever = df.identified_year.notna().to_numpy()
    active = (ever & (df.identified_year <= YEAR) & (df.exit_year.isna() | (df.exit_year >= YEAR))).to_numpy()
    exited = (df.exit_year < YEAR).fillna(False).to_numpy()
    exit_ok = ((net > exit_line * size) & (df.food_secure == 1) & (df.clothing_secure == 1)
               & (df.compulsory_dropouts == 0) & (df.uninsured_members == 0) & df.housing_grade.isin(["A", "B"])
               & (df.water_safe == 1)).to_numpy()
    rigid = net - df.medical_fen.to_numpy() - df.education_fen.to_numpy()
    category = np.select([exited & below_thr, ~ever & below_thr, rigid < threshold * size],
                         ["unstable_exited", "marginal", "sudden_difficulty"], "")
    status = np.select([active & exit_ok, active, category != "", exited],
                       ["may_exit", "poor", "monitored", "exited"], "not_poor")
    category = np.where(status == "monitored", category, "")
    d = {"nutrition": df.food_secure == 0, "health_risk": (df.serious >= 1) | (df.uninsured_members >= 1),
         "schooling": df.school_years < 6, "attendance": (df.out_of_school >= 1) | (df.compulsory_dropouts >= 1),
         "cooking_fuel": df.clean_fuel == 0, "sanitation": df.sanitary_toilet == 0,
         "drinking_water": df.water_safe == 0, "electricity": df.electricity == 0,
         "housing": ~df.housing_grade.isin(["A", "B"]), "assets": pd.Series(below_line, index=df.index)}
    d = {k: v.to_numpy() for k, v in d.items()}
    score = sum(d[i.name] * i.weight for i in spec.indicators)
    poor = score >= spec.k - 1e-9
    gap = np.where(below_line, (line * size - net) / (line * size), 0.0)
    cols = {"households": 1, "people": size, "people_below_line": below_line * size, "gap1": size * gap,
            "gap2": size * gap * gap, "mpi_poor_people": poor * size, "mpi_score_sum": poor * size * score}
    for st in ("poor", "may_exit", "exited", "monitored", "not_poor"):
        cols[f"hh_{st}"] = status == st
        cols[f"people_{st}"] = (status == st) * size
    for c in ("unstable_exited", "marginal", "sudden_difficulty"):
        cols[f"cat_{c}"] = category == c
    for i in spec.indicators:
        cols[f"ch_{i.name}"] = poor * d[i.name] * size
        cols[f"un_{i.name}"] = d[i.name] * size
    sums = pd.DataFrame(cols, index=df.index).assign(code=df.village).groupby("code").sum()
    levels = [sums.assign(level="village")]
    for level, n in (("township", 9), ("county", 6), ("city", 4), ("province", 2)):
        levels.append(sums.groupby(sums.index.str[:n].str.ljust(12, "0")).sum().assign(level=level))
    out = pd.concat(levels)
    out.index.name = "code"
    people = out.people
    out["fgt0"], out["fgt1"], out["fgt2"] = out.people_below_line / people, out.gap1 / people, out.gap2 / people
    out["H"], out["M0"] = out.mpi_poor_people / people, out.mpi_score_sum / people
    out["A"] = (out.mpi_score_sum / out.mpi_poor_people).fillna(0.0)
    for i in spec.indicators:
        out[f"censored_{i.name}"] = out[f"ch_{i.name}"] / people
        out[f"contribution_{i.name}"] = (i.weight * out[f"censored_{i.name}"] / out.M0).fillna(0.0)
    rural = pops.set_index("code").rural_population.reindex(out.index)
    out["incidence"] = (out.people_poor / rural).fillna(0.0)
    return out.reset_index().sort_values(["code", "level"], ignore_index=True)


def same_divisions(engine_divisions, pandas_divisions) -> float:
    """The largest difference between the engine's and pandas' division tables (every shared column)."""
    e = engine_divisions.to_pandas()
    p = pandas_divisions
    if len(e) != len(p) or list(e.code) != list(p.code) or list(e.level) != list(p.level):
        return float("inf")
    cols = [c for c in e.columns if c in p.columns and c not in ("code", "level", "rural_population")]
    return max(float(np.nanmax(np.abs(e[c].to_numpy(dtype=float) - p[c].to_numpy(dtype=float)))) for c in cols)


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


REPEAT = 1


def timed(label, fn, *args):
    """Run `fn` REPEAT times (--repeat) and keep the fastest: the machine is shared, so the minimum is the
    figure least disturbed by other jobs; every time is printed."""
    times = []
    for _ in range(REPEAT if label != "build" else 1):
        out = None  # free the previous result before the next repetition
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    dt = min(times)
    each = f"   (runs: {', '.join(f'{x:.2f}' for x in times)})" if len(times) > 1 else ""
    print(f"  {label:<10} {dt:8.2f} s   peak RSS {peak_gib():5.2f} GiB{each}", flush=True)
    return out, dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, action="append")
    ap.add_argument("--folder", default=os.environ.get("XIEZUO_BENCH_DIR", tempfile.gettempdir() + "/xz-bench"))
    ap.add_argument("--orm", action="store_true", help="also time the per-household ORM loop on the database")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--pandas-max", type=int, default=2_000_000, help="skip pandas above this many households")
    ap.add_argument("--end-to-end", action="store_true",
                    help="also run bench/monitor_e2e.py at the first size on SQLite and PostgreSQL")
    ap.add_argument("--repeat", type=int, default=1, help="time each step this many times and keep the fastest")
    args = ap.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
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
        agg_divisions = res.divisions
        del res
        _, t_sql = timed("sql", run_sql, paths, spec)
        print(f"  engine / hand-written SQL = {t_engine / t_sql:.2f} (full output), "
              f"{t_agg / t_sql:.2f} (aggregates only, like for like)")
        if not args.skip_pandas and n <= args.pandas_max:
            _, t_pd = timed("pandas", run_pandas, paths, spec)
            print(f"  pandas (county FGT/H/M0 only) / engine = {t_pd / t_engine:.2f} (engine full output), "
                  f"{t_pd / t_agg:.2f} (engine aggregates only) -- narrower output than the engine's")
            full, t_pdf = timed("pandas-all", run_pandas_full, paths, spec)
            print(f"  pandas-all (the same division table as engine-agg; max difference "
                  f"{same_divisions(agg_divisions, full):.1e}) / engine-agg = {t_pdf / t_agg:.2f} (like for like)")
            del full
        if args.orm:
            k, t_orm = run_orm()
            if k:
                print(f"  orm      {t_orm:8.2f} s for {k:,} households -> {t_orm / k * n:,.0f} s scaled to {n:,}")
            else:
                print("  orm      no registry rows for the year in the database")
    if args.end_to_end:
        n = (args.households or [1_000_000])[0]
        for database in ("sqlite", "postgres"):
            subprocess.run([sys.executable, str(Path(__file__).with_name("monitor_e2e.py")), "--households", str(n),
                            "--database", database, "--folder", str(folder)], check=False)


if __name__ == "__main__":
    main()
