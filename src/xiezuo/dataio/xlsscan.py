"""Hidden rows of a legacy .xls (BIFF8) workbook, which calamine does not report.

An .xls is an OLE2 compound file (read with `olefile`) whose `Workbook` stream is a sequence of BIFF
records: `BOUNDSHEET` (0x0085) gives each sheet's name and the stream offset of its substream, and in
each substream a `ROW` record (0x0208) carries the row's flags, of which `fDyZero` (0x20) means the
row is hidden (by hand, grouped and collapsed, or filtered out). Only the record headers are walked;
an .xls is bounded by its format (65,536 rows), so this costs milliseconds. Anything unexpected (an
encrypted or BIFF5 workbook, a damaged stream) gives no hidden rows rather than an error: calamine
decides whether the file can be read at all.
"""

from __future__ import annotations

import struct
from pathlib import Path

BOF, EOF, BOUNDSHEET, ROW, FILEPASS = 0x0809, 0x000A, 0x0085, 0x0208, 0x002F
BIFF8 = 0x0600
ROW_HIDDEN = 0x20  # fDyZero: the row's height is zero


def _records(data: bytes, pos: int):
    """(type, body start, body length) from `pos` to the end of the substream (EOF) or of the data."""
    end = len(data)
    while pos + 4 <= end:
        kind, length = struct.unpack_from("<HH", data, pos)
        yield kind, pos + 4, length
        if kind == EOF:
            return
        pos += 4 + length


def _sheet_name(data: bytes, start: int, length: int) -> str:
    # BOUNDSHEET8: lbPlyPos (4), hsState (1), dt (1), ShortXLUnicodeString: cch (1), fHighByte (1), chars
    cch, high = data[start + 6], data[start + 7] & 1
    raw = data[start + 8:start + length]
    return raw[:2 * cch].decode("utf-16-le") if high else raw[:cch].decode("latin-1")


def hidden_rows(path: str | Path) -> dict[str, set[int]]:
    """Spreadsheet row numbers (1-based) of hidden rows, by sheet name."""
    import olefile

    try:
        if not olefile.isOleFile(str(path)):
            return {}
        with olefile.OleFileIO(str(path)) as ole:
            stream = next((s for s in ("Workbook", "Book") if ole.exists(s)), None)
            if stream is None:
                return {}
            data = ole.openstream(stream).read()
    except (OSError, ValueError, struct.error):  # olefile's errors for a damaged container
        return {}
    try:
        sheets: list[tuple[str, int]] = []
        for kind, start, length in _records(data, 0):
            if kind == BOF and struct.unpack_from("<H", data, start)[0] != BIFF8:
                return {}  # BIFF5 and older: other record layouts
            if kind == FILEPASS:
                return {}  # encrypted: the records are not readable
            if kind == BOUNDSHEET:
                offset = struct.unpack_from("<I", data, start)[0]
                sheets.append((_sheet_name(data, start, length), offset))
        found: dict[str, set[int]] = {}
        for name, offset in sheets:
            hidden: set[int] = set()
            for kind, start, length in _records(data, offset):
                if kind == ROW and length >= 16 and data[start + 12] & ROW_HIDDEN:
                    hidden.add(struct.unpack_from("<H", data, start)[0] + 1)
            found[name] = hidden
        return found
    except (struct.error, IndexError, UnicodeDecodeError):
        return {}
