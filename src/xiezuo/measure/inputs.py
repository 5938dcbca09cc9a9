"""Reading the registry into the engine's Arrow inputs, in bulk.

When no transaction is open on Django's connection: ADBC (straight to Arrow) on PostgreSQL, on several
connections sharing one snapshot (`_read_parallel`), and on
a SQLite file with more than CHILD_MIN_HOUSEHOLDS households ADBC in a child process
(`sqlite_reader`: never in this process, whose Django connection the driver's own copy of SQLite
would break). Otherwise (small SQLite registries, tests, an open transaction) Django's own cursor,
100,000 rows at a time, so uncommitted rows are seen.
Money is read as integer fen, computed by the database from the DECIMAL columns.
With `units`, the poor-unit facts (`unit_tables`) come too: on PostgreSQL's parallel read in the same snapshot
(Django's connection imports it, `in_snapshot`), so they are the households' moment; SQLite and the cursor read
them after the four inputs, as they are then (no exported snapshot there).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

import pyarrow as pa
from django.conf import settings
from django.db import connection, transaction

from xiezuo.registry.unit_selectors import unit_inputs

from .engine.run import INPUT_SCHEMAS, conform

T = TypeVar("T")

INCOME = ("wage", "business", "property_dividend", "property_other", "transfer_family_planning", "transfer_dibao",
          "transfer_tekun", "transfer_pension", "transfer_eco", "transfer_other")


def _fen(expr: str) -> str:
    return f"CAST(ROUND(({expr}) * 100) AS BIGINT)" if connection.vendor == "postgresql" else \
        f"CAST(ROUND(({expr}) * 100) AS INTEGER)"


def _year_of(column: str) -> str:
    if connection.vendor == "postgresql":
        # date_part (double) rather than EXTRACT, which gives NUMERIC since PostgreSQL 14 (~10 % of the members
        # query's server time); int4 on the wire, widened by `conform`
        return f"CAST(date_part('year', {column}) AS INTEGER)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def _bool(column: str) -> str:
    return f"CASE WHEN {column} THEN 1 ELSE 0 END"


def queries(year: int, *, ids: tuple[int, int] | None = None) -> dict[str, tuple[str, list]]:
    """The four input queries for `year`; with `ids` = (lo, hi), only the households with lo <= id < hi (and
    their years and members): one part of a read split across connections (populations are not split)."""
    y = int(year)
    net = " + ".join(INCOME) + " - production_cost"

    def part(column: str) -> tuple[str, list]:
        return (f" AND {column} >= %s AND {column} < %s", [int(ids[0]), int(ids[1])]) if ids else ("", [])

    (hh_part, hh_ids), (hy_part, hy_ids) = part("id"), part("household_id")
    in_year = f"SELECT household_id FROM registry_householdyear WHERE year = %s{hy_part}"
    return {
        "households": (
            f"SELECT id, village_id AS village, attribute, {_year_of('identified_on')} AS identified_year, "
            f"exit_year FROM registry_household WHERE id IN ({in_year}) AND status <> 'removed'{hh_part}",
            [y, *hy_ids, *hh_ids]),
        "years": (
            f"SELECT household_id, size, {_fen(net)} AS net_fen, {_fen('medical_expense')} AS medical_fen, "
            f"{_fen('education_expense')} AS education_fen, {_bool('food_secure')} AS food_secure, "
            f"{_bool('clothing_secure')} AS clothing_secure, compulsory_dropouts, uninsured_members, housing_grade, "
            f"{_bool('water_safe')} AS water_safe, {_bool('electricity')} AS electricity, "
            f"{_bool('sanitary_toilet')} AS sanitary_toilet, {_bool('clean_fuel')} AS clean_fuel "
            f"FROM registry_householdyear WHERE year = %s{hy_part}", [y, *hy_ids]),
        "members": (
            f"SELECT household_id, {_year_of('birth_date')} AS birth_year, education, schooling, health, "
            f"disability_category AS disability, labour, {_bool('deceased')} AS deceased "
            f"FROM registry_member WHERE household_id IN ({in_year}){hy_part}", [y, *hy_ids, *hy_ids]),
        "populations": (
            "SELECT division_id AS code, rural_population FROM geo_divisionpopulation WHERE year = %s", [y]),
    }


def _via_cursor(sql: str, params: list, schema: pa.Schema, batch: int = 100_000) -> pa.Table:
    """The rows as Arrow, 100,000 at a time (a million households' members never sit in Python at once)."""
    batches = []
    with connection.cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(batch):
            columns = zip(*rows, strict=True)
            batches.append(pa.record_batch([pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)],
                                           schema=schema))
    return pa.Table.from_batches(batches, schema=schema)


