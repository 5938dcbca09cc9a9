"""A cheap, streaming look at an xlsx's sheet XML before calamine reads it.

calamine builds a dense grid from the top-left to the bottom-right cell holding a value: one
stray cell at XFD1048576 asks for 17 billion cells (the process aborts), and a coded column
dragged to row 1,048,576 gives a million rows of mostly empty cells. So each worksheet's XML is
first inflated in 1 MB pieces and scanned row by row (never cell by cell, except the few rows
that need it): the row numbers, how many cells hold a value, the last cell's column, hidden
rows and formulas without a computed value. From that scan:

- cells far to the right of the header rows' table are *right* cuts;
- rows more than `GAP_ROWS` empty rows below the rest are a *below* cut;
- a trailing run of rows too thin to be a row of any sheet (fewer values than the fewest
  required columns of a spec) spanning `TAIL_ROWS` rows or more is a *tail* cut (a fill-down
  past the data, or a stray cell at the bottom).

When anything is cut, calamine reads a trimmed copy of the workbook (the sheet XML copied
row by row without the cut rows and cells); the cuts are reported by the importer, once each.
Memory is bounded by the rows kept (a few bytes per row of the scan); time by the XML's size.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

CHUNK = 1 << 20
HEADER_ZONE = 8  # rows with values examined cell by cell for the table's width
GAP_COLS = 32  # a header cell more than this many empty columns right of the last is stray
MARGIN_COLS = 64  # columns kept right of the header table (unnamed columns are ignored anyway)
GAP_ROWS = 1000  # rows after this many empty rows are not part of the table
TAIL_ROWS = 1000  # a thin trailing run spanning this many rows is cut
MAX_CELLS = 25_000_000  # rows x columns calamine may build for one workbook (~2x a county's load)
MAX_UNZIPPED = 3 * 1024**3  # sheet XML, as the zip declares it (the reads stop there)
MAX_ROW = 1_048_576
MAX_COL = 16_384


class ScanError(ValueError):
    """The workbook is past a limit; the message says which and what to do."""


@dataclass
class Cut:
    """Cells left out of what calamine reads, reported once by the importer."""

    kind: str  # "right", "below" or "tail"
    first_row: int
    last_row: int
    rows: int  # rows holding a value
    cells: int  # cells holding a value
    columns: dict[int, int]  # 0-based column -> rows (tail, below: each row's last cell)
    first: str  # reference of the first cut cell, e.g. "XFD1048576"
    full_rows: int = 0  # rows with as many values as a valid row needs (possible data)


@dataclass
class SheetScan:
    hidden: set[int] = field(default_factory=set)
    uncomputed: dict[int, set[int]] = field(default_factory=dict)
    cuts: list[Cut] = field(default_factory=list)
    keep_rows: int = MAX_ROW  # last row number calamine may see
    keep_cols: int = MAX_COL  # columns calamine may see (0-based index < keep_cols)


_ROW_EL = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(/>|>(.*?)</(?:\w+:)?row>)", re.S)
_ROW_END = re.compile(rb"</(?:\w+:)?row>|<(?:\w+:)?row\b[^>]*/>")
_R = re.compile(rb'\br="(\d+)"')
_ROW_NUMBERED = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?(?:/>|>(.*?)</(?:\w+:)?row>)', re.S)
_ROW_UNNUMBERED = re.compile(rb'<row(?:>|\s(?![^>]*\br="))')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"[^>]*?\bhidden="(?:1|true)"|'
                         rb'<(?:\w+:)?row\b[^>]*?\bhidden="(?:1|true)"[^>]*?\br="(\d+)"')
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d*)"')
_VALUE = re.compile(rb"<(?:\w+:)?(?:v|is)>")
_FORMULA_CELL = re.compile(rb'<c\b[^>]*\br="([A-Z]+)(\d+)"[^>]*>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(<v>[^<]*</v>|<v/>)?')
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")


def col_index(letters: bytes | str) -> int:
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + (ch - 64)
    return n - 1


def col_letters(index: int) -> str:
    s = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        s = chr(65 + rem) + s
    return s


def _values(body: bytes) -> int:
    n = body.count(b"<v>") + body.count(b"<is>")
    if not n and (b":v>" in body or b":is>" in body):  # a prefixed namespace (<x:v>)
        n = len(_VALUE.findall(body))
    return n


_LETTERS: dict[bytes, int] = {}


def _last_col(body: bytes) -> int:
    """The column of a row's last cell: the last ` r="` in the row's body is that cell's reference."""
    i = body.rfind(b' r="')
    if i < 0:
        return -1
    j = body.find(b'"', i + 4)
    letters = body[i + 4:j].rstrip(b"0123456789")
    col = _LETTERS.get(letters)
    if col is None:
        col = _LETTERS[letters] = col_index(letters) if letters.isalpha() and len(letters) <= 3 else -1
    return col


