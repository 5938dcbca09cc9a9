"""Input snapshots: the engine's inputs for a year as Parquet partitioned by county, with a manifest.

    DIR/manifest.json                                   written last (no manifest: an incomplete snapshot)
    DIR/policy.json                                     the policy's name, year and parameters
    DIR/households/county=PPCCDD/part-0.parquet         households, years, members: one file per county
    DIR/years/county=PPCCDD/part-0.parquet
    DIR/members/county=PPCCDD/part-0.parquet
    DIR/populations/part-0.parquet                      one row per division (every level), not partitioned
    DIR/{units,village_facts,county_facts}/part-0.parquet   the poor-unit facts a run of the year reads (format 2)

`xiezuo snapshot` writes one from the registry county by county, in record batches (one open file and one
batch in memory, whatever the registry's size; one county's table while its file is hashed); a published run
writes its inputs the same way (`write_tables`), or, when it ran on a snapshot, keeps that snapshot's files
(`freeze`: hard links, or copies). Each data file's content digest (`engine.digest`) is recorded beside its
SHA-256, and the manifest's `input_hash` combines them: the run's input hash, equal for the same rows however
they were written. `read` verifies every file's SHA-256 against the manifest before reading, and refuses a
missing, changed or extra file. Format 1 (no content digests, no unit facts) is still read. Published runs from
before the snapshot format (`runs/<id>/households.parquet`, ..., no manifest) are read by `read_legacy`.

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

from .engine.digest import NO_COUNTY, PARTITIONED, combine, partition_digests, table_digest
from .engine.run import INPUT_SCHEMAS, PARQUET_ROW_GROUP_ROWS, SNAPSHOT_SCHEMAS, conform
from .engine.units import UNIT_SCHEMAS

FORMAT = "xiezuo-snapshot"
FORMAT_VERSION = 2  # 2: content digests per file and in `input_hash`, the unit facts; 1 is still read
READABLE_VERSIONS = (1, 2)
BATCH_ROWS = 100_000
__all__ = ["NO_COUNTY", "PARTITIONED"]  # re-exported: the layout's names


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
    """Writes one table's batches, sorted by county, to one Parquet file per county; each file, once closed, is
    read back (one county) for its content digest, unless `digest` is False (Spark's scratch inputs) or the
    digests are given (`known`: county -> digest, computed from the same rows in memory)."""

    def __init__(self, root: Path, name: str, *, partitioned: bool = True, digest: bool = True,
                 known: dict[str, str] | None = None) -> None:
        self.root, self.name, self.partitioned, self.digest, self.known = root, name, partitioned, digest, known
        self.schema = SNAPSHOT_SCHEMAS[name]
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
        path = self.root / self.relpath
        self.files[self.relpath]["sha256"] = file_digest(path)
        if self.known is not None:
            self.files[self.relpath]["digest"] = self.known[_part(self.relpath)[1]]
        elif self.digest:
            self.files[self.relpath]["digest"] = table_digest(self.name, pq.read_table(path, schema=self.schema))
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
    schema = SNAPSHOT_SCHEMAS[name]
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


def _part(rel: str) -> tuple[str, str]:
    """(table, county) of a data file's path ("" for a table kept whole)."""
    name, _sep, rest = rel.partition("/")
    folder = rest.split("/", 1)[0]
    return name, folder.removeprefix("county=") if folder.startswith("county=") else ""


def parts(manifest: dict) -> dict[str, dict[str, str]] | None:
    """The content digest of each data file, as `engine.digest.partition_digests` gives them; None for a
    snapshot without them (format 1, or Spark's scratch inputs)."""
    out: dict[str, dict[str, str]] = {name: {} for name in manifest["tables"]}
    for rel, meta in manifest["files"].items():
        if rel == "policy.json":
            continue
        if "digest" not in meta:
            return None
        name, county = _part(rel)
        out[name][county] = meta["digest"]
    return out


def content_hash(manifest: dict, units: dict[str, pa.Table] | None = None) -> str | None:
    """The input hash of a run of this snapshot: its files' content digests combined, with those of `units` (the
    unit facts the run read from the database) for a snapshot that holds none; None without digests (format 1)."""
    digests = parts(manifest)
    if digests is None:
        return None
    extra = {name: conform(name, t) for name, t in (units or {}).items() if name not in digests}
    return combine({**digests, **partition_digests(extra)})


def has_units(manifest: dict) -> bool:
    """Does the snapshot hold the unit facts (format 2)? Without them a run reads them from the database."""
    return all(name in manifest["tables"] for name in UNIT_SCHEMAS)


def _finish(root: Path, *, year: int, policy, writers: list[_Writer], input_hash: str | None,
            tables: dict | None = None, files: dict | None = None, extra: dict | None = None) -> dict:
    """policy.json and the manifest (last). `input_hash`, if given (the run's, from the tables it read), must be
    the files' combined content digest: a frozen snapshot that would not hash to its run's inputs is refused."""
    policy_file = {"name": policy.name, "year": year, "parameters": policy.parameters}
    _write_json(root / "policy.json", policy_file)
    files = dict(files or {})
    files["policy.json"] = {"sha256": file_digest(root / "policy.json")}
    for w in writers:
        files.update(w.files)
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "year": int(year),
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "policy": {"id": policy.pk, "name": policy.name, "year": policy.year,
                   "sha256": policy_digest(policy.parameters)},
        "input_hash": None,
        "tables": {**(tables or {}), **{w.name: w.entry() for w in writers}},
        "files": dict(sorted(files.items())),
        **(extra or {}),
    }
    digests = parts(manifest)
    manifest["input_hash"] = combine(digests) if digests is not None else None
    if input_hash is not None and manifest["input_hash"] != input_hash:
        raise SnapshotError(_("The snapshot written does not hash to the run's inputs (%(written)s, not %(run)s)."),
                            params={"written": manifest["input_hash"], "run": input_hash})
    _write_json(root / "manifest.json", manifest)  # last: a snapshot without it is incomplete
    return manifest


