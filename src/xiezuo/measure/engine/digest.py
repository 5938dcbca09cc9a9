"""The content digest of a run's inputs: one SHA-256 whatever the row order, the batches or the writer.

    parts = partition_digests(tables)    # {"members": {"<county code>": "9f…", "__HIVE_DEFAULT_PARTITION__": "…"}, …}
    combine(parts)                       # the run's input hash (`run.input_hash`)

The tables are cut into the partitions a snapshot keeps them in (`measure.snapshot`): households by their
village's county (its first six digits), years and members by their household's county (rows whose household is
not among the households: `NO_COUNTY`), every other table (populations, the unit facts) whole. Each part is
hashed on its own (`table_digest`: rows sorted by every column, then each column's values as canonical bytes),
and the parts' digests are combined in (table, county) order. So a snapshot writer can hash each county's file
when it closes it, in bounded memory, and a run holding the tables in memory gets the same digest: the same rows
give the same digest however they were read, batched or ordered, and a snapshot's manifest can record it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

PARTITIONED = ("households", "years", "members")
NO_COUNTY = "__HIVE_DEFAULT_PARTITION__"  # hive's name for a NULL key: rows of a household not among the inputs
COUNTY_DIGITS = 6


def _strings(chunk: pa.Array, values, lengths) -> None:
    chunk = pc.fill_null(chunk, "")
    lengths.update(pc.binary_length(chunk).cast(pa.int64()).to_numpy().astype("<i8").tobytes())
    _validity, offsets, data = chunk.buffers()
    if data is None or not len(chunk):
        return
    ends = np.frombuffer(offsets, dtype="<i4", count=len(chunk) + 1, offset=chunk.offset * 4)
    values.update(memoryview(data)[int(ends[0]):int(ends[-1])])


def _column_digest(column: pa.ChunkedArray) -> bytes:
    """SHA-256 of a column's validity, lengths and values, fed chunk by chunk (so chunking does not matter):
    integers and booleans as little-endian int64 (a null as 0, told apart by the validity), strings as their
    UTF-8 bytes with their lengths, decimals as their text at the column's scale."""
    validity, values, lengths = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()
    for chunk in column.chunks:
        validity.update(pc.is_valid(chunk).to_numpy(zero_copy_only=False).astype(np.uint8).tobytes())
        if pa.types.is_decimal(chunk.type):
            chunk = chunk.cast(pa.string())
        if pa.types.is_string(chunk.type):
            _strings(chunk, values, lengths)
        else:
            ints = pc.fill_null(chunk.cast(pa.int64()), 0)
            values.update(ints.to_numpy(zero_copy_only=False).astype("<i8").tobytes())
    return validity.digest() + lengths.digest() + values.digest()


def table_digest(name: str, table: pa.Table, *, ordered: bool = False) -> str:
    """SHA-256 of one part's rows in canonical order (sorted by every column, nulls last; `ordered`: already so),
    with the table's name and its columns' names and types."""
    if not ordered and table.num_rows:
        table = table.sort_by([(c, "ascending") for c in table.column_names])
    digest = hashlib.sha256(f"{name}\n".encode())
    for field in table.schema:
        digest.update(f"{field.name}:{field.type}\n".encode())
        digest.update(_column_digest(table.column(field.name)))
    return digest.hexdigest()


def partition_digests(tables: dict[str, pa.Table]) -> dict[str, dict[str, str]]:
    """Each table's parts and their digests: {table: {county: digest}} ({table: {"": digest}} for a table kept
    whole). The tables have their schemas already (`run.conform`); a partitioned table without rows has no part."""
    out: dict[str, dict[str, str]] = {}
    hh = tables.get("households")
    if hh is not None:
        county = pc.utf8_slice_codeunits(hh.column("village"), 0, COUNTY_DIGITS)
        counties = pc.unique(county).sort()
        ids = hh.column("id").combine_chunks()
        codes = pc.index_in(county, value_set=counties).combine_chunks()
        labels = counties.to_pylist() + [NO_COUNTY]
    for name, table in tables.items():
        if name not in PARTITIONED:
            out[name] = {"": table_digest(name, table)}
            continue
        out[name] = {}
        if not table.num_rows:
            continue
        if hh is None:
            raise ValueError(f"{name} is cut by its households' counties: the households are needed")
        code = codes if name == "households" else pc.take(codes, pc.index_in(table.column("household_id"),
                                                                            value_set=ids))
        keyed = table.append_column("__county", pc.fill_null(code, len(labels) - 1))
        keyed = keyed.sort_by([("__county", "ascending"), *[(c, "ascending") for c in table.column_names]])
        runs = pc.run_end_encode(keyed.column("__county").combine_chunks())
        start = 0
        for end, code_ in zip(runs.run_ends.to_pylist(), runs.values.to_pylist(), strict=True):
            part = keyed.slice(start, end - start).drop_columns(["__county"])
            out[name][labels[code_]] = table_digest(name, part, ordered=True)
            start = end
    return out


def combine(parts: dict[str, dict[str, str]]) -> str:
    """The digest of all parts: SHA-256 of one line "table/county=digest" per part, in (table, county) order."""
    digest = hashlib.sha256()
    for name in sorted(parts):
        for county in sorted(parts[name]):
            digest.update(f"{name}/{county}={parts[name][county]}\n".encode())
    return digest.hexdigest()
