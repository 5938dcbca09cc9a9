"""Runs on Spark: the executors read a snapshot and write the household results as Parquet; this process
receives the division table and loads the household rows into the database from the Parquet output,
county by county, through the same bulk write as every run (`services._insert_households`).

A run from a snapshot (`xiezuo monitor run --snapshot DIR --engine spark`) gives Spark the snapshot's folder
as it is. A run from the registry reads its inputs as every run does and writes them first as a snapshot in
the scratch folder (one format, one path for Spark; the Parquet write costs less than handing Arrow tables to
Spark through the driver, and the results no longer come back through it).

The scratch folder (`XIEZUO_SPARK_SCRATCH`, default `XIEZUO_DATA_DIR/spark`) holds, per run,
`<run id>.partial-<worker>/{inputs,out}`, removed when the run ends; on a cluster it must be shared storage
that every executor sees at the same path. Folders left by a killed process are removed by the next Spark run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from django.conf import settings

from . import snapshot
from .engine import Spec
from .engine.rules import STATUSES


def scratch_dir() -> Path:
    return Path(os.environ.get("XIEZUO_SPARK_SCRATCH") or Path(settings.DATA_DIR) / "spark")


def _sweep(root: Path, alive: Callable[[str], bool]) -> None:
    """Remove the folders of runs whose process is gone (killed while Spark was running)."""
    if not root.is_dir():
        return
    for path in root.iterdir():
        _name, partial, worker = path.name.partition(".partial-")
        if partial and not alive(worker):
            shutil.rmtree(path, ignore_errors=True)


def evaluate(*, run_id: int, worker: str, alive: Callable[[str], bool], spec: Spec, year: int, policy,
             inputs: dict[str, pa.Table] | None, snapshot_dir: str | Path | None,
             log: Callable[[str], None], spark=None):
    """The run on Spark (on `spark`, a session, if given; else one on XIEZUO_SPARK_MASTER); returns (`engine.spark.SnapshotResult`, its scratch folder to remove after loading)."""
    from .engine.spark import evaluate_snapshot

    root = scratch_dir()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o700)
    _sweep(root, alive)
    work = root / f"{run_id}.partial-{worker}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    try:
        if snapshot_dir is None:
            log("  writing the inputs as a snapshot for Spark ...")
            snapshot_dir = work / "inputs"
            snapshot.write_tables(snapshot_dir, inputs, year=year, policy=policy, digest=False)  # scratch: unhashed
        master = spark.sparkContext.master if spark is not None else os.environ.get("XIEZUO_SPARK_MASTER", "local[1]")
        log(f"  Spark on {master}: the executors read {snapshot_dir} and write to {work / 'out'}")
        result = evaluate_snapshot(spec, snapshot_dir, work / "out", year=year, master=master, spark=spark)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return result, work


def load_households(*, run_id: int, result, spec: Spec, insert: Callable[[pa.Table], None]) -> int:
    """Insert the household results a Spark run wrote, one county's Parquet files at a time (bounded memory):
    `insert` is the run's bulk write (COPY on PostgreSQL, executemany elsewhere). Returns the rows loaded."""
    from .engine import spark

    rows = 0
    for folder in spark.household_partitions(Path(result.households_path).parent):
        table = spark.read_households(folder, spec)
        insert(table)
        rows += table.num_rows
    return rows


def populations(snapshot_dir: str | Path) -> pa.Table:
    """A snapshot's populations (one row per division: small), for the poor-unit judgements of the run."""
    import pyarrow.parquet as pq

    from .engine.run import INPUT_SCHEMAS

    return pq.read_table(Path(snapshot_dir) / "populations", schema=INPUT_SCHEMAS["populations"])


def summary_from_divisions(divisions: pa.Table) -> dict[str, int]:
    """Households per status, from the province rows' counts (the household rows are not in this process)."""
    top = [r for r in divisions.to_pylist() if r["level"] == "province"]
    counts = {s: sum(int(r[f"hh_{s}"] or 0) for r in top) for s in STATUSES}
    return {s: n for s, n in counts.items() if n}
