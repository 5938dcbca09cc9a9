"""Reading uploaded files into sheets of raw rows: xlsx/xls/ods (calamine), csv, Parquet.

The format is decided by the file's first bytes, not its name. Row numbers are kept as
the spreadsheet shows them. For xlsx the sheet XML is also scanned (without parsing it)
for hidden rows and for formulas that carry no computed value, which calamine cannot
report; an .ods's content for hidden rows and merged cells (`odf`), an .xls's records for
hidden rows (`xlsscan`).
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from . import odf, xlsscan, xlsxscan

MAX_BYTES = 200 * 1024 * 1024


class FileError(ValueError):
    """The file as a whole cannot be read; the message says why."""


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    first_row: int = 1  # spreadsheet number of rows[0]
    hidden: set[int] = field(default_factory=set)  # spreadsheet row numbers
    uncomputed: dict[int, set[int]] = field(default_factory=dict)  # row -> 0-based columns
    cuts: list[xlsxscan.Cut] = field(default_factory=list)  # cells left unread (stray, fill-downs)
    merged: list = field(default_factory=list)  # ((row, col), (row, col)) 0-based: xlsx, xls (calamine), ods
    hidden_sheet: bool = False  # a hidden sheet: not read


def sniff(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    return "text"


def read(path: str | Path, *, min_cells: int | None = None) -> list[Sheet]:
    """The file's sheets. `min_cells`: the fewest values a valid row holds (by default the smallest
    number of required columns among the registered specs); a long trailing run of thinner rows is
    not read (see `xlsxscan`)."""
    if min_cells is None:
        from . import specs

        min_cells = max(1, min((sum(1 for c in sp.columns if c.required) for sp in specs.all_specs()), default=1))
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise FileError(_("The file is empty."))
    if size > MAX_BYTES:
        raise FileError(_("The file is larger than %(mb)d MB; split it into smaller files.")
                        % {"mb": MAX_BYTES // 1024 // 1024})
    with path.open("rb") as fh:
        head = fh.read(8)
    kind = sniff(head)
    if kind in ("zip", "xls"):
        return _read_workbook(path, kind, min_cells)
    if kind == "parquet":
        return _read_parquet(path)
    return _read_csv(path)


def _not_spreadsheet() -> FileError:
    return FileError(_("This file is not a spreadsheet Xiezuo can read: save it as Excel (.xlsx), "
                       "CSV or Parquet and try again."))


def _read_workbook(path: Path, kind: str, min_cells: int = 1) -> list[Sheet]:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    scans: dict[str, xlsxscan.SheetScan] = {}
    trimmed = None
    if kind == "zip":
        try:
            scans, trimmed = xlsxscan.scan(path, min_cells=min_cells)
        except xlsxscan.ScanError as exc:
            raise FileError(str(exc)) from None
    ods: dict[str, odf.OdsSheet] = {}
    xls_hidden: dict[str, set[int]] = {}
    if kind == "zip" and not scans:
        ods = odf.scan(path, min_cells=min_cells)  # an OpenDocument spreadsheet
    elif kind == "xls":
        xls_hidden = xlsscan.hidden_rows(path)
    try:
        try:
            wb = CalamineWorkbook.from_path(str(trimmed or path))
        except Exception as exc:  # calamine raises its own error types for every bad container
            raise _not_spreadsheet() from exc
        sheets = []
        for meta in wb.sheets_metadata:
            name = meta.name
            if meta.visible != SheetVisibleEnum.Visible:
                # a hidden sheet (the template's code lists) is never data
                sheets.append(Sheet(name=name, rows=[], hidden_sheet=True))
                continue
            try:
                sheet = wb.get_sheet_by_name(name)
                # skip_empty_area=False pads the range from A1, so rows[0] is row 1.
                rows = sheet.to_python(skip_empty_area=False)
                merged = sheet.merged_cell_ranges
            except Exception as exc:
                raise _not_spreadsheet() from exc
            if not isinstance(rows, list) or (rows and not isinstance(rows[0], list)):
                rows = [list(r) for r in rows]  # calamine hands over fresh lists; copy anything else
            found = Sheet(name=name, rows=rows, first_row=1)
            if merged:
                found.merged = merged
            sheets.append(found)
        wb.close()
    finally:
        if trimmed is not None:
            shutil.rmtree(trimmed.parent, ignore_errors=True)
    for sheet in sheets:
        s = scans.get(sheet.name)
        if s is not None:
            sheet.hidden, sheet.uncomputed, sheet.cuts = s.hidden, s.uncomputed, s.cuts
        elif sheet.name in ods:
            sheet.hidden = ods[sheet.name].hidden
            sheet.merged = sheet.merged or ods[sheet.name].merged
        elif sheet.name in xls_hidden:
            sheet.hidden = xls_hidden[sheet.name]
    return sheets


def fill_merged(rows: list[list[Any]], ranges, below: int = 0) -> int:
    """A merged range's value applies to every cell it covers (a household number merged down
    its family's rows): copy it there, for ranges starting at row index `below` or later (the
    data, not the header's group headings). Ranges are clamped to the rows read."""
    n = 0
    height = len(rows)
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= height or r0 < below or c0 < 0:
            continue
        top = rows[r0]
        value = top[c0] if c0 < len(top) else None
        if value is None:
            continue
        for r in range(r0, min(r1, height - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if (r, c) != (r0, c0) and row[c] in (None, ""):
                    row[c] = value
        n += 1
    return n


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), then GB18030 (a superset of GBK), then a detector's guess."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise _not_spreadsheet()
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise _not_spreadsheet() from None


def _read_csv(path: Path) -> list[Sheet]:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise _not_spreadsheet()
    content = decode(data)
    if "\x00" in content:
        raise _not_spreadsheet()
    first = content.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    csv.field_size_limit(MAX_BYTES)
    try:
        rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise _not_spreadsheet() from exc
    if not any(any(c.strip() for c in r) for r in rows):
        raise FileError(_("The file is empty."))
    return [Sheet(name=path.stem, rows=[list(r) for r in rows])]


def _read_parquet(path: Path) -> list[Sheet]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow's ArrowInvalid and friends
        raise _not_spreadsheet() from exc
    columns = table.column_names
    data = [table.column(c).to_pylist() for c in columns]
    rows: list[list[Any]] = [list(columns)]
    rows.extend(list(r) for r in zip(*data, strict=True))
    return [Sheet(name=path.stem, rows=rows)]
