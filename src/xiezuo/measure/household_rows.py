"""A run's household result rows on PostgreSQL: one partition per run, filled by a binary COPY built from Arrow.

`measure_householdresult` is LIST-partitioned by `run_id` on PostgreSQL (migration 0008; SQLite keeps a plain
table). A run writes its rows into a table created in its own transaction: no index to maintain row by row, and
`COPY ... FREEZE` (the rows are born frozen and all-visible: nobody sets their hint bits later, index-only scans
need no heap visits). Its two indexes are then built by one sort each, and the table is attached as the run's
partition; its CHECK constraint proves every row belongs there, so the attach scans nothing. Until the commit
none of it is visible; a failed write rolls the table back with everything else; deleting a run's rows is a
DROP TABLE (`drop`). Rows written otherwise (the ORM, a test) land in the DEFAULT partition, kept empty in use:
attaching a partition scans the default one.

The COPY stream is PostgreSQL's binary format, built column-wise (numpy for the fixed-width fields, Arrow's
element-wise binary join for the text ones): the server parses binary fields instead of CSV text, and the client
does no text formatting of numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .engine.spec import EXIT_CRITERIA

PARENT = "measure_householdresult"
DEFAULT = f"{PARENT}_default"
HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" * 2  # signature, flags, header extension length
TRAILER = b"\xff\xff"
FLAGS = ["registered_active", "exited_before", "below_line", "below_monitoring", *[f"c_{c}" for c in EXIT_CRITERIA],
         "exit_ok", "mpi_poor"]
# fixed-width fields first (one numpy record per row), then the text fields (variable width)
FIXED = ["run_id", "household_id", "size", "pcni", "pcni_after_rigid", "mpi_score", *FLAGS]
TEXT = ["village_id", "status", "category", "reasons", "deprived"]
COLUMNS = FIXED + TEXT
_NUMERIC = [("ndigits", ">i2"), ("weight", ">i2"), ("sign", ">u2"), ("dscale", ">i2"), ("digits", ">i2", (4,))]


def partition(run_id: int) -> str:
    return f"{PARENT}_r{int(run_id)}"


def partitioned(cur) -> bool:
    """Whether this database's result table is the partitioned one (PostgreSQL after migration 0008)."""
    cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [PARENT])
    row = cur.fetchone()
    return row is not None and row[0] == "p"


def create(cur, run_id: int) -> str:
    """The run's table, empty, not yet a partition (its CHECK already the partition's bound). A table of this name
    left over (the run ids of a database emptied by TRUNCATE restart) is another, gone run's: dropped first."""
    name = partition(run_id)
    cur.execute("SELECT to_regclass(%s) IS NOT NULL, pg_get_serial_sequence(%s, 'id')", [name, PARENT])
    exists, sequence = cur.fetchone()
    if exists:
        cur.execute(f"DROP TABLE {name}")
    cur.execute(f"CREATE TABLE {name} (LIKE {PARENT} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
                f"CONSTRAINT {name}_run CHECK (run_id IS NOT NULL AND run_id = {int(run_id)}))")
    # the parent's identity does not reach a table that is not yet its partition (PostgreSQL 15)
    cur.execute(f"ALTER TABLE {name} ALTER id SET DEFAULT nextval(%s::regclass)", [sequence])
    return name


def copy(cur, table: str, run_id: int, hh: pa.Table, *, freeze: bool) -> None:
    """Append the engine's household rows (`hh`) to `table` by one binary COPY (FREEZE: only into a table created
    in this (sub)transaction)."""
    sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN (FORMAT binary{', FREEZE' if freeze else ''})"
    with cur.copy(sql) as out:
        out.write(HEADER)
        for start in range(0, hh.num_rows, 100_000):
            out.write(_rows(run_id, hh.slice(start, 100_000)))
        out.write(TRAILER)


def finish(cur, run_id: int) -> None:
    """The run's table indexed, one sort per index. The definitions match the parent's, so `attach` adopts them
    instead of building its own."""
    name = partition(run_id)
    cur.execute(f"ALTER TABLE {name} ADD CONSTRAINT {name}_household_run UNIQUE (household_id, run_id)")
    cur.execute(f"CREATE INDEX {name}_run_status ON {name} (run_id, status)")


def attach(cur, run_id: int) -> None:
    """The run's table becomes its partition: a SHARE UPDATE EXCLUSIVE lock on the parent (readers and writers go
    on) and an ACCESS EXCLUSIVE one on the default partition, which is scanned (it is empty), until the commit;
    hence the last step before it."""
    cur.execute(f"ALTER TABLE {PARENT} ATTACH PARTITION {partition(run_id)} FOR VALUES IN ({int(run_id)})")