def _adbc_connect() -> Callable | None:
    db = settings.DATABASES["default"]
    if connection.in_atomic_block:
        return None
    if connection.vendor == "postgresql":
        import adbc_driver_postgresql.dbapi as pg

        auth = db.get("USER") or ""
        if db.get("PASSWORD"):
            auth += f":{db['PASSWORD']}"
        uri = f"postgresql://{auth + '@' if auth else ''}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"
        return lambda: pg.connect(uri)
    return None


def _adbc_sql(sql: str, params: list) -> str:
    # The parameters are integers (the year): inline them for drivers with other paramstyles.
    for value in params:
        sql = sql.replace("%s", str(int(value)), 1)
    return sql


# PostgreSQL: the inputs are read on READ_CONNECTIONS connections at once (ADBC's fetch releases the GIL, and each
# connection has its own server process), the households, years and members in READ_PARTS household-id ranges
# each, largest first. All the connections see one snapshot of the registry (exported by the first, imported by
# the others), so a run's inputs are one moment's even while the registry is being edited.
READ_CONNECTIONS = 3
READ_PARTS = 4
# per read transaction: the members' semi-join hashes up to a million household ids (at the default 4 MB it
# spilled to disk in 8 batches), and JIT compiling each query cost more than it saved
READ_SETTINGS = ("SET LOCAL work_mem = '64MB'", "SET LOCAL jit = off", "SET LOCAL max_parallel_workers_per_gather = 0")