# -- from the registry, streamed ---------------------------------------------------------------------

def registry_queries(year: int) -> dict[str, tuple[str, list]]:
    """`inputs.queries`, each with the household's county and ordered by it (populations as they are).
    Years and members take the county of their household if it is among the households (not removed: every
    year and member row is of a household with a year row), else none (`NO_COUNTY`), as `write_tables` and
    `engine.digest` cut them: the same rows go to the same file, and hash alike, however they are written."""
    from .inputs import queries

    q = queries(year)
    county = "SUBSTR(h.village_id, 1, 6)"
    out = {"households": (f"SELECT q.*, SUBSTR(q.village, 1, 6) AS county FROM ({q['households'][0]}) q "
                          f"ORDER BY county", q["households"][1])}
    for name in ("years", "members"):
        sql, params = q[name]
        out[name] = (f"SELECT q.*, {county} AS county FROM ({sql}) q LEFT JOIN registry_household h "
                     f"ON h.id = q.household_id AND h.status <> 'removed' ORDER BY county", params)
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
    """Snapshot the registry's inputs for `year` into `root` (a new or empty folder), county by county, and the
    unit facts a run of `year` reads (small tables, whole).
    A large SQLite file is read by ADBC in a child process streaming Arrow batches (as `inputs.read_inputs`
    does; ~3x quicker than Python's sqlite3), falling back to the cursor if that fails."""
    from . import sqlite_reader
    from .inputs import _adbc_connect, _adbc_sql, _begin, _sqlite_file, in_snapshot, unit_tables

    root = Path(root)
    _start(root)
    sqlite_path = _sqlite_file(year)
    try:
        connect = _adbc_connect() if sqlite_path is None else None
    except ImportError:
        connect = None
    # on PostgreSQL, the four queries on one ADBC connection in one read-only REPEATABLE READ transaction, and the
    # unit facts on Django's connection in that transaction's exported snapshot: the snapshot's tables are one
    # moment's registry (as a run's inputs are, `inputs.read_inputs`). SQLite and the cursor read the unit facts
    # after the four, as they are then.
    adbc = connect() if connect is not None else None
    units = None
    try:
        if adbc is not None:
            units = in_snapshot(_begin(adbc, None), lambda: unit_tables(year))
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
    for name, table in (units if units is not None else unit_tables(year)).items():
        w = _Writer(root, name, partitioned=False)
        w.feed(table.to_batches())
        writers.append(w)
    counts = ", ".join(f"{w.name} {w.entry()['rows']:,}" for w in writers[-len(UNIT_SCHEMAS):])
    log(f"  unit facts: {counts} rows")
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
                 input_hash: str | None = None, digest: bool = True,
                 parts: dict[str, dict[str, str]] | None = None) -> dict:
    """Snapshot inputs already in memory (a run's: the four inputs, and the unit facts if given), in the same
    layout as `write_registry`. `digest=False` skips the content digests (Spark's scratch inputs); `parts` gives
    them (`engine.run.input_parts` of the same tables: the run hashed them already), instead of hashing each
    file read back."""
    root = Path(root)
    _start(root)
    tables = {name: conform(name, tables[name]) for name in SNAPSHOT_SCHEMAS if name in tables or
              name in INPUT_SCHEMAS}
    hh = tables["households"]
    county = pc.utf8_slice_codeunits(hh.column("village"), 0, 6)
    counties = pc.unique(county).sort()
    ids, codes = hh.column("id").combine_chunks(), pc.index_in(county, value_set=counties).combine_chunks()
    writers = []
    for name, table in tables.items():
        partitioned = name in PARTITIONED
        if partitioned:
            table = _by_county(name, table, ids, codes, counties)
        w = _Writer(root, name, partitioned=partitioned, digest=digest, known=(parts or {}).get(name))
        w.feed(table.to_batches(max_chunksize=PARQUET_ROW_GROUP_ROWS))
        writers.append(w)
    return _finish(root, year=year, policy=policy, writers=writers, input_hash=input_hash)