def drop(cur, run_ids: list[int]) -> None:
    """The runs' partitions dropped (their rows gone at once; the caller deletes the runs). A run written before
    the partitioning, or through the ORM, has its rows in the default partition: deleted there."""
    for run_id in run_ids:
        cur.execute(f"DROP TABLE IF EXISTS {partition(run_id)}")
    if run_ids:
        cur.execute(f"DELETE FROM {DEFAULT} WHERE run_id = ANY(%s)", [list(run_ids)])


def _numeric(fen: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Per-capita yuan to the cent, rounded half up (as `services._money`), as PostgreSQL's binary numeric with a
    fixed four base-10000 digits (three before the point, the cents after): PostgreSQL strips the zero digits."""
    cents = (2 * fen + size) // (2 * size)  # floor division: half up for negative values too
    mag = np.abs(cents)
    out = np.empty(len(cents), dtype=np.dtype(_NUMERIC))
    out["ndigits"], out["weight"], out["dscale"] = 4, 2, 2
    out["sign"] = np.where(cents < 0, 0x4000, 0)
    whole = mag // 100
    out["digits"] = np.stack([whole // 100_000_000, whole // 10_000 % 10_000, whole % 10_000, mag % 100 * 100], axis=1)
    return out


def _text(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Each value as its field: 4-byte big-endian length, then the UTF-8 bytes. Dictionary columns are encoded
    once per distinct value and taken by index."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        return pc.take(_text(values.dictionary), values.indices)
    raw = values.cast(pa.binary())
    lengths = np.asarray(pc.binary_length(raw).fill_null(0), dtype=">i4")
    prefix = pa.FixedSizeBinaryArray.from_buffers(pa.binary(4), len(raw), [None, pa.py_buffer(lengths.tobytes())])
    return pc.binary_join_element_wise(prefix.cast(pa.binary()), raw, pa.scalar(b"", pa.binary()))


def _rows(run_id: int, hh: pa.Table) -> memoryview:
    """One slice of rows in the binary COPY format (without header and trailer)."""
    n = hh.num_rows
    widths = {"run_id": ">i8", "household_id": ">i8", "size": ">i2", "mpi_score": ">f8",
              "pcni": _NUMERIC, "pcni_after_rigid": _NUMERIC, **{f: "u1" for f in FLAGS}}
    fields = [("count", ">i2")]
    for name in FIXED:
        fields += [(f"{name}_len", ">i4"), (name, widths[name])]
    fixed = np.empty(n, dtype=np.dtype(fields))  # packed: no padding between fields
    fixed["count"] = len(COLUMNS)
    for name in FIXED:
        fixed[f"{name}_len"] = np.dtype(widths[name]).itemsize
    size = hh.column("size").to_numpy()
    net = hh.column("net_fen").to_numpy()
    rigid = net - hh.column("medical_fen").to_numpy() - hh.column("education_fen").to_numpy()
    fixed["run_id"] = run_id
    fixed["household_id"] = hh.column("household_id").to_numpy()
    fixed["size"] = size
    fixed["pcni"] = _numeric(net, size)
    fixed["pcni_after_rigid"] = _numeric(rigid, size)
    fixed["mpi_score"] = hh.column("mpi_score").to_numpy()
    for name in FLAGS:
        fixed[name] = np.asarray(hh.column(name).to_numpy(zero_copy_only=False) != 0, dtype=np.uint8)
    head = pa.FixedSizeBinaryArray.from_buffers(pa.binary(fixed.itemsize), n, [None, pa.py_buffer(fixed.tobytes())])
    text = {"village_id": hh.column("village"), "status": hh.column("status"),
            "category": pc.fill_null(hh.column("category"), ""), "reasons": clip(hh.column("reasons")),
            "deprived": clip(hh.column("deprived"))}
    row = pc.binary_join_element_wise(head.cast(pa.binary()), *(_text(text[c]) for c in TEXT),
                                      pa.scalar(b"", pa.binary()))
    offsets = np.frombuffer(row.buffers()[1], dtype=np.int32, count=n + 1, offset=row.offset * 4)
    return memoryview(row.buffers()[2])[offsets[0]:offsets[-1]]


def clip(codes: pa.ChunkedArray, length: int = 400) -> pa.ChunkedArray:
    """Codes cut to the column's length (dictionary columns: on the few distinct values, not on every row)."""
    if pa.types.is_dictionary(codes.type):
        return pa.chunked_array(
            [pa.DictionaryArray.from_arrays(c.indices, pc.utf8_slice_codeunits(c.dictionary, 0, length))
             for c in codes.chunks], type=codes.type)
    return pc.utf8_slice_codeunits(codes, 0, length)


def chunks(run_id: int, hh: pa.Table) -> Iterator[bytes | memoryview]:
    """The whole COPY stream (header, rows, trailer), for tests and tools."""
    yield HEADER
    for start in range(0, hh.num_rows, 100_000):
        yield _rows(run_id, hh.slice(start, 100_000))
    yield TRAILER
