"""Measurement runs: read the registry in bulk, run the engine, write the results in one transaction.

A run row is created first (status "running"); the results, the run's final status and its
publication are then written together in one transaction, so a failed run leaves every
earlier result (and the latest published run) untouched. A published run also freezes its
inputs (and the unit facts it judged the poor villages and counties by) as a snapshot under
XIEZUO_DATA_DIR/runs/<id>/ so it can be reproduced exactly: the tables it read, written out, or the files of the
snapshot it ran on, linked.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xiezuo.accounts import access, audit
from xiezuo.dataio.models import Job
from xiezuo.geo.models import Division
from xiezuo.policy.models import PolicyVersion

from . import household_rows, snapshot, spark_runs
from .engine import Spec, evaluate
from .engine.digest import combine
from .engine.run import INPUT_SCHEMAS, EngineResult, input_hash, input_parts, legacy_input_hash
from .engine.spec import EXIT_CRITERIA
from .engine.units import UNIT_SCHEMAS, UnitJudgement, count_exits, judge_units
from .inputs import read_inputs, unit_tables
from .models import DivisionResult, HouseholdResult, Run, UnitResult

WHAT_IF_JOB = "measure.what_if"
WHAT_IF_LOCK = 7_346_001  # PostgreSQL advisory lock key serialising what-if submissions
WHAT_IF_PRESUMED_DEAD = timedelta(hours=1)  # 10 M households take a few minutes
PARENT = {"village": 9, "township": 6, "county": 4, "city": 2, "province": 0}
HH_COLUMNS = ["run_id", "household_id", "village_id", "size", "pcni", "pcni_after_rigid", "status", "category",
              "reasons", "registered_active", "exited_before", "below_line", "below_monitoring",
              *[f"c_{c}" for c in EXIT_CRITERIA], "exit_ok", "mpi_score", "mpi_poor", "deprived"]


def runs_dir() -> Path:
    return Path(settings.DATA_DIR) / "runs"


RUN_PRESUMED_DEAD = timedelta(days=1)  # a run started on another host: we cannot look at its process
PARTIAL = ".partial-"  # a snapshot folder being written: runs/<id>.partial-<worker>, renamed when complete


def _process_start(pid: int) -> str | None:
    """The process's start time (clock ticks after boot, from /proc), which tells a reused pid apart;
    None if there is no such process. Without /proc, "?" if the pid exists."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2:].split()[19]
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
    except (OSError, ValueError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "?"


def worker_id(pid: int | None = None) -> str:
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_process_start(pid)}"


def worker_alive(worker: str, started_at=None) -> bool:
    host, _sep, rest = worker.partition(":")
    pid, _sep, start = rest.partition(":")
    if not pid.isdigit():
        return False  # a run from before runs recorded their process
    if host != socket.gethostname():
        return started_at is None or timezone.now() - started_at < RUN_PRESUMED_DEAD
    now = _process_start(int(pid))
    return now is not None and (now == start or "?" in (now, start))


def recover_interrupted() -> dict[str, int]:
    """Runs whose process died (killed, server restarted) are marked failed, and the snapshot folders nothing
    will finish are removed: a partial folder whose writer died, a folder of a failed or deleted run. Called
    before each run, by the run list and by `xiezuo monitor recover`."""
    failed = [r.pk for r in Run.objects.filter(status=Run.Status.RUNNING).only("pk", "worker", "started_at")
              if not worker_alive(r.worker, r.started_at)]
    if failed:
        Run.objects.filter(pk__in=failed, status=Run.Status.RUNNING).update(
            status=Run.Status.FAILED, message="the process running this run stopped", finished_at=timezone.now())
    removed = 0
    folder = runs_dir()
    if folder.is_dir():
        runs = {pk: status for pk, status in Run.objects.values_list("pk", "status")}
        for path in folder.iterdir():
            name, partial, worker = path.name.partition(PARTIAL)
            if not name.isdigit() or not path.is_dir():
                continue
            # a partial folder: while its writer lives; a complete one: unless its run failed or is gone
            if (not worker_alive(worker)) if partial else runs.get(int(name)) in (None, Run.Status.FAILED):
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    return {"runs": len(failed), "folders": removed}


