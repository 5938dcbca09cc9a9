"""Input snapshots: the engine's inputs for a year as Parquet partitioned by county, with a manifest.

    DIR/manifest.json                                   written last (no manifest: an incomplete snapshot)
    DIR/policy.json                                     the policy's name, year and parameters
    DIR/households/county=PPCCDD/part-0.parquet         households, years, members: one file per county
    DIR/years/county=PPCCDD/part-0.parquet
    DIR/members/county=PPCCDD/part-0.parquet
    DIR/populations/part-0.parquet                      one row per division (every level), not partitioned

`xiezuo snapshot` writes one from the registry county by county, in record batches (one open file and one
batch in memory, whatever the registry's size); a published run writes its inputs the same way
(`write_tables`). `read` verifies every file's SHA-256 against the manifest before reading, and refuses a
missing, changed or extra file. Published runs from before this format (`runs/<id>/households.parquet`, ...,
no manifest) are read by `read_legacy`.

The inputs carry no identity numbers and no names (see `inputs.queries`): households are their database
id, village code, attribute and years; members their household id, birth year and coded attributes.
Files are created 0600 and folders 0700: the snapshot is registry data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from .engine.run import INPUT_SCHEMAS, PARQUET_ROW_GROUP_ROWS, conform

FORMAT = "xiezuo-snapshot"
FORMAT_VERSION = 1
PARTITIONED = ("households", "years", "members")
NO_COUNTY = "__HIVE_DEFAULT_PARTITION__"  # hive's name for a NULL key: rows of a household not among the inputs
BATCH_ROWS = 100_000


class SnapshotError(ValidationError):
    """A snapshot that cannot be used (missing, incomplete, changed); the message says which file."""


def policy_digest(parameters: dict) -> str:
    """SHA-256 of a policy's parameters in canonical JSON (key order and spacing do not matter)."""
    text = json.dumps(parameters, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _mkdir(path: Path) -> None:
    path.mkdir(mode=0o700, exist_ok=True)
    path.chmod(0o700)  # mkdir's mode is subject to the umask; an existing folder keeps its own


def _open_private(path: Path):
    """A new file opened for writing, created 0600 (never readable by others, not even for a moment)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with _open_private(tmp) as f:
        f.write(json.dumps(data, ensure_ascii=False, indent=1).encode())
    os.replace(tmp, path)


class _Writer:
    """Writes one table's batches, sorted by county, to one Parquet file per county."""

    def __init__(self, root: Path, name: str, *, partitioned: bool = True) -> None:
        self.root, self.name, self.partitioned = root, name, partitioned
        self.schema = INPUT_SCHEMAS[name]
        self.files: dict[str, dict] = {}  # relative path -> {"rows", "sha256"}
        self.partitions: dict[str, int] = {}
        self.county: str | None = None
        self.writer: pq.ParquetWriter | None = None
        self.sink = None
        self.relpath = ""
        _mkdir(root / name)

    def _open(self, county: str | None) -> None:
        folder = self.root / self.name
        if county is not None:
            if county in self.partitions:
                raise RuntimeError(f"{self.name}: rows of county {county} are not contiguous")
            folder = folder / f"county={county}"
            _mkdir(folder)
            self.partitions[county] = 0
        self.relpath = str((folder / "part-0.parquet").relative_to(self.root))
        self.sink = _open_private(self.root / self.relpath)
        self.writer = pq.ParquetWriter(self.sink, self.schema)
        self.county = county
        self.files[self.relpath] = {"rows": 0}

    def _close(self) -> None:
        if self.writer is None:
            return
        self.writer.close()
        self.sink.close()
        self.files[self.relpath]["sha256"] = file_digest(self.root / self.relpath)
        self.writer = self.sink = None

    def write(self, batch: pa.RecordBatch, county: str | None) -> None:
        if self.writer is None or county != self.county:
            self._close()
            self._open(county)
        self.writer.write_batch(batch, row_group_size=PARQUET_ROW_GROUP_ROWS)
        self.files[self.relpath]["rows"] += batch.num_rows
        if county is not None:
            self.partitions[county] += batch.num_rows

    def feed(self, batches: Iterable[pa.RecordBatch]) -> None:
        """Batches with the table's columns and, if partitioned, a trailing `county` column (sorted)."""
        for batch in batches:
            if not batch.num_rows:
                continue
            data = pa.RecordBatch.from_arrays(batch.columns[:len(self.schema)], schema=self.schema)
            if not self.partitioned:
                self.write(data, None)
                continue
            runs = pc.run_end_encode(batch.column(len(self.schema)).fill_null(NO_COUNTY))
            start = 0
            for end, county in zip(runs.run_ends.to_pylist(), runs.values.to_pylist(), strict=True):
                self.write(data.slice(start, end - start), county)
                start = end
        self._close()
        if not self.partitioned and not self.files:  # an empty unpartitioned table still gets its (empty) file
            self.write(pa.RecordBatch.from_pylist([], schema=self.schema), None)
            self._close()

    def abort(self) -> None:
        """Drop what was written (a reader that failed midway), to start the table again."""
        if self.writer is not None:
            self.writer.close()
            self.sink.close()
            self.writer = self.sink = None
        shutil.rmtree(self.root / self.name)

    def entry(self) -> dict:
        rows = sum(f["rows"] for f in self.files.values())
        return {"rows": rows, "partitions": dict(sorted(self.partitions.items())) if self.partitioned else {}}


def _conformed(name: str, batches: Iterable[pa.RecordBatch], partitioned: bool) -> Iterator[pa.RecordBatch]:
    schema = INPUT_SCHEMAS[name]
    for batch in batches:
        columns = [batch.column(f.name).cast(f.type) for f in schema]
        names = [f.name for f in schema]
        if partitioned:
            columns.append(batch.column("county").cast(pa.string()))
            names.append("county")
        yield pa.RecordBatch.from_arrays(columns, names=names)


def _start(root: Path) -> None:
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise SnapshotError(_("%(dir)s exists and is not empty; a snapshot is written into a new folder."),
                            params={"dir": root})
    root.parent.mkdir(parents=True, exist_ok=True)
    _mkdir(root)


def _finish(root: Path, *, year: int, policy, writers: list[_Writer], input_hash: str | None) -> dict:
    policy_file = {"name": policy.name, "year": year, "parameters": policy.parameters}
    _write_json(root / "policy.json", policy_file)
    files = {"policy.json": {"sha256": file_digest(root / "policy.json")}}
    for w in writers:
        files.update(w.files)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "year": int(year),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "policy": {"id": policy.pk, "name": policy.name, "year": policy.year,
                   "sha256": policy_digest(policy.parameters)},
        "input_hash": input_hash,
        "tables": {w.name: w.entry() for w in writers},
        "files": dict(sorted(files.items())),
    }
    _write_json(root / "manifest.json", manifest)  # last: a snapshot without it is incomplete
    return manifest


