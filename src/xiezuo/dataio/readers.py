"""Reading uploaded files into sheets of raw rows: xlsx/xls/ods (calamine), csv, Parquet.

The format is decided by the file's first bytes, not its name. Row numbers are kept as
the spreadsheet shows them. For xlsx the sheet XML is also scanned (without parsing it)
for hidden rows and for formulas that carry no computed value, which calamine cannot
report.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

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


def sniff(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    return "text"


def read(path: str | Path) -> list[Sheet]:
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
        return _read_workbook(path, kind)
    if kind == "parquet":
        return _read_parquet(path)
    return _read_csv(path)


def _not_spreadsheet() -> FileError:
    return FileError(_("This file is not a spreadsheet Xiezuo can read: save it as Excel (.xlsx), "
                       "CSV or Parquet and try again."))


def _read_workbook(path: Path, kind: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every bad container
        raise _not_spreadsheet() from exc
    # The flag scan is mostly zlib inflating the sheet XML, which releases the GIL: run it in a
    # thread beside calamine's parse instead of after it.
    with ThreadPoolExecutor(1) as pool:
        flags_future = pool.submit(_xlsx_flags, path) if kind == "zip" else None
        sheets = []
        for name in wb.sheet_names:
            try:
                sheet = wb.get_sheet_by_name(name)
                # skip_empty_area=False pads the range from A1, so rows[0] is row 1.
                rows = sheet.to_python(skip_empty_area=False)
            except Exception as exc:
                raise _not_spreadsheet() from exc
            if not isinstance(rows, list) or (rows and not isinstance(rows[0], list)):
                rows = [list(r) for r in rows]  # calamine hands over fresh lists; copy anything else
            sheets.append(Sheet(name=name, rows=rows, first_row=1))
        flags = flags_future.result() if flags_future is not None else {}
    for sheet in sheets:
        sheet.hidden, sheet.uncomputed = flags.get(sheet.name, (set(), {}))
    return sheets


_ROW = re.compile(rb"<row\b([^>]*)>")
_ROW_R = re.compile(rb'\br="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_FORMULA_CELL = re.compile(rb'<c\b[^>]*\br="([A-Z]+)(\d+)"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(<v>[^<]*</v>|<v/>)?')


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _xlsx_flags(path: Path) -> dict[str, tuple[set[int], dict[int, set[int]]]]:
    """Per sheet: hidden row numbers, and cells holding a formula without a computed value."""
    out: dict[str, tuple[set[int], dict[int, set[int]]]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "xl/workbook.xml" not in names:
                return out
            wb = zf.read("xl/workbook.xml")
            rels = zf.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
            targets = {m[0]: m[1] for m in re.findall(rb'<Relationship\b[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
            targets.update({m[1]: m[0] for m in re.findall(rb'<Relationship\b[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
            for tag in re.findall(rb"<sheet\b[^>]*/?>", wb):
                name_m = re.search(rb'\bname="([^"]*)"', tag)
                rid_m = re.search(rb'\br:id="([^"]*)"', tag) or re.search(rb'\bid="([^"]*)"', tag)
                if not name_m or not rid_m or rid_m[1] not in targets:
                    continue
                target = targets[rid_m[1]].decode()
                member = target.lstrip("/") if target.startswith("/") else "xl/" + target
                if member not in names:
                    continue
                data = zf.read(member)
                hidden: set[int] = set()
                if b'hidden="1"' in data or b'hidden="true"' in data:
                    for m in _ROW.finditer(data):
                        attrs = m[1]
                        if _HIDDEN.search(attrs):
                            r = _ROW_R.search(attrs)
                            if r:
                                hidden.add(int(r[1]))
                uncomputed: dict[int, set[int]] = {}
                if b"<f" in data:
                    for m in _FORMULA_CELL.finditer(data):
                        if not m[3] or m[3] == b"<v/>" or m[3] == b"<v></v>":
                            uncomputed.setdefault(int(m[2]), set()).add(_col_index(m[1]))
                sheet_name = _xml_unescape(name_m[1].decode())
                out[sheet_name] = (hidden, uncomputed)
    except (zipfile.BadZipFile, KeyError, OSError):
        return out
    return out


def _xml_unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


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
