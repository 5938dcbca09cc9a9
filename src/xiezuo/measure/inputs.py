"""Reading the registry into the engine's Arrow inputs, in bulk.

When no transaction is open on Django's connection: ADBC (straight to Arrow) on PostgreSQL, and on
a SQLite file with more than CHILD_MIN_HOUSEHOLDS households ADBC in a child process
(`sqlite_reader`: never in this process, whose Django connection the driver's own copy of SQLite
would break). Otherwise (small SQLite registries, tests, an open transaction) Django's own cursor,
100,000 rows at a time, so uncommitted rows are seen.
Money is read as integer fen, computed by the database from the DECIMAL columns.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
from django.conf import settings
from django.db import connection

from .engine.run import INPUT_SCHEMAS, conform

INCOME = ("wage", "business", "property_dividend", "property_other", "transfer_family_planning", "transfer_dibao",
          "transfer_tekun", "transfer_pension", "transfer_eco", "transfer_other")


def _fen(expr: str) -> str:
    return f"CAST(ROUND(({expr}) * 100) AS BIGINT)" if connection.vendor == "postgresql" else \
        f"CAST(ROUND(({expr}) * 100) AS INTEGER)"


def _year_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def _bool(column: str) -> str:
    return f"CASE WHEN {column} THEN 1 ELSE 0 END"


def queries(year: int) -> dict[str, tuple[str, list]]:
    y = int(year)
    net = " + ".join(INCOME) + " - production_cost"
    in_year = "SELECT household_id FROM registry_householdyear WHERE year = %s"
    return {
        "households": (
            f"SELECT id, village_id AS village, attribute, {_year_of('identified_on')} AS identified_year, "
            f"exit_year FROM registry_household WHERE id IN ({in_year}) AND status <> 'removed'", [y]),
        "years": (
            f"SELECT household_id, size, {_fen(net)} AS net_fen, {_fen('medical_expense')} AS medical_fen, "
            f"{_fen('education_expense')} AS education_fen, {_bool('food_secure')} AS food_secure, "
            f"{_bool('clothing_secure')} AS clothing_secure, compulsory_dropouts, uninsured_members, housing_grade, "
            f"{_bool('water_safe')} AS water_safe, {_bool('electricity')} AS electricity, "
            f"{_bool('sanitary_toilet')} AS sanitary_toilet, {_bool('clean_fuel')} AS clean_fuel "
            f"FROM registry_householdyear WHERE year = %s", [y]),
        "members": (
            f"SELECT household_id, {_year_of('birth_date')} AS birth_year, education, schooling, health, "
            f"disability_category AS disability, labour, {_bool('deceased')} AS deceased "
            f"FROM registry_member WHERE household_id IN ({in_year})", [y]),
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


def read_inputs(year: int, *, log: Callable[[str], None] = lambda _m: None) -> tuple[dict[str, pa.Table], str]:
    """The four engine inputs for `year`, and how they were read ("adbc", "adbc-child" or "cursor")."""
    path = _sqlite_file(year)
    if path is not None:
        from . import sqlite_reader

        try:
            raw = sqlite_reader.read(path, {name: _adbc_sql(sql, params) for name, (sql, params) in queries(year).items()})
            tables = {name: conform(name, table) for name, table in raw.items()}
            log("  read " + ", ".join(f"{name} {t.num_rows:,}" for name, t in tables.items()) + " rows (ADBC, child)")
            return tables, "adbc-child"
        except Exception as exc:  # noqa: BLE001 — any trouble in the child: read with the cursor
            log(f"  the ADBC reader failed ({exc.__class__.__name__}: {str(exc)[:200]}); reading with the Django cursor")
    connect = None
    try:
        connect = _adbc_connect()
    except ImportError:
        connect = None
    tables: dict[str, pa.Table] = {}
    if connect is not None:
        try:
            with connect() as conn, conn.cursor() as cur:
                for name, (sql, params) in queries(year).items():
                    cur.execute(_adbc_sql(sql, params))
                    tables[name] = conform(name, cur.fetch_arrow_table())
                    log(f"  read {name}: {tables[name].num_rows:,} rows (ADBC)")
            return tables, "adbc"
        except Exception as exc:  # noqa: BLE001 — any driver trouble: fall back to the plain cursor
            log(f"  ADBC unavailable ({exc.__class__.__name__}); reading with the Django cursor")
    for name, (sql, params) in queries(year).items():
        tables[name] = conform(name, _via_cursor(sql, params, INPUT_SCHEMAS[name]))
        log(f"  read {name}: {tables[name].num_rows:,} rows")
    return tables, "cursor"