def _money(fen: pa.Array, size: pa.Array) -> pa.Array:
    """Per-capita yuan with 2 places from integer fen, rounded half up, exactly (as strings, vectorised)."""
    fen, size = np.asarray(fen, dtype=np.int64), np.asarray(size, dtype=np.int64)
    pf = (2 * fen + size) // (2 * size)  # floor division: half up for negative values too
    whole, cents = pa.array(np.abs(pf) // 100).cast(pa.string()), pa.array(np.abs(pf) % 100).cast(pa.string())
    sign = pa.array(np.where(pf < 0, "-", ""))
    return pc.binary_join_element_wise(pc.binary_join_element_wise(sign, whole, ""), pc.utf8_lpad(cents, 2, "0"), ".")


def _household_table(run_id: int, hh: pa.Table) -> pa.Table:
    """The HouseholdResult rows (columns HH_COLUMNS) as one Arrow table, built column-wise."""
    n = hh.num_rows
    size = hh.column("size").to_numpy()
    net = hh.column("net_fen").to_numpy()
    rigid = net - hh.column("medical_fen").to_numpy() - hh.column("education_fen").to_numpy()
    values = {
        "run_id": pa.array(np.full(n, run_id, dtype=np.int64)),
        "household_id": hh.column("household_id"),
        "village_id": hh.column("village"),
        "size": hh.column("size"),
        "pcni": _money(net, size),
        "pcni_after_rigid": _money(rigid, size),
        "status": hh.column("status"),
        "category": pc.fill_null(hh.column("category"), ""),
        "reasons": household_rows.clip(hh.column("reasons")),
        "mpi_score": hh.column("mpi_score"),
        "deprived": household_rows.clip(hh.column("deprived")),
    }
    for name in HH_COLUMNS:
        if name not in values:
            values[name] = pc.not_equal(hh.column(name), 0)
    return pa.table([values[c] for c in HH_COLUMNS], names=HH_COLUMNS)


def _plain(rows: pa.Table) -> pa.Table:
    """Dictionary columns decoded: to_pylist is 3x slower on them (per slice, to spare memory)."""
    return pa.table([c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in rows.columns],
                    names=rows.column_names)


def _insert_households(cur, table: str, run_id: int, hh: pa.Table, *, freeze: bool = False) -> pa.Array:
    """Append the engine's household rows (`hh`) to `table`: a binary COPY on PostgreSQL (`household_rows`),
    executemany of `_household_table` elsewhere; on Django's connection, so inside the caller's transaction.
    Returns the distinct village codes written."""
    if connection.vendor == "postgresql":
        household_rows.copy(cur, table, run_id, hh, freeze=freeze)
    else:
        rows = _household_table(run_id, hh)
        columns = rows.column_names
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        for start in range(0, rows.num_rows, 100_000):
            part = _plain(rows.slice(start, 100_000))
            cur.executemany(sql, list(zip(*(part.column(c).to_pylist() for c in columns), strict=True)))
    return pc.unique(hh.column("village"))


def _write_households(run: Run, result, spec: Spec) -> tuple[str, list[str]]:
    """The run's HouseholdResult rows: from the engine's table, or (a Spark run) from the Parquet files its
    executors wrote, one county at a time. PostgreSQL: a binary COPY into the run's own partition, created here
    and attached by `run_execute` just before the commit (`household_rows`); elsewhere executemany. Returns the
    table the rows are in and their distinct village codes, for `_check_references`."""
    table = HouseholdResult._meta.db_table
    with connection.cursor() as cur:
        partition = connection.vendor == "postgresql" and household_rows.partitioned(cur)
        target = household_rows.create(cur, run.pk) if partition else table
        codes: set[str] = set()

        def insert(hh: pa.Table) -> None:
            codes.update(_insert_households(cur, target, run.pk, hh, freeze=partition).to_pylist())

        if result.households is not None:
            insert(result.households)
        else:
            spark_runs.load_households(run_id=run.pk, result=result, spec=spec, insert=insert)
        if partition:
            household_rows.finish(cur, run.pk)
    return target, sorted(codes)


def _check_references(run: Run, table: str, villages: list[str]) -> None:
    """Every result row's household and village exist, checked in the writing transaction (the table has no
    per-row foreign-key checks, see models.HouseholdResult): households by one anti-join over the run's rows
    (`table`: on PostgreSQL the run's own partition, not yet attached); villages by their distinct codes (a few
    thousand codes looked up, instead of a lookup per row)."""
    # the run's own partition holds its rows only: no filter on the run, whose selectivity a table without
    # statistics is guessed at 0.5 % (a nested loop of 1 M probes); unfiltered, a merge anti-join of the two
    # indexes (the partition's all-visible after COPY FREEZE: an index-only scan)
    own = table != HouseholdResult._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT r.household_id FROM {table} r WHERE {'' if own else 'r.run_id = %s AND '}NOT EXISTS "
                    "(SELECT 1 FROM registry_household t WHERE t.id = r.household_id) LIMIT 1", [] if own else [run.pk])
        row = cur.fetchone()
    missing = ("household", row[0]) if row is not None else None
    for start in range(0, len(villages), 5000):
        part = villages[start:start + 5000]
        gone = set(part) - set(Division.objects.filter(code__in=part).values_list("code", flat=True))
        if gone and missing is None:
            missing = ("village", min(gone))
    if missing is not None:
        raise ValidationError(_("The registry changed during the run (%(what)s %(id)s is gone); run it again."),
                              params={"what": missing[0], "id": missing[1]})