# -- from the registry, streamed ---------------------------------------------------------------------

def registry_queries(year: int) -> dict[str, tuple[str, list]]:
    """`inputs.queries`, each with the household's county and ordered by it (populations as they are).
    Years and members take the county from the household row (of any status), so they hold the same rows."""
    from .inputs import queries

    q = queries(year)
    county = "SUBSTR(h.village_id, 1, 6)"
    out = {"households": (f"SELECT q.*, SUBSTR(q.village, 1, 6) AS county FROM ({q['households'][0]}) q "
                          f"ORDER BY county", q["households"][1])}
    for name in ("years", "members"):
        sql, params = q[name]
        out[name] = (f"SELECT q.*, {county} AS county FROM ({sql}) q "
                     f"JOIN registry_household h ON h.id = q.household_id ORDER BY county", params)
    out["populations"] = q["populations"]
    return out


def _stream(sql: str, params: list, names: list[str], adbc=None) -> Iterator[pa.RecordBatch]:
    """The query's rows as record batches: on `adbc` (an ADBC connection, PostgreSQL outside a transaction) its
    stream, else Django's chunked cursor, BATCH_ROWS at a time (a server-side cursor on PostgreSQL; SQLite's cursor
    streams itself)."""
    from .inputs import _adbc_sql

    if adbc is not None:
        with adbc.cursor() as cur:
            cur.execute(_adbc_sql(sql, params))
            yield from cur.fetch_record_batch()
        return
    with connection.chunked_cursor() as cur:
        cur.execute(sql, params)
        while rows := cur.fetchmany(BATCH_ROWS):
            yield pa.RecordBatch.from_arrays([pa.array(c) for c in zip(*rows, strict=True)], names=names)