def _value_cells(body: bytes) -> list[int]:
    out = []
    col = -1
    for m in _CELL.finditer(body):
        ref = _REF.search(m[1])
        col = col_index(ref[1]) if ref else col + 1
        if m[2] and _VALUE.search(m[2]):
            out.append(col)
    return out


def _pieces(zf: zipfile.ZipFile, member: str):
    """The inflated XML, 1 MB at a time, each piece ending after a complete row."""
    buf = b""
    with zf.open(member) as fh:
        while True:
            data = fh.read(CHUNK)
            if not data:
                break
            buf += data
            k = buf.rfind(b"row>")  # </row> or </x:row>
            if k < 1 or buf[k - 1:k] not in (b"/", b":"):
                continue
            yield buf[:k + 4]
            buf = buf[k + 4:]
    yield buf


class _Scanner:
    def __init__(self, min_cells: int):
        self.min_cells = max(1, min_cells)
        self.numbers = array("l")
        self.counts = array("l")
        self.last_cols = array("l")
        self.header: list[tuple[int, list[int]]] = []  # (row, value columns) of the first rows
        self.keep_cols: int | None = None
        self.right: list[tuple[int, int, int]] = []  # (row, column, values) right of the table
        self.scan = SheetScan()
        self.prev = 0
        self.width = 0

    def add(self, number: int, n: int, last: int, value_cols) -> None:
        """One row holding `n` values, the last in column `last`; `value_cols()` lists them."""
        if self.keep_cols is None:
            self.header.append((number, value_cols()))
            self.numbers.append(number)
            self.counts.append(n)
            self.last_cols.append(last)
            if len(self.header) >= HEADER_ZONE:
                self._settle_width()
            return
        if last >= self.keep_cols:
            n = self._cut_right(number, value_cols(), n)
            last = min(last, self.keep_cols - 1)
            if not n:
                return
        self.numbers.append(number)
        self.counts.append(n)
        self.last_cols.append(last)

    def feed(self, piece: bytes) -> None:
        # hidden rows and formulas are rare: found by their own regex over the piece
        if b'hidden="' in piece:
            for m in _HIDDEN_ROW.finditer(piece):
                self.scan.hidden.add(int(m[1] or m[2]))
        if b"<f" in piece:
            for f in _FORMULA_CELL.finditer(piece):
                if not f[3] or f[3] in (b"<v/>", b"<v></v>"):
                    self.scan.uncomputed.setdefault(int(f[2]), set()).add(col_index(f[1]))
        # the one loop over every row: kept tight (a million rows of a fill-down pass through it)
        numbers, counts, lasts = self.numbers.append, self.counts.append, self.last_cols.append
        if _ROW_UNNUMBERED.search(piece):  # rows without r="" follow the previous row
            rows = []
            for m in _ROW_EL.finditer(piece):
                r = _R.search(m[1])
                self.prev = int(r[1]) if r else self.prev + 1
                rows.append((self.prev, m[3]))
        else:
            rows = _ROW_NUMBERED.findall(piece)
            if rows:
                self.prev = int(rows[-1][0])
        for number, body in rows:
            if not body:
                continue
            n = body.count(b"<v>") + body.count(b"<is>")
            if not n:
                if b":v>" not in body and b":is>" not in body:
                    continue
                n = len(_VALUE.findall(body))
                if not n:
                    continue
            last = _last_col(body)
            keep = self.keep_cols
            if keep is not None and last < keep:
                numbers(int(number))
                counts(n)
                lasts(last)
            else:
                self.add(int(number), n, last, lambda body=body: _value_cells(body))
                numbers, counts, lasts = self.numbers.append, self.counts.append, self.last_cols.append

    def _settle_width(self) -> None:
        """The header table's width: the first run of value columns in the first rows, stopping at
        a gap of more than GAP_COLS empty columns; cells further right are reported and cut."""
        cols = sorted({c for _r, cs in self.header for c in cs})
        end = cols[0] if cols else 0
        for c in cols:
            if c - end > GAP_COLS:
                break
            end = c
        self.keep_cols = min(end + 1 + MARGIN_COLS, MAX_COL)
        kept = []
        for i, (number, cs) in enumerate(self.header):  # the rows so far are exactly these
            n = self._cut_right(number, cs, self.counts[i])
            if n:
                kept.append((number, n, min(self.last_cols[i], self.keep_cols - 1)))
        self.numbers, self.counts, self.last_cols = (array("l", (k[j] for k in kept)) for j in range(3))
        self.header = []

    def _cut_right(self, number: int, value_cols: list[int], n: int) -> int:
        beyond = [c for c in value_cols if c >= (self.keep_cols or MAX_COL)]
        for c in beyond:
            self.right.append((number, c, 1))
        return n - len(beyond)

    def finish(self) -> SheetScan:
        if self.keep_cols is None:  # fewer than HEADER_ZONE rows hold values
            self._settle_width()
        scan = self.scan
        scan.keep_cols = self.keep_cols or MAX_COL
        if self.right:
            rows = [r for r, _c, _n in self.right]
            first = min(self.right)
            scan.cuts.append(Cut("right", min(rows), max(rows), len(set(rows)), len(self.right),
                                 dict(Counter(c for _r, c, _n in self.right)), f"{col_letters(first[1])}{first[0]}"))
        numbers, counts, lasts = self.numbers, self.counts, self.last_cols
        end = len(numbers)
        below = None
        # a gap of more than GAP_ROWS empty rows: what follows is not the table
        for i in range(1, end):
            if numbers[i] - numbers[i - 1] > GAP_ROWS:
                below = self._cut("below", i, end)
                end = i
                break
        # a thin trailing run (fewer values than any valid row) spanning TAIL_ROWS rows or more
        start = end
        while start > 0 and counts[start - 1] < self.min_cells:
            start -= 1
        if start < end and numbers[end - 1] - (numbers[start - 1] if start else 0) >= TAIL_ROWS:
            scan.cuts.append(self._cut("tail", start, end))
            end = start
        if below is not None:
            scan.cuts.append(below)
        scan.keep_rows = numbers[end - 1] if end else 0
        self.width = (max(lasts[:end]) + 1) if end else 0
        return scan

    def _cut(self, kind: str, start: int, end: int) -> Cut:
        numbers, counts, lasts = self.numbers, self.counts, self.last_cols
        cols = Counter(lasts[start:end])
        cells = sum(counts[start:end])
        full = sum(1 for n in counts[start:end] if n >= self.min_cells)
        return Cut(kind, numbers[start], numbers[end - 1], end - start, cells, dict(cols),
                   f"{col_letters(lasts[start])}{numbers[start]}", full)