def _division_rows(run: Run, divisions: pa.Table, spec: Spec) -> list[dict]:
    """The DivisionResult rows (by column) of the engine's divisions that are in the division tree."""
    rows = divisions.to_pylist()
    known = set(Division.objects.filter(code__in=[r["code"] for r in rows]).values_list("code", flat=True))
    count_keys = [c for c in divisions.column_names if c.startswith(("hh_", "people_", "cat_"))]
    out = []
    for r in rows:
        if r["code"] not in known:
            continue
        n = PARENT[r["level"]]
        out.append({
            "run_id": run.pk, "division_id": r["code"], "level": r["level"],
            "parent_code": r["code"][:n].ljust(12, "0") if n else "",
            "households": r["households"], "people": r["people"], "rural_population": r["rural_population"],
            "counts": {k: int(r[k]) for k in count_keys}, "incidence": r["incidence"],
            "fgt0": r["fgt0"], "fgt1": r["fgt1"], "fgt2": r["fgt2"], "H": r["H"], "A": r["A"], "M0": r["M0"],
            "censored": {i.name: r[f"censored_{i.name}"] for i in spec.indicators},
            "contribution": {i.name: r[f"contribution_{i.name}"] for i in spec.indicators},
        })
    return out


def _write_divisions(run: Run, divisions: pa.Table, spec: Spec) -> None:
    """The run's DivisionResult rows: one COPY on PostgreSQL (bulk_create's quoting of its UNNEST arrays took
    0.5-0.8 s of client CPU for a city's 3,400 divisions), bulk_create elsewhere."""
    rows = _division_rows(run, divisions, spec)
    if connection.vendor != "postgresql":
        DivisionResult.objects.bulk_create([DivisionResult(**r) for r in rows], batch_size=2000)
        return
    if not rows:
        return
    columns = list(rows[0])
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cur, cur.copy(f"COPY {DivisionResult._meta.db_table} ({quoted}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in r.values()])


def _unit_facts(*, year: int, source: Path | None, manifest: dict | None,
                log: Callable[[str], None]) -> tuple[dict[str, pa.Table], str]:
    """The unit facts a run judges the poor villages and counties by, and where they came from: the snapshot's
    (format 2), else the database's as they are now (a snapshot written before format 2 holds none: said in the
    log). A run of the registry reads them with its inputs instead (`read_inputs(units=True)`)."""
    if source is not None and manifest is not None:
        units = snapshot.read_units(source, manifest)
        if units is not None:
            return units, "snapshot"
        log("  the snapshot holds no unit facts (written before format 2): poor villages and counties are judged "
            "by the database's facts as they are now")
    return unit_tables(year), "database"


def _unit_judgements(*, result: EngineResult, populations: pa.Table | None, units: dict[str, pa.Table],
                     spec: Spec, year: int) -> list[UnitJudgement]:
    """Poor villages and counties judged from the run's division sums and the unit facts it read (`_unit_facts`)."""
    if spec.village_exit is None and spec.county_exit is None:
        return []
    return judge_units(divisions=result.divisions, populations=populations, spec=spec, year=year,
                       units=units["units"], village_facts=units["village_facts"], county_facts=units["county_facts"])


def _unit_objects(run: Run, judgements: list[UnitJudgement]) -> list[UnitResult]:
    known = set(Division.objects.filter(code__in=[j.code for j in judgements]).values_list("code", flat=True))
    return [UnitResult(run=run, division_id=j.code, level=j.level, may_exit=j.may_exit,
                       criteria=[c.as_dict() for c in j.criteria], reasons=",".join(j.reasons)[:400])
            for j in judgements if j.code in known]


def _summary(result: EngineResult) -> dict:
    if result.households is None:  # a Spark run: the household rows stayed with the executors
        summary = {"households": spark_runs.summary_from_divisions(result.divisions)}
    else:
        statuses = result.households.column("status").value_counts().to_pylist()
        summary = {"households": {s["values"]: s["counts"] for s in statuses}}
    top = [r for r in result.divisions.to_pylist() if r["level"] == "province"]
    if top:
        summary.update({k: top[0][k] for k in ("fgt0", "fgt1", "fgt2", "H", "A", "M0")})
    return summary


def snapshot_write(run: Run, inputs: dict[str, pa.Table], policy: PolicyVersion, digest: str | None = None) -> Path:
    """Freeze a run's inputs (and unit facts) as a snapshot (the format of `xiezuo snapshot`) under runs/<id>/.
    Written to runs/<id>.partial-<this process> first and renamed when complete, as the last step before the
    caller's transaction commits: a process killed while writing leaves a partial folder of a dead process, or a
    folder of a run that stays unpublished (and is marked failed), both removed by `recover_interrupted`; an
    exception removes its own (`_drop_snapshot`). A folder left by a database since rebuilt (run ids restart) is
    replaced."""
    return _snapshot_finish(run, _snapshot_partial(run, inputs, policy, digest or input_hash(inputs)))


def _snapshot_partial(run: Run, inputs: dict[str, pa.Table] | None, policy: PolicyVersion, digest: str, *,
                      source: Path | None = None, manifest: dict | None = None, parts: dict | None = None) -> Path:
    """The snapshot written to runs/<id>.partial-<this process> (no database access: run_execute calls it in
    a thread while its own thread writes the results): `inputs` written out, or, given the `source` snapshot the
    run read (with a content digest: its `manifest`), that snapshot's files linked, with `inputs` (the unit facts
    then, if the snapshot has none) beside them. Either way its manifest's input hash must be `digest` (`parts`:
    the digests of `inputs`' parts, when the run has them: not computed again from the files)."""
    partial = runs_dir() / f"{run.pk}{PARTIAL}{worker_id()}"
    shutil.rmtree(partial, ignore_errors=True)
    if source is not None:
        snapshot.freeze(source, partial, manifest=manifest, year=run.year, policy=policy, units=inputs,
                        input_hash=digest)
    else:
        snapshot.write_tables(partial, inputs, year=run.year, policy=policy, input_hash=digest, parts=parts)
    return partial


def _snapshot_finish(run: Run, partial: Path) -> Path:
    final = runs_dir() / str(run.pk)
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    return final


def _hash_and_freeze(run: Run, inputs: dict[str, pa.Table] | None, units: dict[str, pa.Table],
                     policy: PolicyVersion, publish: bool, digest: str | None = None, source: Path | None = None,
                     manifest: dict | None = None) -> tuple[str, Path | None, dict[str, float]]:
    """The inputs' hash (unless the snapshot the run read gave it: `digest`) and, for a published run, their
    snapshot in its partial folder (the `source` snapshot's files linked, or the tables written), with the seconds
    each took: pure Arrow and file work, run beside the database write (Arrow, Parquet and SHA-256 release the
    GIL; the write mostly waits on the server), so neither waits for the other."""
    t = time.perf_counter()
    parts = None
    if digest is None:
        parts = input_parts({**inputs, **units})  # kept for the snapshot's files: hashed once
        digest = combine(parts)
    seconds = {"hash": time.perf_counter() - t}
    partial = None
    if publish:
        t = time.perf_counter()
        partial = (_snapshot_partial(run, units, policy, digest, source=source, manifest=manifest)
                   if source is not None else _snapshot_partial(run, {**inputs, **units}, policy, digest,
                                                                parts=parts))
        seconds["snapshot"] = time.perf_counter() - t
    return digest, partial, seconds


def _drop_snapshot(run_id: int) -> None:
    shutil.rmtree(runs_dir() / str(run_id), ignore_errors=True)
    shutil.rmtree(runs_dir() / f"{run_id}{PARTIAL}{worker_id()}", ignore_errors=True)


def snapshot_read(run: Run) -> tuple[dict[str, pa.Table], dict, dict | None]:
    """A published run's frozen tables, policy and manifest; checksums verified (runs published before the
    snapshot format, without a manifest, are read as they were written: no manifest)."""
    path = Path(run.snapshot_dir)
    if not snapshot.is_snapshot(path):
        tables, policy = snapshot.read_legacy(path)
        return tables, policy, None
    tables, manifest, policy = snapshot.read(path)
    return tables, policy, manifest


def run_reproduce(*, run: Run) -> EngineResult:
    """Recompute a published run from its frozen inputs (however the registry changed since), and judge its poor
    villages and counties by its frozen unit facts (`result.units`; a run frozen before format 2 has none: the
    database's now). `result.input_hash` is the frozen inputs' hash, of the kind the run recorded."""
    if not run.snapshot_dir:
        raise ValidationError(_("Run %(id)s has no frozen inputs (only published runs keep them)."),
                              params={"id": run.pk})
    tables, policy, manifest = snapshot_read(run)
    inputs = {name: tables[name] for name in INPUT_SCHEMAS}
    spec = Spec.from_dict(policy["parameters"])
    result = evaluate(**inputs, spec=spec, year=run.year, backend=run.engine)
    digested = manifest is not None and snapshot.parts(manifest) is not None
    result.input_hash = input_hash(tables) if digested else legacy_input_hash(inputs)
    units = (snapshot.read_units(run.snapshot_dir, manifest) if manifest is not None else None) or \
        unit_tables(run.year)
    result.units = _unit_judgements(result=result, populations=inputs["populations"], units=units, spec=spec,
                                    year=run.year)
    return result


def run_execute(*, year: int, policy: PolicyVersion, user=None, engine: str = "duckdb", publish: bool = False,
                what_if: bool = False, base_run: Run | None = None, spark=None,
                log: Callable[[str], None] = lambda _m: None, inputs: dict[str, pa.Table] | None = None,
                inputs_from: str = "given", read_seconds: float = 0.0,
                progress: Callable[[float, str], None] = lambda _f, _m: None,
                snapshot_dir: Path | None = None, manifest: dict | None = None, source: Path | None = None) -> Run:
    """Run the engine for `year` under `policy` and store the results; publish if asked.

    `progress(fraction, message)` is told each phase (a job's `handle.progress`, which raises to cancel).
    With `engine="spark"` the work is Spark's executors' (`spark_runs`); given `snapshot_dir` (verified, with its
    `manifest`), they read that snapshot instead of `inputs`. `source` (with its `manifest`) is the snapshot the
    inputs come from (`run_from_snapshot`): its unit facts are judged by, its content digest is the run's input
    hash, and publishing keeps its files."""
    source = source if source is not None else snapshot_dir
    if publish and what_if:
        raise ValidationError(_("A what-if run cannot be published."))
    if publish and policy.status != PolicyVersion.Status.PUBLISHED:
        raise ValidationError(_("Only a published policy can back a published run; %(name)s is a draft."),
                              params={"name": policy.name})
    spec = Spec.from_dict(policy.parameters)
    # A snapshot's content digest (format 2) is the input hash of a run of it, whichever engine ran it.
    digested = source is not None and manifest is not None and snapshot.parts(manifest) is not None
    if publish and inputs is None and source is not None and not digested:
        # a Spark run of a format-1 snapshot: its inputs never come into this process, and the manifest has no
        # content digest to freeze them under
        raise ValidationError(_("This snapshot was written before snapshots carried a content digest (format 1), "
                                "so a Spark run of it cannot be published: take the snapshot again with "
                                "`xiezuo snapshot` and run that, or run this one with the DuckDB engine."))
    recover_interrupted()
    run = Run.objects.create(policy=policy, year=year, engine=engine, what_if=what_if, base_run=base_run,
                             created_by=user if getattr(user, "pk", None) else None, worker=worker_id())
    t0 = time.perf_counter()
    side = None
    scratch = None
    facts = None
    try:
        log(f"run #{run.pk}: {year}, policy {policy.name}, engine {engine}")
        progress(0.05, "reading the registry")
        if source is not None:
            how = inputs_from
        elif inputs is None:
            # the unit facts with the inputs: on PostgreSQL in the same snapshot, one moment's registry
            tables, how = read_inputs(year, log=log, units=True)
            inputs = {name: tables[name] for name in INPUT_SCHEMAS}
            facts = {name: tables[name] for name in UNIT_SCHEMAS}
        else:
            how = inputs_from
        t_read = time.perf_counter() - t0 + read_seconds  # inputs read by the caller (a snapshot) count too
        # the inputs' hash and a published run's snapshot need only the inputs: they start now, beside the engine
        # and the write (with the write down to a few seconds they were the longest part when started after the
        # engine)
        # the unit facts are part of the inputs (hashed and frozen with them): read with the registry's inputs, or
        # now, from the snapshot or the database
        facts, units_from = ((facts, "database") if facts is not None else
                             _unit_facts(year=year, source=source, manifest=manifest, log=log))
        side = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"run-{run.pk}-freeze")
        # the input hash: a digested snapshot's (with the database's unit facts if it holds none), else the tables'
        # (a Spark run of a format-1 snapshot has neither: no hash, and it cannot be published)
        digest = (snapshot.content_hash(manifest, facts if units_from == "database" else None) if digested
                  else None if inputs is not None else "")
        frozen = side.submit(_hash_and_freeze, run, inputs, facts, policy, publish, digest,
                             source if digested else None, manifest)
        log("  evaluating ...")
        progress(0.4, "evaluating")
        if engine == "spark":
            result, scratch = spark_runs.evaluate(run_id=run.pk, worker=run.worker, alive=worker_alive, spec=spec,
                                                  year=year, policy=policy, inputs=inputs,
                                                  snapshot_dir=snapshot_dir, log=log, spark=spark)
        else:
            result = evaluate(**inputs, spec=spec, year=year, backend=engine, spark=spark)
        t_units = time.perf_counter()
        units = _unit_judgements(result=result, populations=inputs["populations"] if inputs is not None else
                                 spark_runs.populations(snapshot_dir), units=facts, spec=spec, year=year)
        result.timings["units"] = time.perf_counter() - t_units
        counts = ({k: inputs[k].num_rows for k in ("households", "members")} if inputs is not None
                  else result.counts)
        log(f"  {counts['households']:,} households judged, {result.divisions.num_rows:,} divisions "
            f"in {result.timings['total']:.2f} s")
        phases: dict[str, float] = {}
        t_write = time.perf_counter()
        progress(0.7, "writing the results")
        with transaction.atomic():
            # the run's row, locked: nobody deletes it under its result rows (which have no foreign-key
            # constraint to it, see models.HouseholdResult)
            if Run.objects.select_for_update().filter(pk=run.pk).values_list("pk", flat=True).first() is None:
                raise ValidationError(_("Run %(id)s was deleted while it ran."), params={"id": run.pk})
            t = time.perf_counter()
            target, villages = _write_households(run, result, spec)
            phases["write_households"] = time.perf_counter() - t
            t = time.perf_counter()
            _check_references(run, target, villages)
            del villages
            phases["check_references"] = time.perf_counter() - t
            t = time.perf_counter()
            _write_divisions(run, result.divisions, spec)
            UnitResult.objects.bulk_create(_unit_objects(run, units), batch_size=2000)
            phases["write_divisions"] = time.perf_counter() - t
            t = time.perf_counter()
            digest, partial, beside = frozen.result()
            side.shutdown()
            phases["wait_hash_and_snapshot"] = time.perf_counter() - t
            phases.update({f"{k}_beside": v for k, v in beside.items()})  # overlapped with the write above
            run.status = Run.Status.SUCCEEDED
            run.input_households = counts["households"]
            run.input_members = counts["members"]
            run.input_hash = digest
            run.summary = _summary(result)
            run.summary["inputs"] = {"units_from": units_from, **({"snapshot": str(source)} if source else {})}
            if units:
                run.summary["units"] = count_exits(units)
            run.timings = {"read": round(t_read, 3), "read_with": how,
                           **{k: round(v, 3) for k, v in result.timings.items()},
                           **{k: round(v, 3) for k, v in phases.items()},
                           "write": round(time.perf_counter() - t_write, 3)}
            run.published = publish
            run.finished_at = timezone.now()
            run.timings["elapsed"] = round(time.perf_counter() - t0, 3)
            if publish:
                run.snapshot_dir = str(runs_dir() / str(run.pk))
            run.save()
            audit.record(action="measure.run.published" if publish else "measure.run.completed", user=user,
                         target=run, data={"year": year, "policy": policy.name, "hash": digest,
                                           "households": run.input_households})
            if target != HouseholdResult._meta.db_table:
                # the run's partition joins the table last: attaching locks the (empty) default partition
                with connection.cursor() as cur:
                    household_rows.attach(cur, run.pk)
            if partial is not None:
                _snapshot_finish(run, partial)  # last: renamed into place just before the commit
            t_commit = time.perf_counter()
        log(f"  written in {run.timings['write']:.2f} s, committed in {time.perf_counter() - t_commit:.2f} s; "
            f"run #{run.pk} {'published' if publish else 'done'}")
        return run
    except BaseException as exc:  # KeyboardInterrupt and SystemExit (a stopped command) too
        if side is not None:
            side.shutdown(wait=True)  # let the snapshot thread stop writing before its folder is removed
        _drop_snapshot(run.pk)
        Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED, message=f"{type(exc).__name__}: {exc}"[:2000],
                                             finished_at=timezone.now())
        raise
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


