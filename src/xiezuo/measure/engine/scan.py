"""A run over a snapshot folder, out of memory: DuckDB scans the snapshot's Parquet, writes the household
results as Parquet partitioned by county and hands back only the division table.

    result = evaluate_snapshot(spec, "SNAP", "OUT", year=2021, memory_limit="8GB", temp_directory="/tmp/duck")
    result.divisions                          # every division of every level, the nation included
    OUT/households/county=NNNNNN/*.parquet    # one row per household: rules.household_sql's columns + county
    OUT/divisions.parquet                     # result.divisions

`evaluate` holds the household results in memory (an Arrow table: ~1 GiB at 10 M households); this path never
does, so a national snapshot (29.5 M households, 90 M members) runs in the memory DuckDB is given. The rules are
the same SQL (`rules.household_sql`, `village_sql`), the same rollup (`run.rollup`) and the ratios the same function (`run.finalize`),
so both paths give the same divisions (tests/engine/test_national.py). Reasons and deprivations stay 64-bit masks
in the Parquet output (`reason_bits`, `deprived_bits`; decode with `run.codes_from_bits` and
`rules.reason_codes(spec)` / the spec's indicator names), flags are DuckDB's integers.

The snapshot is read as it is: check its checksums first (`measure.snapshot.verify`), this module imports no
Django.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from . import rules
from .run import INPUT_SCHEMAS, PARQUET_ROW_GROUP_ROWS, EngineResult, duckdb_village_sums, finalize, rollup
from .spec import Spec

PARTITIONED = ("households", "years", "members")
BATCH = 4_000_000  # households judged at once (whole counties): ~2 GiB of DuckDB memory
SQL_TYPES = {pa.int64(): "BIGINT", pa.string(): "VARCHAR"}


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _read_sql(root: Path, name: str, counties: list[str] | None = None) -> str:
    """A snapshot table with the engine's column types, or only the files of `counties`. Partitioned tables are
    read as hive partitions (the county as a VARCHAR column: inferred, `county=NNNNNN` would become an integer)."""
    cols = ", ".join(f'CAST("{f.name}" AS {SQL_TYPES[f.type]}) AS "{f.name}"' for f in INPUT_SCHEMAS[name])
    if name in PARTITIONED:
        if counties is None:
            files = _quote(root / name / "*" / "*.parquet")
        else:
            paths = [p for c in counties for p in sorted((root / name / f"county={c}").glob("*.parquet"))]
            if not paths:  # no rows of this table in these counties: the table's columns, no row
                return f"SELECT {cols} FROM (SELECT {', '.join(f'NULL AS {f.name}' for f in INPUT_SCHEMAS[name])}) " \
                       f"WHERE false"
            files = "[" + ", ".join(_quote(p) for p in paths) + "]"
        source = f"read_parquet({files}, hive_partitioning = true, hive_types = {{'county': VARCHAR}})"
    else:
        source = f"read_parquet({_quote(root / name / '*.parquet')})"
    return f"SELECT {cols} FROM {source}"


def county_batches(root: Path, households: int | None) -> list[list[str]] | None:
    """The snapshot's counties in runs of about `households` households (the manifest's counts, in code order),
    or None for one pass (no manifest, no limit, or a snapshot within it)."""
    try:
        partitions = json.loads((root / "manifest.json").read_text())["tables"]["households"]["partitions"]
    except (OSError, ValueError, KeyError):
        return None
    if not households or sum(partitions.values()) <= households:
        return None
    batches: list[list[str]] = [[]]
    rows = 0
    for county, n in sorted(partitions.items()):
        if batches[-1] and rows + n > households:
            batches.append([])
            rows = 0
        batches[-1].append(county)
        rows += n
    return batches


def evaluate_snapshot(spec: Spec, snapshot_dir: str | os.PathLike, out_dir: str | os.PathLike, *, year: int,
                      threads: int | None = None, memory_limit: str | None = None,
                      temp_directory: str | os.PathLike | None = None, batch_households: int | None = BATCH,
                      levels: tuple[tuple[str, int], ...] = (*rules.LEVELS, rules.NATION)) -> EngineResult:
    """Judge every household of the snapshot into `out_dir/households/county=*/` and aggregate every division.

    `out_dir` must be new or empty. `memory_limit` (DuckDB's, e.g. "8GB") bounds the engine: beyond it the joins
    and aggregates spill to `temp_directory`. Households are judged in runs of whole counties of about
    `batch_households` (None: all at once): a household's members and year are in its county's files, so each run
    is complete, and its hash tables stay small (29.5 M households at once spilled past 8 GB). `result.households`
    is None; `result.counts` has the rows read and written."""
    import duckdb

    t0 = time.perf_counter()
    root, out = Path(snapshot_dir), Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: the results are written into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = {_quote(memory_limit)}")
    if temp_directory:
        con.execute(f"SET temp_directory = {_quote(temp_directory)}")
    # Rows may be written in any order (nothing downstream needs it): lets COPY stream without reordering.
    con.execute("SET preserve_insertion_order = false")
    for name in INPUT_SCHEMAS:
        con.execute(f"CREATE TEMP VIEW {name} AS {_read_sql(root, name)}")
    counts = {name: int(con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]) for name in PARTITIONED}
    timings = {"load": time.perf_counter() - t0}

    t1 = time.perf_counter()
    households = out / "households"
    copy = (f"COPY (SELECT q.*, SUBSTR(q.village, 1, 6) AS county FROM ({rules.household_sql(spec, year)}) q) "
            f"TO {_quote(households)} (FORMAT parquet, PARTITION_BY (county), APPEND, "
            f"ROW_GROUP_SIZE {PARQUET_ROW_GROUP_ROWS})")
    counts["results"] = 0
    for batch in county_batches(root, batch_households) or [None]:
        if batch is not None:
            for name in PARTITIONED:
                con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {_read_sql(root, name, batch)}")
        counts["results"] += int(con.execute(copy).fetchone()[0])
    timings["households"] = time.perf_counter() - t1

    # The division sums from the written results (a scan of the few columns they use), not a second evaluation.
    t2 = time.perf_counter()
    con.execute(f"CREATE TEMP VIEW results AS SELECT * FROM read_parquet("
                f"{_quote(households / '*' / '*.parquet')}, hive_partitioning = true, "
                f"hive_types = {{'county': VARCHAR}})")
    village = duckdb_village_sums(lambda sql: con.sql(sql).to_arrow_table(), spec)
    divisions = finalize(rollup(village, levels), con.sql("SELECT * FROM populations").to_arrow_table(), spec)
    pq.write_table(divisions, out / "divisions.parquet")
    timings["divisions"] = time.perf_counter() - t2
    timings["total"] = time.perf_counter() - t0
    con.close()
    return EngineResult(households=None, divisions=divisions, timings=timings, counts=counts)