def _id_ranges(lo: int | None, hi: int | None, parts: int) -> list[tuple[int, int] | None]:
    """`parts` household-id ranges [a, b) covering lo..hi, or one unbounded part."""
    if lo is None or hi is None or parts <= 1:
        return [None]
    step = -(-(hi + 1 - lo) // parts)
    return [(a, min(a + step, hi + 1)) for a in range(lo, hi + 1, step)]


def _begin(conn, snapshot: str | None) -> str:
    """A read-only REPEATABLE READ transaction on `conn` (ADBC's connection is in a transaction already, autocommit
    being off) that exports its snapshot, or imports `snapshot`; the snapshot's id."""
    with conn.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        if snapshot is None:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
        else:
            cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # before any query of the transaction
        for statement in READ_SETTINGS:
            cur.execute(statement)
    return snapshot


def unit_tables(year: int) -> dict[str, pa.Table]:
    """The unit facts a run of `year` judges the poor villages and counties by (`registry.unit_selectors.
    unit_inputs`: a few rows per unit), as tables, read by Django's connection as it is (its transaction's
    moment)."""
    return {name: conform(name, rows) for name, rows in unit_inputs(year=year).items()}


def in_snapshot(snapshot: str, read: Callable[[], T]) -> T:
    """`read()` on Django's connection in a read-only REPEATABLE READ transaction that imports the exported
    `snapshot` (PostgreSQL; its exporting transaction still open): it sees the registry of that moment. Django's
    connection must be outside a transaction (as it is when the inputs are read by ADBC)."""
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # before any query of the transaction
        return read()


def _read_parallel(connect: Callable, year: int, *, connections: int, parts: int,
                   units: bool = False) -> dict[str, pa.Table]:
    """The inputs read by ADBC on `connections` connections in one exported snapshot, split into `parts`; with
    `units`, the unit facts too, read meanwhile by Django's connection in the same snapshot (`in_snapshot`)."""
    conns = []
    pool = ThreadPoolExecutor(max_workers=max(1, connections), thread_name_prefix="read-inputs")
    try:
        opening = [pool.submit(connect) for _ in range(max(1, connections))]  # each ~20-50 ms, mostly waiting
        wait(opening)  # every connection in hand before a failure is raised: none is left open
        conns = [f.result() for f in opening if f.exception() is None]
        for f in opening:
            if f.exception() is not None:
                raise f.exception()
        snapshot = None
        for conn in conns:  # the exporting transaction stays open until the others are done (the finally below)
            snapshot = _begin(conn, snapshot)
        with conns[0].cursor() as cur:
            cur.execute("SELECT MIN(id), MAX(id) FROM registry_household")
            lo, hi = cur.fetchone()
        jobs: list[tuple[str, int, str]] = []
        for i, ids in enumerate(_id_ranges(lo, hi, parts)):
            for name, (sql, params) in queries(year, ids=ids).items():
                if name != "populations" or i == 0:
                    jobs.append((name, i, _adbc_sql(sql, params)))
        order = {"members": 0, "years": 1, "households": 2, "populations": 3}  # largest first: an even finish
        pending = deque(sorted(jobs, key=lambda j: (order[j[0]], j[1])))

        def work(conn) -> list[tuple[str, int, pa.Table]]:
            done = []
            with conn.cursor() as cur:
                while True:
                    try:
                        name, i, sql = pending.popleft()
                    except IndexError:
                        return done
                    try:
                        cur.execute(sql)
                        done.append((name, i, conform(name, cur.fetch_arrow_table())))
                    except BaseException:
                        pending.clear()  # the others stop too: the caller falls back to the cursor
                        raise

        working = [pool.submit(work, conn) for conn in conns]
        facts = {}
        if units:  # the business rule's ORM queries, in this thread while the pool reads (a few rows per unit)
            try:
                facts = in_snapshot(snapshot, lambda: unit_tables(year))
            except BaseException:
                pending.clear()
                raise
        pieces = [p for f in working for p in f.result()]
        pieces.sort(key=lambda p: p[1])  # in household-id order, as one query would give them (or close)
        return {**{name: pa.concat_tables([t for n, _i, t in pieces if n == name]) for name in INPUT_SCHEMAS},
                **facts}
    finally:
        pool.shutdown(wait=True)
        for conn in conns:
            conn.close()  # the read-only transactions end with their connections


CHILD_MIN_HOUSEHOLDS = 50_000  # below this the cursor is as quick as starting the child (~0.5 s)


def _sqlite_file(year: int) -> str | None:
    """The SQLite database file, when a child process should read it for `year`."""
    name = str(settings.DATABASES["default"].get("NAME", ""))
    if connection.vendor != "sqlite" or connection.in_atomic_block or not name or "memory" in name:
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM registry_householdyear WHERE year = %s", [int(year)])
        (households,) = cur.fetchone()
    return name if households > CHILD_MIN_HOUSEHOLDS else None


def read_inputs(year: int, *, log: Callable[[str], None] = lambda _m: None,
                units: bool = False) -> tuple[dict[str, pa.Table], str]:
    """The four engine inputs for `year` (with `units`, the unit facts too: `unit_tables`, of the same moment on
    PostgreSQL's ADBC read, see the module's docstring), and how they were read ("adbc", "adbc-child" or
    "cursor")."""
    path = _sqlite_file(year)
    if path is not None:
        from . import sqlite_reader

        try:
            raw = sqlite_reader.read(path, {name: _adbc_sql(sql, params) for name, (sql, params) in queries(year).items()})
            tables = {name: conform(name, table) for name, table in raw.items()}
        except Exception as exc:  # noqa: BLE001 — any trouble in the child: read with the cursor
            log(f"  the ADBC reader failed ({exc.__class__.__name__}: {str(exc)[:200]}); reading with the Django cursor")
        else:
            if units:  # by this process, after the child's read (SQLite: no snapshot to share)
                tables.update(unit_tables(year))
            log("  read " + ", ".join(f"{name} {t.num_rows:,}" for name, t in tables.items()) + " rows (ADBC, child)")
            return tables, "adbc-child"
    connect = None
    try:
        connect = _adbc_connect()
    except ImportError:
        connect = None
    tables: dict[str, pa.Table] = {}
    if connect is not None:
        try:
            tables = _read_parallel(connect, year, connections=READ_CONNECTIONS, parts=READ_PARTS, units=units)
            log("  read " + ", ".join(f"{name} {t.num_rows:,}" for name, t in tables.items())
                + f" rows (ADBC, {READ_CONNECTIONS} connections, one snapshot)")
            return tables, "adbc"
        except Exception as exc:  # noqa: BLE001 — any driver trouble: fall back to the plain cursor
            log(f"  ADBC unavailable ({exc.__class__.__name__}: {str(exc)[:200]}); reading with the Django cursor")
            tables = {}
    for name, (sql, params) in queries(year).items():
        tables[name] = conform(name, _via_cursor(sql, params, INPUT_SCHEMAS[name]))
        log(f"  read {name}: {tables[name].num_rows:,} rows")
    if units:  # after the four, on the same connection (in the caller's transaction, if one is open)
        tables.update(unit_tables(year))
    return tables, "cursor"