@transaction.atomic
def runs_delete(*, runs) -> int:
    """Delete runs and all their results; each run's partition and frozen inputs go with it (`run_storage_drop`,
    on every deletion path). Returns the runs deleted."""
    pks = list(runs.values_list("pk", flat=True)) if hasattr(runs, "values_list") else [r.pk for r in runs]
    if not pks:
        return 0
    Run.objects.filter(pk__in=pks).delete()
    return len(pks)


def run_storage_drop(*, run_id: int, using: str = "default") -> None:
    """A run's partition and frozen inputs let go as the run is deleted, whichever way (`runs_delete`,
    `Run.delete()`, a QuerySet's delete: apps.py calls this on Run's pre_delete). On PostgreSQL the partition is
    dropped in the deleting transaction, so it comes back if the deletion rolls back, and the cascade that
    follows finds no rows to delete one by one; the frozen inputs are removed after the commit."""
    db = connections[using]
    if db.vendor == "postgresql":
        with db.cursor() as cur:
            if household_rows.partitioned(cur):
                household_rows.drop(cur, [run_id])
    transaction.on_commit(lambda: _drop_snapshot(run_id), using=using)


@transaction.atomic
def run_publish(*, run: Run, user) -> Run:
    """Publish a finished run and freeze its inputs. A run of a snapshot keeps that snapshot's files if it is
    still there as it was (its content digest is the run's input hash); otherwise the registry is read again and
    must hash to the run's input hash (the unit facts included)."""
    run = Run.objects.select_for_update().get(pk=run.pk)
    if run.what_if or run.status != Run.Status.SUCCEEDED or run.published:
        raise ValidationError(_("Only a finished, unpublished, non-what-if run can be published."))
    source = (run.summary.get("inputs") or {}).get("snapshot")
    if not run.input_hash:
        raise ValidationError(_("Run %(id)s has no input hash: it is a Spark run of a snapshot written before "
                                "snapshots carried a content digest. Take the snapshot again with `xiezuo snapshot` "
                                "and run that with --publish."), params={"id": run.pk})
    frozen = _snapshot_as_run(run, source) if source else None
    if frozen is None:
        tables, _how = read_inputs(run.year, units=True)  # in the caller's transaction: the cursor's read
        inputs = {name: tables[name] for name in INPUT_SCHEMAS}
        digest = input_hash(tables)
        if digest != run.input_hash and legacy_input_hash(inputs) != run.input_hash:
            if source:
                raise ValidationError(
                    _("Run %(id)s ran on the snapshot %(dir)s, which is gone or no longer as it was, and the "
                      "registry's inputs differ from it: run a snapshot again with publishing (`xiezuo monitor run "
                      "--snapshot DIR --publish`), or run the registry again."), params={"id": run.pk, "dir": source})
            raise ValidationError(_("The registry changed since this run; run it again to publish."))
        run.input_hash = digest  # a run from before the content digest: the same inputs, under today's hash
    run.published = True
    run.snapshot_dir = str(runs_dir() / str(run.pk))
    run.save(update_fields=["published", "snapshot_dir", "input_hash"])
    audit.record(action="measure.run.published", user=user, target=run, data={"hash": run.input_hash})
    try:
        if frozen is not None:
            path, manifest, units = frozen
            _snapshot_finish(run, _snapshot_partial(run, units, run.policy, run.input_hash, source=path,
                                                    manifest=manifest))
        else:
            snapshot_write(run, tables, run.policy, run.input_hash)
    except BaseException:
        _drop_snapshot(run.pk)
        raise
    return run