def _link(source: Path, target: Path) -> str:
    """`source` hard-linked at `target` (the same bytes, no copy), or copied (0600) on another file system."""
    try:
        os.link(source, target)
        return "linked"
    except OSError:
        with open(source, "rb") as src, _open_private(target) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        return "copied"


def freeze(source: str | Path, root: str | Path, *, manifest: dict, year: int, policy,
           units: dict[str, pa.Table] | None = None, input_hash: str | None = None) -> dict:
    """A run's frozen inputs from the snapshot it ran on (`manifest`: that snapshot's, verified): its data files
    hard-linked into `root` (copied across file systems), each checked against its SHA-256 once in place; the
    run's policy (which may not be the snapshot's); and `units`, the unit facts the run read from the database,
    written beside them if the snapshot has none. The manifest's `input_hash` must be the run's."""
    source, root = Path(source), Path(root)
    _start(root)
    files, how = {}, set()
    for rel, meta in manifest["files"].items():
        if rel == "policy.json":
            continue
        target = root / rel
        for folder in reversed(Path(rel).parents[:-1]):
            _mkdir(root / folder)
        how.add(_link(source / rel, target))
        if file_digest(target) != meta["sha256"]:
            raise SnapshotError(_("The snapshot was changed: %(file)s does not match its checksum."),
                                params={"file": rel})
        files[rel] = meta
    writers = []
    for name, table in (units or {}).items():
        if name in manifest["tables"]:
            continue
        w = _Writer(root, name, partitioned=False)
        w.feed(conform(name, table).to_batches())
        writers.append(w)
    return _finish(root, year=year, policy=policy, writers=writers, input_hash=input_hash,
                   tables=manifest["tables"], files=files,
                   extra={"frozen_from": {"path": str(source), "created_at": manifest.get("created_at"),
                                          "files": "/".join(sorted(how))}})


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
    if manifest.get("format") != FORMAT or manifest.get("format_version") not in READABLE_VERSIONS:
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
    for name in SNAPSHOT_SCHEMAS:
        for path in sorted((root / name).rglob("*.parquet")):
            rel = str(path.relative_to(root))
            if rel not in files:
                raise SnapshotError(_("The snapshot was changed: %(file)s is not in its manifest."),
                                    params={"file": rel})
    return manifest


def _read_table(root: Path, manifest: dict, name: str) -> pa.Table:
    schema = SNAPSHOT_SCHEMAS[name]
    files = [pq.read_table(root / rel, schema=schema) for rel in manifest["files"] if rel.split("/", 1)[0] == name]
    return pa.concat_tables(files) if files else schema.empty_table()


def read_units(root: str | Path, manifest: dict) -> dict[str, pa.Table] | None:
    """The unit facts of a verified snapshot (a few rows per unit), or None if it holds none (format 1)."""
    if not has_units(manifest):
        return None
    return {name: _read_table(Path(root), manifest, name) for name in UNIT_SCHEMAS}


def read(root: str | Path) -> tuple[dict[str, pa.Table], dict, dict]:
    """The tables (the four inputs, and the unit facts from format 2), the manifest and the policy file of a
    verified snapshot."""
    root = Path(root)
    manifest = verify(root)
    tables = {}
    for name in SNAPSHOT_SCHEMAS:
        if name not in manifest["tables"] and name not in INPUT_SCHEMAS:
            continue
        table = _read_table(root, manifest, name)
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