def write_registry(root: str | Path, *, year: int, policy, log=lambda _m: None) -> dict:
    """Snapshot the registry's inputs for `year` into `root` (a new or empty folder), county by county.
    A large SQLite file is read by ADBC in a child process streaming Arrow batches (as `inputs.read_inputs`
    does; ~3x quicker than Python's sqlite3), falling back to the cursor if that fails."""
    from . import sqlite_reader
    from .inputs import _adbc_connect, _adbc_sql, _begin, _sqlite_file

    root = Path(root)
    _start(root)
    sqlite_path = _sqlite_file(year)
    try:
        connect = _adbc_connect() if sqlite_path is None else None
    except ImportError:
        connect = None
    # on PostgreSQL, the four queries on one ADBC connection in one read-only REPEATABLE READ transaction: the
    # snapshot's tables are one moment's registry (as a run's inputs are, `inputs.read_inputs`)
    adbc = connect() if connect is not None else None
    try:
        if adbc is not None:
            _begin(adbc, None)
        writers = []
        for name, (sql, params) in registry_queries(year).items():
            partitioned = name in PARTITIONED
            names = [f.name for f in INPUT_SCHEMAS[name]] + (["county"] if partitioned else [])
            w = _Writer(root, name, partitioned=partitioned)
            how = "ADBC" if adbc is not None else "cursor"
            if sqlite_path is not None:
                try:
                    w.feed(_conformed(name, sqlite_reader.stream(sqlite_path, _adbc_sql(sql, params)), partitioned))
                    how = "ADBC, child"
                except Exception as exc:  # noqa: BLE001 — any trouble in the child: start the table again
                    log(f"  the ADBC reader failed ({exc.__class__.__name__}: {str(exc)[:200]}); using the cursor")
                    w.abort()
                    w = _Writer(root, name, partitioned=partitioned)
            if how in ("cursor", "ADBC"):
                w.feed(_conformed(name, _stream(sql, params, names, adbc), partitioned))
            writers.append(w)
            log(f"  {name}: {w.entry()['rows']:,} rows in {len(w.files):,} files ({how})")
    finally:
        if adbc is not None:
            adbc.close()
    return _finish(root, year=year, policy=policy, writers=writers, input_hash=None)


# -- from tables in memory (a published run's inputs) ------------------------------------------------

def _by_county(name: str, table: pa.Table, ids: pa.Array, codes: pa.Array, counties: pa.Array) -> pa.Table:
    """The table's rows grouped by county (in county order; rows of a household not among the inputs last), with
    the county as a trailing column. The county is found as a small integer code (`codes[i]` is the position in the
    sorted `counties` of household `ids[i]`), and the rows are ordered by that code: an Arrow join and a sort on
    the county strings took 3-4x the CPU time for 3.3 M members (1.9-2.7 s against 0.5-0.6 s, under load)."""
    if name == "households":
        code = codes
    else:
        code = pc.take(codes, pc.index_in(table.column("household_id"), value_set=ids))
    order = pc.array_sort_indices(code)  # stable, nulls last
    return table.take(order).append_column("county", pc.take(counties, pc.take(code, order)))