def _snapshot_as_run(run: Run, source: str) -> tuple[Path, dict, dict | None] | None:
    """The snapshot a run read, its manifest and the unit facts to freeze beside it (the database's, if it has
    none), if it is still there, verifies and hashes to the run's input hash; else None."""
    try:
        manifest = snapshot.verify(source)
    except snapshot.SnapshotError:
        return None
    units = None if snapshot.has_units(manifest) else unit_tables(run.year)
    if snapshot.content_hash(manifest, units) != run.input_hash:
        return None
    return Path(source), manifest, units


def run_from_snapshot(*, path: str | Path, policy: PolicyVersion | None = None, year: int | None = None,
                      **kwargs) -> Run:
    """A run on a snapshot's inputs (checksums verified first) under its policy, or under `policy` if given.
    The snapshot's policy must still be as it was when the snapshot was taken."""
    t0 = time.perf_counter()
    if kwargs.get("engine") == "spark":  # the executors read the files: here only their checksums are checked
        tables, manifest = None, snapshot.verify(path)
    else:
        tables, manifest, _policy_file = snapshot.read(path)
    read_seconds = time.perf_counter() - t0
    if year is not None and int(year) != manifest["year"]:
        raise ValidationError(_("The snapshot is of %(snap)s, not %(year)s."),
                              params={"snap": manifest["year"], "year": year})
    if policy is None:
        meta = manifest["policy"]
        policy = PolicyVersion.objects.filter(pk=meta["id"], name=meta["name"]).first()
        if policy is None:
            raise ValidationError(_("The snapshot's policy %(name)s is not in this database; name one to run under."),
                                  params={"name": meta["name"]})
        if snapshot.policy_digest(policy.parameters) != meta["sha256"]:
            raise ValidationError(_("Policy %(name)s changed since the snapshot was taken; name the policy to run "
                                    "under."), params={"name": policy.name})
    source = Path(path).resolve()
    inputs = {name: tables[name] for name in INPUT_SCHEMAS} if tables is not None else None  # no unit facts
    return run_execute(year=manifest["year"], policy=policy, inputs=inputs, inputs_from="snapshot",
                       read_seconds=read_seconds, snapshot_dir=None if tables is not None else source,
                       manifest=manifest, source=source, **kwargs)


