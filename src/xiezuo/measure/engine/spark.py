"""The engine's Spark backend (pyspark is the optional `spark` extra): a session, and a run over a snapshot.

    result = evaluate_snapshot(spec, "snap/", "out/", year=2021, master="spark://host:7077")
    result.divisions          # pyarrow.Table, every division's measures (the only rows the driver receives)
    result.households_path    # out/households/county=PPCCDD/part-*.parquet: one row per household

`evaluate_snapshot` keeps the driver out of the data: the executors read the snapshot's Parquet partitions
(hive layout, `measure/snapshot.py`), run the same SQL as DuckDB (`rules`, transpiled by SQLGlot), write the
household results as Parquet partitioned by county, and sum them by village and up the tree; only those sums
(one row per division) are collected. Paths must be seen alike by the driver and every executor: on one
machine any folder; on a cluster, shared storage (NFS or another shared mount) or a URI Spark reads
(`hdfs://`, `s3a://`; the driver then still reads `manifest.json` where it can, for the row counts).

`evaluate(..., backend="spark")` (engine.run) is the other way in: Arrow tables in the driver, results back
through it; fine for tests and a county.

Set XIEZUO_SPARK_MASTER (`spark://host:7077`, `yarn`, `k8s://...`) to use a cluster; the default is
`local[1]` with few shuffle partitions, enough for tests and a county.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from . import rules
from .run import HOUSEHOLD_TYPES, INPUT_SCHEMAS, finalize, rollup
from .spec import Spec

PARTITIONED = ("households", "years", "members")
HOUSEHOLDS_DIR = "households"  # under out_dir: the household results, county=NNNNNN/part-*.parquet
CODES_FILE = "codes.json"  # under out_dir: what the bits of reason_bits and deprived_bits mean


# A snapshot is thousands of small files, three per county (2,865 counties nationally), and the output is
# partitioned by county: with Spark's defaults the fixed cost per file and per task, not the rows, set the
# time (557 s for 100,000 households over every county). Set on a cluster master (not `local[1]`, the tests'):
CLUSTER_CONF = {
    # list a table's county folders in the driver: past 32 folders Spark lists them in a job of one task per
    # folder (2,865 tasks per table, four times a run); listing a local or NFS folder takes milliseconds
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
    # pack many county files into one read task: a file is counted as its size plus this "open cost"
    # (default 4 MB, so at most ~32 small files per 128 MB task: ~90 tasks per table at 100,000 households)
    "spark.sql.files.openCostInBytes": str(256 * 1024),
    "spark.sql.files.maxPartitionBytes": str(256 * 1024 * 1024),
    # adaptive execution merges the shuffle partitions (sized to the data in `evaluate_snapshot`) up to
    # the advisory size instead of keeping many small ones to keep every core busy
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.parallelismFirst": "false",
    "spark.sql.adaptive.advisoryPartitionSizeInBytes": str(64 * 1024 * 1024),
}
HOUSEHOLDS_PER_SHUFFLE_PARTITION = 250_000  # a sort-merge join's partition of members stays well below memory


def shuffle_partitions(households: int, cores: int) -> int:
    """Shuffle partitions sized to the data: Spark's default 200 is mostly empty tasks for a county on a small
    cluster and too few for 29.5 M households (each task's join then spills); one per 250,000 households, at
    least one per core (adaptive execution merges the joins' small ones)."""
    return max(1, cores, -(-households // HOUSEHOLDS_PER_SHUFFLE_PARTITION))


def available() -> bool:
    import shutil
    from importlib.util import find_spec

    return find_spec("pyspark") is not None and (shutil.which("java") is not None or "JAVA_HOME" in os.environ)


def session(app_name: str = "xiezuo-measure", *, master: str | None = None, partitions: int | None = None):
    """A Spark session on `master` (else XIEZUO_SPARK_MASTER, else `local[1]`). An active session on
    another master is refused rather than silently used (Spark would hand it back)."""
    from pyspark.sql import SparkSession

    master = master or os.environ.get("XIEZUO_SPARK_MASTER", "local[1]")
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master != master:
        raise RuntimeError(f"a Spark session on {active.sparkContext.master} is active; stop it to use {master}")
    builder = (SparkSession.builder.appName(app_name).master(master)
               .config("spark.sql.shuffle.partitions",
                       str(partitions or os.environ.get("XIEZUO_SPARK_PARTITIONS", "1")))
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.codegen.wholeStage", os.environ.get(
                   "XIEZUO_SPARK_CODEGEN", "false" if master.startswith("local") else "true"))
               .config("spark.sql.session.timeZone", "Asia/Shanghai")
               .config("spark.sql.ansi.enabled", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.memory", os.environ.get("XIEZUO_SPARK_DRIVER_MEMORY", "1g")))
    if not master.startswith("local"):
        for key, value in CLUSTER_CONF.items():
            builder = builder.config(key, value)
    if master.startswith("spark://"):
        # executors smaller than a worker's memory, and the driver reachable by them (one host here; on a
        # cluster set SPARK_LOCAL_IP / spark.driver.host in spark-defaults.conf)
        builder = builder.config("spark.executor.memory", os.environ.get("XIEZUO_SPARK_EXECUTOR_MEMORY", "512m"))
        if os.environ.get("SPARK_LOCAL_IP", "127.0.0.1") == "127.0.0.1" and "127.0.0.1" in master:
            builder = (builder.config("spark.driver.host", "127.0.0.1")
                       .config("spark.driver.bindAddress", "127.0.0.1"))
    return builder.getOrCreate()


@dataclass
class SnapshotResult:
    """What `evaluate_snapshot` returns: the division table, and where the household rows were written."""

    divisions: pa.Table
    households_path: Path | str
    counts: dict[str, int] = field(default_factory=dict)  # input rows, from the snapshot's manifest
    timings: dict[str, float] = field(default_factory=dict)
    households: None = None  # never in the driver (EngineResult's field, for code that looks)


def _spark_type(t: pa.DataType):
    from pyspark.sql import types as T

    return T.LongType() if pa.types.is_integer(t) else T.StringType()


def _input_schema(name: str):
    """The table's columns as the engine types them, and the hive partition column as a string (inferred, a
    county code would become an integer)."""
    from pyspark.sql import types as T

    fields = [T.StructField(f.name, _spark_type(f.type), True) for f in INPUT_SCHEMAS[name]]
    if name in PARTITIONED:
        fields.append(T.StructField("county", T.StringType(), True))
    return T.StructType(fields)


def _join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


def _household_columns(df) -> list:
    """The household query's columns cast to the types of `run.HOUSEHOLD_TYPES` (flags int8, masks int64)."""
    from pyspark.sql import functions as F

    spark_types = {pa.int64(): "bigint", pa.float64(): "double", pa.string(): "string"}
    out = []
    for name in df.columns:
        typ = HOUSEHOLD_TYPES.get(name)
        kind = "bigint" if name in ("reason_bits", "deprived_bits") else spark_types.get(typ, "tinyint")
        out.append(F.col(name).cast(kind).alias(name))
    return out


def evaluate_snapshot(spec: Spec, snapshot_dir: str | os.PathLike, out_dir: str | os.PathLike, *, year: int,
                      master: str | None = None, partitions: int | None = None, spark=None,
                      levels: tuple[tuple[str, int], ...] = rules.LEVELS) -> SnapshotResult:
    """Judge every household of a snapshot and aggregate every division, on Spark's executors.

    Household rows go to `out_dir/households/county=NNNNNN/` (Parquet; `reason_bits` and `deprived_bits` are
    masks, decoded with `read_households` or with `out_dir/codes.json`); the division table comes back.
    `out_dir/households` must not exist yet (`out_dir` may). The snapshot is not verified here (the caller does: `snapshot.verify`).
    A session is started on `master` (see `session`) and stopped at the end, unless `spark` is given.
    `levels` are the rollup's levels above the village (`(*rules.LEVELS, rules.NATION)` for a national snapshot)."""
    import sqlglot

    t0 = time.perf_counter()
    snap, out = os.fspath(snapshot_dir), os.fspath(out_dir)
    own = False
    if spark is None:
        from pyspark.sql import SparkSession

        own = SparkSession.getActiveSession() is None  # an active session on the same master is reused, kept
        spark = session(master=master, partitions=partitions)
    try:
        if partitions:
            spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
        elif own and not spark.sparkContext.master.startswith("local"):
            spark.conf.set("spark.sql.shuffle.partitions", str(shuffle_partitions(
                _manifest_counts(snap).get("households", 0), spark.sparkContext.defaultParallelism)))

        def sql(text: str):
            (spark_sql,) = sqlglot.transpile(text, read="duckdb", write="spark")
            return spark.sql(spark_sql)

        for name in INPUT_SCHEMAS:
            path = _join(snap, name)
            reader = spark.read.schema(_input_schema(name))
            df = reader.option("basePath", path).parquet(path) if name in PARTITIONED else reader.parquet(path)
            df.createOrReplaceTempView(name)
        timings = {"load": time.perf_counter() - t0}

        # 1. households: judged by the executors, written by them, partitioned by county (one file per county:
        # the rows are shuffled by county first)
        t1 = time.perf_counter()
        from pyspark.sql import functions as F

        hh = sql(rules.household_sql(spec, year))
        hh = hh.select(*_household_columns(hh)).withColumn("county", F.substring("village", 1, 6))
        households_path = _join(out, HOUSEHOLDS_DIR)
        # as many write tasks as shuffle partitions, named so that adaptive execution keeps them (it merged the
        # 300,000-household run's into one task, one core writing all 2,865 county files); a county is in one
        # task, so it gets one file
        writers = int(spark.conf.get("spark.sql.shuffle.partitions"))
        hh.repartition(writers, "county").write.partitionBy("county").mode("errorifexists").parquet(households_path)
        timings["households"] = time.perf_counter() - t1

        # 2. divisions: village sums from the written rows (read back by the executors), summed up the tree;
        # the driver receives one row per division
        t2 = time.perf_counter()
        spark.read.option("basePath", households_path).parquet(households_path).createOrReplaceTempView("results")
        village = sql(rules.village_sql(spec)).toArrow()  # one row per village: part of the division table
        populations = spark.table("populations").toArrow()
        divisions = finalize(rollup(village, levels), populations, spec)
        timings["divisions"] = time.perf_counter() - t2
    finally:
        if own:
            spark.stop()
    _write_codes(out, spec)
    timings["total"] = time.perf_counter() - t0
    return SnapshotResult(divisions=divisions, households_path=households_path, counts=_manifest_counts(snap),
                          timings=timings)


def _write_codes(out: str, spec: Spec) -> None:
    if "://" in out:
        return  # a URI: the caller knows the spec; nothing the driver can write with open()
    codes = {"reason_bits": rules.reason_codes(spec), "deprived_bits": [i.name for i in spec.indicators]}
    (Path(out) / CODES_FILE).write_text(json.dumps(codes, ensure_ascii=False, indent=1))


def _manifest_counts(snap: str) -> dict[str, int]:
    try:
        manifest = json.loads((Path(snap) / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}  # a URI, or no manifest: counts unknown
    return {name: int(t["rows"]) for name, t in manifest.get("tables", {}).items()}


def household_partitions(out_dir: str | os.PathLike) -> list[Path]:
    """The county folders of a local household output, sorted."""
    return sorted((Path(out_dir) / HOUSEHOLDS_DIR).glob("county=*"))


def read_households(folder: str | os.PathLike, spec: Spec) -> pa.Table:
    """One county's household results (a `county=` folder), or all of them (`out_dir/households`), as
    `EngineResult.households` has them: the masks decoded, the documented types, without the county."""
    import pyarrow.dataset as ds

    from .run import _normalise_households

    table = ds.dataset(os.fspath(folder), format="parquet", partitioning=ds.partitioning(
        pa.schema([("county", pa.string())]), flavor="hive")).to_table()  # skips _SUCCESS and .crc files
    if "county" in table.column_names:
        table = table.drop_columns(["county"])
    return _normalise_households(table, spec)