def _sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> zip member, from the workbook and its relationships."""
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        return {}
    wb = zf.read("xl/workbook.xml")
    rels = zf.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {}
    for tag in re.findall(rb"<Relationship\b[^>]*>", rels):
        rid = re.search(rb'\bId="([^"]+)"', tag)
        target = re.search(rb'\bTarget="([^"]+)"', tag)
        if rid and target:
            targets[rid[1]] = target[1].decode()
    out = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*/?>", wb):
        name_m = re.search(rb'\bname="([^"]*)"', tag)
        rid_m = re.search(rb'\br:id="([^"]*)"', tag) or re.search(rb'\b\w+:id="([^"]*)"', tag)
        if not name_m or not rid_m or rid_m[1] not in targets:
            continue
        target = targets[rid_m[1]]
        member = target.lstrip("/") if target.startswith("/") else "xl/" + target
        if member in names:
            out[xml_unescape(name_m[1].decode())] = member
    return out


def xml_unescape(s: str) -> str:
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")


def scan(path: Path, *, min_cells: int = 1) -> tuple[dict[str, SheetScan], Path | None]:
    """Scan every worksheet; returns the scans by sheet name and, when something was cut, the
    path of a trimmed copy for calamine to read (the caller deletes it). Raises ScanError past
    a limit; returns ({}, None) for a zip that is not a workbook (calamine says why)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return {}, None
    with zf:
        try:
            members = _sheet_members(zf)
        except (KeyError, zipfile.BadZipFile, OSError, RuntimeError):
            return {}, None
        infos = {i.filename: i for i in zf.infolist()}
        if sum(infos[m].file_size for m in members.values() if m in infos) > MAX_UNZIPPED:
            raise ScanError(_("The workbook's sheets unpack to more than %(gb)d GB; split it into smaller files.")
                            % {"gb": MAX_UNZIPPED // 1024**3})
        scans: dict[str, SheetScan] = {}
        cells = 0
        try:
            for name, member in members.items():
                scanner = _Scanner(min_cells)
                for piece in _pieces(zf, member):
                    scanner.feed(piece)
                scans[name] = scanner.finish()
                cells += scanner.width * scans[name].keep_rows
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):
            return {}, None  # a damaged member: calamine reports the file as unreadable
        if cells > MAX_CELLS:
            raise ScanError(_("The workbook's tables span %(cells)s cells (rows × columns); Xiezuo reads at most "
                              "%(max)s at once: split it into smaller files.")
                            % {"cells": f"{cells:,}", "max": f"{MAX_CELLS:,}"})
        trim = {members[n]: s for n, s in scans.items() if s.cuts}
        if not trim:
            return scans, None
        tmp = Path(tempfile.mkdtemp(prefix="xz-trim-")) / "trimmed.xlsx"
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
                for info in zf.infolist():
                    if info.filename in trim:
                        with out.open(info.filename, "w", force_zip64=True) as dst:
                            _rewrite(zf, info.filename, trim[info.filename], dst)
                    else:
                        with zf.open(info) as src, out.open(info.filename, "w", force_zip64=True) as dst:
                            shutil.copyfileobj(src, dst, CHUNK)
        except BaseException:
            shutil.rmtree(tmp.parent, ignore_errors=True)
            raise
        return scans, tmp


_SHEETDATA_END = re.compile(rb"</(?:\w+:)?sheetData>")


def _rewrite(zf: zipfile.ZipFile, member: str, s: SheetScan, dst) -> None:
    """Copy the sheet XML without the cut rows and the cells right of the kept columns."""
    first = True
    prev = 0
    past = False  # every row from here on is cut: copy only what follows the rows
    for piece in _pieces(zf, member):
        if first:
            piece = _DIMENSION.sub(b"", piece, count=1)  # optional; calamine then uses the cells
            first = False
        if past:
            end = _SHEETDATA_END.search(piece)
            if end is not None:
                dst.write(piece[end.start():])
                past = False
            continue
        out = []
        pos = 0
        for m in _ROW_EL.finditer(piece):
            out.append(piece[pos:m.start()])
            pos = m.end()
            r = _R.search(m[1])
            number = int(r[1]) if r else prev + 1
            prev = number
            if number > s.keep_rows:
                end = _SHEETDATA_END.search(piece, pos)
                if end is None:
                    past = True
                    pos = len(piece)
                else:
                    pos = end.start()
                break
            body = m[3]
            if body and _last_col(body) >= s.keep_cols:
                kept = []
                col = -1
                for c in _CELL.finditer(body):
                    ref = _REF.search(c[1])
                    col = col_index(ref[1]) if ref else col + 1
                    if col < s.keep_cols:
                        kept.append(c[0])
                out.append(piece[m.start():m.start(2)] + b">" + b"".join(kept) + piece[m.end(3):m.end()])
            else:
                out.append(m[0])
        out.append(piece[pos:])
        dst.write(b"".join(out))