def write_tables(root: str | Path, tables: dict[str, pa.Table], *, year: int, policy,
                 input_hash: str | None = None) -> dict:
    """Snapshot inputs already in memory (a run's), in the same layout as `write_registry`."""
    root = Path(root)
    _start(root)
    tables = {name: conform(name, tables[name]) for name in INPUT_SCHEMAS}
    hh = tables["households"]
    county = pc.utf8_slice_codeunits(hh.column("village"), 0, 6)
    counties = pc.unique(county).sort()
    ids, codes = hh.column("id").combine_chunks(), pc.index_in(county, value_set=counties).combine_chunks()
    writers = []
    for name, table in tables.items():
        partitioned = name in PARTITIONED
        if partitioned:
            table = _by_county(name, table, ids, codes, counties)
        w = _Writer(root, name, partitioned=partitioned)
        w.feed(table.to_batches(max_chunksize=PARQUET_ROW_GROUP_ROWS))
        writers.append(w)
    return _finish(root, year=year, policy=policy, writers=writers, input_hash=input_hash)


# -- reading -----------------------------------------------------------------------------------------

def verify(root: str | Path) -> dict:
    """The manifest, after checking every file it lists (SHA-256) and that no other Parquet file is present."""
    root = Path(root)
    manifest_path = root / "manifest.json"
    if not manifest_path.is_file():
        raise SnapshotError(_("%(dir)s is not a complete snapshot: manifest.json is missing."), params={"dir": root})
    try:
        manifest = json.loads(manifest_path.read_text())
    except (ValueError, OSError) as exc:
        raise SnapshotError(_("The snapshot's manifest cannot be read (%(error)s)."), params={"error": exc}) from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise SnapshotError(_("Unknown snapshot format %(format)s version %(version)s."),
                            params={"format": manifest.get("format"), "version": manifest.get("format_version")})
    files = manifest["files"]
    for rel, meta in files.items():
        path = root / rel
        if not path.is_file():
            raise SnapshotError(_("The snapshot is incomplete: %(file)s is missing."), params={"file": rel})
        if file_digest(path) != meta["sha256"]:
            raise SnapshotError(_("The snapshot was changed: %(file)s does not match its checksum."),
                                params={"file": rel})
    for name in INPUT_SCHEMAS:
        for path in sorted((root / name).rglob("*.parquet")):
            rel = str(path.relative_to(root))
            if rel not in files:
                raise SnapshotError(_("The snapshot was changed: %(file)s is not in its manifest."),
                                    params={"file": rel})
    return manifest


def read(root: str | Path) -> tuple[dict[str, pa.Table], dict, dict]:
    """The four inputs, the manifest and the policy file of a verified snapshot."""
    root = Path(root)
    manifest = verify(root)
    tables = {}
    for name, schema in INPUT_SCHEMAS.items():
        parts = [pq.read_table(root / rel, schema=schema) for rel in manifest["files"]
                 if rel.split("/", 1)[0] == name]
        table = pa.concat_tables(parts) if parts else schema.empty_table()
        if table.num_rows != manifest["tables"][name]["rows"]:
            raise SnapshotError(_("The snapshot is incomplete: %(table)s has %(rows)s rows, its manifest says "
                                  "%(expected)s."), params={"table": name, "rows": table.num_rows,
                                                            "expected": manifest["tables"][name]["rows"]})
        tables[name] = table
    return tables, manifest, json.loads((root / "policy.json").read_text())


def read_legacy(root: str | Path) -> tuple[dict[str, pa.Table], dict]:
    """A run published before the snapshot format: `<name>.parquet` per input and policy.json, no checksums."""
    root = Path(root)
    tables = {name: pq.read_table(root / f"{name}.parquet") for name in INPUT_SCHEMAS}
    return tables, json.loads((root / "policy.json").read_text())


def is_snapshot(root: str | Path) -> bool:
    return (Path(root) / "manifest.json").exists()