def _ensure_may_run(user) -> None:
    if not access.can_run_measurements(user):
        raise PermissionDenied(_("Only administrators and city staff may run measurements."))


def what_if_submit(*, base_run: Run, changes: dict, user) -> Job:
    """Queue a what-if run as a background job (`tasks.what_if_job`) and start it.

    At most settings.MEASURE_WHAT_IF_CONCURRENT what-if jobs are queued or running at once (each reads the whole
    registry); a job older than WHAT_IF_PRESUMED_DEAD no longer counts (its process died). The check and the
    submission are serialised (SQLite: the write lock its IMMEDIATE transaction takes; PostgreSQL: an advisory
    lock), so two requests cannot both take the last place."""
    from xiezuo.dataio import jobs

    _ensure_may_run(user)
    if not base_run.published:
        raise ValidationError(_("A what-if run starts from a published run."))
    limit = settings.MEASURE_WHAT_IF_CONCURRENT
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [WHAT_IF_LOCK])
        active = Job.objects.filter(kind=WHAT_IF_JOB, status__in=[Job.Status.QUEUED, Job.Status.RUNNING],
                                    created_at__gte=timezone.now() - WHAT_IF_PRESUMED_DEAD).count()
        if active >= limit:
            raise ValidationError(
                ngettext("%(active)d what-if run is already in progress (the limit is %(limit)d at a time); "
                         "try again when it has finished.",
                         "%(active)d what-if runs are already in progress (the limit is %(limit)d at a time); "
                         "try again when one has finished.", active),
                code="limit", params={"active": active, "limit": limit})
        job = jobs.submit(WHAT_IF_JOB, user=user, params={"base_run": base_run.pk, "changes": changes,
                                                          "name": f"#{base_run.pk} {base_run.policy.name}"})
        jobs.start(job)
    return job


def what_if(*, base_run: Run, changes: dict, user, name: str | None = None,
            log: Callable[[str], None] = lambda _m: None,
            progress: Callable[[float, str], None] = lambda _f, _m: None) -> Run:
    """A draft copy of the base run's policy with `changes` (e.g. {"monitoring_threshold": "7800"}
    or {"mpi.k": 0.25}), run without publishing, to compare with the base run. Synchronous: pages go
    through `what_if_submit` (a background job)."""
    from xiezuo.policy.services import policy_copy

    _ensure_may_run(user)
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    draft = policy_copy(policy=base_run.policy, name=name or f"{base_run.policy.name}-whatif-{stamp}"[:60],
                        user=user, changes=changes, check_scope=False)
    return run_execute(year=base_run.year, policy=draft, user=user, engine=base_run.engine, what_if=True,
                       base_run=base_run, log=log, progress=progress)


def to_decimal(value) -> Decimal:
    return Decimal(str(value))
