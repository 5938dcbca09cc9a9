"""OpenDocument spreadsheets (.ods): the same cheap look as `xlsxscan`, before calamine.

calamine expands an .ods into a dense grid (it refuses past 100 million cells, but a coded
column filled down to row 1,048,576 of a 24-column sheet costs it 1.6 GB). The content XML is
scanned row by row (repeated rows and columns counted, not expanded): a stray cell far away,
or a fill-down past the data, is refused with one message naming it, before calamine starts;
the same file saved as .xlsx is read trimmed. Hidden (collapsed or filtered) rows and merged
cells (`table:number-rows-spanned` / `number-columns-spanned`: a 户编号 merged down a family's rows)
are found here too, which calamine does not report; the importer fills a merge as for .xlsx.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from . import xlsxscan

_TABLE = re.compile(rb'<table:table\b[^>]*?table:name="([^"]*)"')
_ROW_EL = re.compile(rb"<table:table-row\b([^>]*?)(/>|>(.*?)</table:table-row>)", re.S)
_REPEAT_ROWS = re.compile(rb'table:number-rows-repeated="(\d+)"')
_COLLAPSED = re.compile(rb'table:visibility="(?:collapse|filter)"')
_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(?:/>|>(.*?)</table:(?:covered-)?table-cell>)", re.S)
_REPEAT_COLS = re.compile(rb'table:number-columns-repeated="(\d+)"')
_ROWS_SPANNED = re.compile(rb'table:number-rows-spanned="(\d+)"')
_COLS_SPANNED = re.compile(rb'table:number-columns-spanned="(\d+)"')

Merge = tuple[tuple[int, int], tuple[int, int]]  # ((row, col), (row, col)), 0-based, as calamine's for xlsx


@dataclass
class OdsSheet:
    hidden: set[int] = field(default_factory=set)  # spreadsheet row numbers
    merged: list[Merge] = field(default_factory=list)


def _spans(attrs: bytes) -> tuple[int, int]:
    rows = _ROWS_SPANNED.search(attrs) if b"spanned" in attrs else None
    cols = _COLS_SPANNED.search(attrs) if rows is not None or b"columns-spanned" in attrs else None
    return (int(rows[1]) if rows else 1), (int(cols[1]) if cols else 1)


def _is_ods(zf: zipfile.ZipFile) -> bool:
    try:
        return zf.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet"
    except KeyError:
        return False


def _cells(body: bytes, merged: list[tuple[int, int, int]] | None = None) -> tuple[int, int, list[int]]:
    """(values, last value column, value columns) of one row, repeats counted. A valued cell spanning
    more than one row or column is appended to `merged` as (column, rows, columns)."""
    col = 0
    cols: list[int] = []
    for m in _CELL.finditer(body):
        rep = _REPEAT_COLS.search(m[1])
        span = int(rep[1]) if rep else 1
        if b"value-type=" in m[1] or (m[2] and b"<text:p" in m[2]):
            cols.extend(range(col, col + min(span, xlsxscan.MAX_COL)))
            if merged is not None and b"-spanned=" in m[1]:
                rows_spanned, cols_spanned = _spans(m[1])
                if rows_spanned > 1 or cols_spanned > 1:
                    merged.append((col, rows_spanned, cols_spanned))
        col += span
    return len(cols), (cols[-1] if cols else -1), cols


def _tables(path: Path, min_cells: int):
    """(table name, scanner, OdsSheet: hidden rows and merges) for each table, streamed."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with zf:
        if not _is_ods(zf) or "content.xml" not in zf.namelist():
            return
        name, scanner, found, number = None, None, OdsSheet(), 0
        buf = b""
        with zf.open("content.xml") as fh:
            while True:
                data = fh.read(xlsxscan.CHUNK)
                buf += data
                if data:
                    # cut after the last complete row (rows never straddle a table's start)
                    k = buf.rfind(b"</table:table-row>")
                    if k < 0:
                        continue
                    cut = k + len(b"</table:table-row>")
                else:
                    cut = len(buf)
                piece, buf = buf[:cut], buf[cut:]
                pos = 0
                t = _TABLE.search(piece)
                while pos < len(piece):
                    if t is not None and t.start() < pos:
                        t = _TABLE.search(piece, pos)
                    r = _ROW_EL.search(piece, pos)
                    if t is not None and (r is None or t.start() < r.start()):
                        if scanner is not None:
                            yield name, scanner, found
                        name = xlsxscan.xml_unescape(t[1].decode())
                        scanner, found, number = xlsxscan._Scanner(min_cells), OdsSheet(), 0
                        pos = t.end()
                        continue
                    if r is None:
                        break
                    pos = r.end()
                    rep = _REPEAT_ROWS.search(r[1])
                    repeat = int(rep[1]) if rep else 1
                    first = number + 1
                    number += repeat
                    if _COLLAPSED.search(r[1]) and repeat < 100_000:
                        found.hidden.update(range(first, number + 1))
                    if scanner is None or not r[3] or b"value-type=" not in r[3]:
                        continue
                    spans: list[tuple[int, int, int]] = []
                    n, last, cols = _cells(r[3], spans)
                    for col, rows_spanned, cols_spanned in spans:  # on the first of repeated rows
                        found.merged.append(((first - 1, col), (first + rows_spanned - 2, col + cols_spanned - 1)))
                    if not n:
                        continue
                    for k in range(first, min(number, xlsxscan.MAX_ROW) + 1):
                        scanner.add(k, n, last, lambda cols=cols: cols)
                if not data:
                    break
        if scanner is not None:
            yield name, scanner, found


def scan(path: Path, *, min_cells: int = 1) -> dict[str, OdsSheet]:
    """Hidden rows and merged cells by sheet; refuses (FileError) an .ods whose grid would be huge,
    naming the stray cell or the fill-down."""
    from .readers import FileError

    total = 0
    sheets = {}
    for name, scanner, found in _tables(path, min_cells):
        sheets[name] = found
        scan = scanner.finish()
        total += scanner.width * scan.keep_rows
        for cut in scan.cuts:
            raise FileError(_("Sheet %(sheet)s holds values far from its table (rows %(first)s–%(last)s, first at "
                              "%(cell)s: a stray cell, or a column filled down past the data). Delete those "
                              "cells, or save the file as Excel (.xlsx), which Xiezuo reads without them.")
                            % {"sheet": name, "first": f"{cut.first_row:,}", "last": f"{cut.last_row:,}",
                               "cell": cut.first})
    if total > xlsxscan.MAX_CELLS:
        raise FileError(_("The workbook's tables span %(cells)s cells (rows × columns); Xiezuo reads at most "
                          "%(max)s at once: split it into smaller files.")
                        % {"cells": f"{total:,}", "max": f"{xlsxscan.MAX_CELLS:,}"})
    return sheets
