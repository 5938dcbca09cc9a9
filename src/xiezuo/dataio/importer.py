"""Import a file: read, find the header, clean every cell, plan against the database, commit.

    result = run_import(path, user=user, dry_run=True)       # preview: counts, diffs, problems
    result = run_import(path, user=user, dry_run=False)      # commit, all or nothing
    result = run_import(path, user=user, dry_run=False, valid_only=True)  # valid rows alone

Every problem is a `Problem` with the sheet, the row as the spreadsheet numbers it, the
column header as the user sees it, the value and a message (in the language active while
the import runs). The commit happens in one transaction; audit rows carry the job id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from xiezuo.accounts.access import scope_prefixes
from xiezuo.accounts.context import acting
from xiezuo.registry import summary as registry_summary

from . import cells, readers, specs, writers
from .specs import Column, ImportRow, TabularSpec
from .xlsxscan import col_letters

HEADER_SCAN = 6


class Cancelled(Exception):
    """Raised from the progress callback when the user cancelled the job."""


@dataclass
class Problem:
    sheet: str
    row: int
    column: str
    value: str
    message: str
    level: str = "error"  # "error" stops the commit, "warning" does not

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportResult:
    rows: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    error_rows: int = 0
    committed: bool = False
    dry_run: bool = True
    valid_only: bool = False
    problems: list[Problem] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    sheets: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level != "error"]

    @property
    def blocked(self) -> bool:
        """Errors stop the commit unless the valid rows alone were chosen."""
        return bool(self.errors) and not (self.valid_only and self.new + self.changed + self.unchanged > 0
                                          and not self.file_error)

    @property
    def file_error(self) -> bool:
        return any(p.row == 0 for p in self.errors)

    def as_json(self, *, max_changes: int = 200, max_problems: int | None = None) -> dict[str, Any]:
        """`max_problems`: errors and warnings listed at most (a job's result: the page shows the first
        ones and the report the rest); `error_count` / `warning_count` say how many there are."""
        errors, warnings = self.errors, self.warnings
        return {
            "rows": self.rows, "new": self.new, "changed": self.changed, "unchanged": self.unchanged,
            "error_rows": self.error_rows, "committed": self.committed, "dry_run": self.dry_run,
            "error_count": len(errors), "warning_count": len(warnings),
            "errors": [{k: v for k, v in p.as_dict().items() if k != "level"} for p in errors[:max_problems]],
            "warnings": [{k: v for k, v in p.as_dict().items() if k != "level"} for p in warnings[:max_problems]],
            "changes": self.changes[:max_changes],
            "sheets": self.sheets,
        }


class Context:
    """State shared by the sheets of one import: user, scope, problems, rows by entity."""

    def __init__(self, *, user, progress: Callable[[float, str], None] | None, job_id: str):
        self.user = user
        self.job_id = job_id
        self.problems: list[Problem] = []
        self.rows_by_entity: dict[str, list[ImportRow]] = {}
        self.headers: dict[tuple[str, str], str] = {}  # (sheet, column name) -> header as seen
        self._progress = progress
        self._last = 0.0
        self.change_prefixes = scope_prefixes(user, "change", personal_data=True) if user is not None else None
        self.masked = specs.masked_headers()

    def errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)

    def in_scope(self, code: str) -> bool:
        if self.change_prefixes is None:
            return True
        return any(code.startswith(p) for p in self.change_prefixes)

    def header(self, row: ImportRow | None, column: Column | str) -> str:
        if isinstance(column, Column):
            return self.headers.get((row.sheet if row else "", column.name), column.zh)
        return column

    def error(self, row: ImportRow | None, column: Column | str, value: Any, message: str,
              level: str = "error") -> None:
        header = self.header(row, column)
        mask = column.mask if isinstance(column, Column) else self.masked.get(specs.normalise_header(header), "")
        self.problems.append(Problem(  # kept in the job's result and the report: identity numbers etc. masked
            sheet=row.sheet if row else "", row=row.number if row else 0, column=header,
            value=_short(specs.mask_value(mask, cells.text(value) if value is not None else "")), message=message,
            level=level,
        ))
        if row is not None and level == "error":
            row.errors += 1
            row.action = "error"

    def progress(self, fraction: float, message: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        if self._progress and (force or now - self._last > 0.3):
            self._last = now
            self._progress(min(max(fraction, 0.0), 1.0), message)


def _short(value: Any) -> str:
    s = "" if value is None else cells.text(value)
    return s if len(s) <= 60 else s[:57] + "…"


# -- header detection --------------------------------------------------------------------

def _combined(top: list[Any], bottom: list[Any], index: dict[str, Column]) -> list[str]:
    """A two-row header (a merged group heading over sub-headings) as one row of headers."""
    out = []
    group = ""
    for i in range(max(len(top), len(bottom))):
        t = cells.text(top[i]) if i < len(top) and not cells.is_blank(top[i]) else ""
        b = cells.text(bottom[i]) if i < len(bottom) and not cells.is_blank(bottom[i]) else ""
        if t:
            group = t
        candidates = [b, group + b, t] if b else [t]
        chosen = next((c for c in candidates if specs.normalise_header(c) in index), candidates[0])
        out.append(chosen)
    return out


def find_header(sheet: readers.Sheet, spec: TabularSpec | None):
    """(spec, matched columns {index: Column}, headers as seen, number of header rows, header row index)."""
    best = (0, None, {}, [], 0, 0)
    candidates = [spec] if spec else specs.all_specs()
    for r in range(min(HEADER_SCAN, len(sheet.rows))):
        for sp in candidates:
            index = sp.header_index()
            options = [(sheet.rows[r], 1)]
            if r + 1 < len(sheet.rows):
                options.append((_combined(sheet.rows[r], sheet.rows[r + 1], index), 2))
            for headers, height in options:
                matched = sp.match_headers(headers)
                missing = sp.required_missing(matched.values())
                score = len(matched) * 10 - len(missing) * 5 - height
                if len(matched) >= 2 and score > best[0]:
                    best = (score, sp, matched, [cells.text(h) if not cells.is_blank(h) else "" for h in headers],
                            height, r)
    return best[1:]


# -- cells not read -----------------------------------------------------------------------

def _report_cuts(ctx: Context, sheet: readers.Sheet, matched: dict[int, Column], headers: list[str]) -> None:
    """One problem per part of the sheet the reader left out (see `xlsxscan`)."""
    def named(columns: dict[int, int]) -> str:
        top = sorted(columns, key=lambda c: -columns[c])[:5]
        return "、".join(headers[c] if c < len(headers) and headers[c] else col_letters(c) for c in sorted(top))

    for cut in sheet.cuts:
        values = {"first": f"{cut.first_row:,}", "last": f"{cut.last_row:,}", "cell": cut.first,
                  "rows": f"{cut.rows:,}", "cells": f"{cut.cells:,}", "columns": named(cut.columns)}
        column = ""
        if len(cut.columns) == 1 and cut.kind != "below":  # (below: each row's last column only)
            (c,) = cut.columns
            column = headers[c] if c < len(headers) and headers[c] else col_letters(c)
        if cut.kind == "right":
            message = _("%(cells)s cell(s) far to the right of the table (the first at %(cell)s) were not read: "
                        "stray cells? Delete them.") % values
            level = "warning"
        elif cut.cells <= 3 and not cut.full_rows:
            message = _("A stray cell far below the data (%(cell)s) was not read; delete it.") % values
            level = "warning"
        elif cut.kind == "tail":
            message = _("Rows %(first)s–%(last)s below the data hold only %(columns)s (%(rows)s rows, a "
                        "fill-down past the data?): they were not read. Delete those rows.") % values
            level = "warning"
        else:
            message = _("Rows %(first)s–%(last)s (%(rows)s rows, %(cells)s cells) lie more than 1,000 empty rows "
                        "below the table and were not read: move them up, or delete them.") % values
            level = "error" if cut.full_rows else "warning"
        ctx.problems.append(Problem(sheet.name, cut.first_row, column, "", message, level))


# -- the run -----------------------------------------------------------------------------

def run_import(path: str | Path, *, user=None, entity: str | None = None, dry_run: bool = True,
               valid_only: bool = False, lang: str = "zh", progress: Callable[[float, str], None] | None = None,
               job_id: str = "") -> ImportResult:
    with translation.override("en" if lang == "en" else "zh-hans"):
        return _run(Path(path), user=user, entity=entity, dry_run=dry_run, valid_only=valid_only,
                    progress=progress, job_id=job_id)


def _run(path, *, user, entity, dry_run, valid_only, progress, job_id) -> ImportResult:
    result = ImportResult(dry_run=dry_run, valid_only=valid_only)
    ctx = Context(user=user, progress=progress, job_id=job_id)
    spec = specs.get(entity) if entity else None
    ctx.progress(0.01, _("Reading the file"), force=True)
    candidates = [spec] if spec else specs.all_specs()
    # a row of any sheet holds at least its required columns: thinner trailing runs are not data
    min_cells = min((sum(1 for c in sp.columns if c.required) for sp in candidates), default=1)
    try:
        sheets = readers.read(path, min_cells=max(min_cells, 1))
    except readers.FileError as exc:
        ctx.error(None, "", path.name, str(exc))
        result.problems = ctx.problems
        return result

    plan: list[tuple[TabularSpec, readers.Sheet, list[ImportRow]]] = []
    total_rows = sum(len(s.rows) for s in sheets) or 1
    done_rows = 0
    any_data = False
    order = {s.name: k for k, s in enumerate(sheets)}
    for sheet in sheets:
        if sheet.hidden_sheet:
            if sheet.name not in (writers.CODES_SHEET, writers.CODES_SHEET_EN):
                ctx.error(None, "", sheet.name, _("Sheet %(sheet)s is hidden and was not read: unhide it to import "
                                                  "it.") % {"sheet": sheet.name}, level="warning")
            continue
        if not any(not cells.is_blank(v) for r in sheet.rows[:HEADER_SCAN + 2] for v in r):
            continue
        any_data = True
        sp, matched, headers, height, at = find_header(sheet, spec)
        if sp is None:
            continue
        missing = sp.required_missing(matched.values())
        for i, col in matched.items():
            ctx.headers[(sheet.name, col.name)] = headers[i] or col.zh
        _report_cuts(ctx, sheet, matched, headers)
        if missing:
            ctx.error(None, "", "", _("Sheet %(sheet)s lacks the required column(s) %(cols)s; download the "
                                      "template to see the expected headers.")
                      % {"sheet": sheet.name, "cols": "、".join(c.zh for c in missing)})
            continue
        rows = _clean_rows(ctx, sp, sheet, matched, at + height, done_rows, total_rows)
        done_rows += len(sheet.rows)
        plan.append((sp, sheet, rows))
        result.sheets.append({"sheet": sheet.name, "entity": sp.entity, "header_rows": height,
                              "rows": len(rows)})
    if not plan and not ctx.errors():
        if not any_data:
            ctx.error(None, "", path.name, _("The file is empty."))
        else:
            names = "、".join(s.title_en if translation.get_language() == "en" else s.title_zh
                             for s in specs.all_specs())
            ctx.error(None, "", path.name, _("No sheet has recognisable headers (expected one of: %(names)s); "
                                             "download a template and copy the data into it.") % {"names": names})
    elif plan and not any(rows for _sp, _sheet, rows in plan) and not ctx.errors():
        ctx.error(None, "", path.name, _("The file has headers but no rows of data: fill the rows below the "
                                         "headers and upload it again."))

    plan.sort(key=lambda t: t[0].order)
    for n, (sp, _sheet, rows) in enumerate(plan):
        ctx.progress(0.55 + 0.15 * n / max(len(plan), 1), _("Checking against the database"), force=True)
        good = [r for r in rows if r.action != "error"]
        ctx.rows_by_entity.setdefault(sp.entity, []).extend(rows)
        sp.plan(ctx, good)

    for sp, _sheet, rows in plan:
        for r in rows:
            result.rows += 1
            if r.action == "new":
                result.new += 1
            elif r.action == "changed":
                result.changed += 1
            elif r.action == "unchanged":
                result.unchanged += 1
            elif r.action == "error":
                result.error_rows += 1
            if r.action in ("new", "changed") and len(result.changes) < 1000:
                result.changes.append({
                    "sheet": r.sheet, "row": r.number, "entity": sp.entity, "action": r.action,
                    "diff": {ctx.header(r, _col(sp, k)): [cells.text(a) if a is not None else "",
                                                         cells.text(b) if b is not None else ""]
                             for k, (a, b) in r.diff.items()},
                })
    # in the workbook's order of sheets, then rows (file-level problems first)
    result.problems = sorted(ctx.problems, key=lambda p: (order.get(p.sheet, -1) if p.row else -1, p.row))
    if dry_run or result.blocked or not plan:
        ctx.progress(1.0, _("Checked"), force=True)
        return result

    ctx.progress(0.7, _("Saving"), force=True)
    _tune_connection()
    with acting("import", request_id=job_id or None), transaction.atomic():
        for n, (sp, _sheet, rows) in enumerate(plan):
            ctx.progress(0.7 + 0.3 * n / len(plan), _("Saving %(entity)s") % {"entity": sp.entity}, force=True)
            sp.commit(ctx, [r for r in rows if r.action in ("new", "changed")])
        registry_summary.after_import(  # year-end counts, same transaction
            (sp, [r for r in rows if r.action in ("new", "changed")]) for sp, _sheet, rows in plan)
    result.committed = True
    ctx.progress(1.0, _("Saved"), force=True)
    return result


def _tune_connection() -> None:
    """SQLite's default page cache (2 MB) makes index updates spill at a few hundred thousand
    rows; a larger cache for this connection keeps the bulk insert in memory."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MB


def _col(sp: TabularSpec, name: str) -> Column | str:
    for c in sp.columns:
        if c.name == name:
            return c
    return name


# Column types whose cells repeat a few values (codes, yes/no, village codes, years) and whose
# converters are pure: each distinct (type, value) is converted once per sheet.
FILL_DOWN_ROWS = 10  # a shorter run of incomplete trailing rows gets its errors row by row
MEMO_TYPES = frozenset({"choice", "bool", "division", "int", "year"})
MEMO_LIMIT = 20_000


def _memoised(conv: Callable[[Any], Any]) -> Callable[[Any], Any]:
    memo: dict[tuple[type, Any], tuple[bool, Any]] = {}
    CellError = cells.CellError

    def convert(value):
        key = (value.__class__, value)  # the class too: True == 1 == 1.0, but they convert differently
        hit = memo.get(key)
        if hit is None:
            try:
                hit = (True, conv(value))
            except CellError as exc:
                hit = (False, exc.message)
            if len(memo) < MEMO_LIMIT:
                memo[key] = hit
        if hit[0]:
            return hit[1]
        raise CellError(hit[1])
    return convert


def _clean_rows(ctx: Context, sp: TabularSpec, sheet: readers.Sheet, matched: dict[int, Column],
                data_start: int, done_before: int, total: int) -> list[ImportRow]:
    """Clean a sheet column by column (one tight loop per column instead of a dict store and a
    tuple unpack per cell), then assemble the rows and report their problems in row order."""
    converters = [(i, col, _memoised(cells.converter(col)) if col.type in MEMO_TYPES else cells.converter(col))
                  for i, col in sorted(matched.items())]
    required = [(c, col) for c, (_i, col, _conv) in enumerate(converters) if col.required]
    if sheet.merged:
        readers.fill_merged(sheet.rows, sheet.merged, below=data_start)
    data = sheet.rows[data_start:]
    is_blank = cells.is_blank
    indexes = sorted(matched)
    required_indexes = [i for i, col in matched.items() if col.required]

    def blank(raw: list[Any], among: list[int] = indexes) -> bool:
        # only the columns the sheet imports count: a row holding just its serial number (序号) is blank
        return all(is_blank(raw[i]) for i in among if i < len(raw))

    # trailing blank rows are formatting, not data
    last = len(data)
    while last and blank(data[last - 1]):
        last -= 1
    first = sheet.first_row + data_start
    # a trailing run of rows without any required value is a fill-down past the data: reported once
    start = last
    while start and blank(data[start - 1], required_indexes):
        start -= 1
    if required_indexes and start and last - start >= FILL_DOWN_ROWS:
        filled = {i for raw in data[start:min(last, start + 1000)] for i in indexes
                  if i < len(raw) and not is_blank(raw[i])}
        ctx.problems.append(Problem(sheet.name, first + start, "", "", _(
            "Rows %(first)s–%(last)s below the data hold only %(columns)s (%(rows)s rows, a fill-down past the "
            "data?): they were not read. Delete those rows.") % {
                "first": f"{first + start:,}", "last": f"{first + last - 1:,}", "rows": f"{last - start:,}",
                "columns": "、".join(ctx.headers.get((sheet.name, matched[i].name), matched[i].zh)
                                    for i in sorted(filled))}, "warning"))
        last = start
    CellError = cells.CellError
    key_index = converters[required[0][0]][0] if required else None
    hidden = sheet.hidden
    uncomputed = sheet.uncomputed

    kept: list[list[Any]] = []
    numbers: list[int] = []
    for k in range(last):
        raw = data[k]
        if (key_index is None or is_blank(raw[key_index] if key_index < len(raw) else None)) and blank(raw):
            ctx.problems.append(Problem(sheet.name, first + k, "", "", _("Blank row, skipped."), "warning"))
            continue
        kept.append(raw)
        numbers.append(first + k)

    width = min((len(r) for r in kept), default=0)
    columns: list[list[Any]] = []
    cell_errors: dict[int, list[tuple[Column, Any, str]]] = {}  # position in `kept` -> problems, column order
    for c, (i, col, conv) in enumerate(converters):
        ctx.progress(0.05 + 0.5 * (done_before + data_start + last * c / len(converters)) / total,
                     _("Checking rows"))
        raws = list(map(itemgetter(i), kept)) if i < width else [r[i] if i < len(r) else None for r in kept]
        out: list[Any] = []
        append = out.append
        text_limit = (col.max_length or cells.MAX_CELL) if col.type == "str" else -1
        for p, v in enumerate(raws):
            if v.__class__ is str:
                if text_limit >= 0:  # a text cell in a text column: what cells._str does, inline
                    s = v.strip()
                    if not s:
                        append(None)
                        continue
                    if len(s) <= text_limit:
                        append(s)
                        continue
                elif not v or v.isspace():
                    append(None)
                    continue
            elif v is None:
                append(None)
                continue
            try:
                append(conv(v))
            except CellError as exc:
                append(None)
                cell_errors.setdefault(p, []).append((col, v, exc.message))
        columns.append(out)

    names = [col.name for _i, col, _conv in converters]
    rows: list[ImportRow] = []
    name = sheet.name
    for p, cleaned in enumerate(zip(*columns, strict=True)):
        number = numbers[p]
        row = ImportRow(sheet=name, number=number, values=dict(zip(names, cleaned, strict=True)), raw=kept[p])
        bad: set[str] = set()
        if hidden and number in hidden:
            ctx.error(row, "", "", _("The row is hidden in the spreadsheet: unhide it and check it, or delete it."))
        if uncomputed and number in uncomputed:
            for i, col, _conv in converters:
                if i in uncomputed[number]:
                    bad.add(col.name)
                    ctx.error(row, col, "", _("The cell holds a formula without a computed value: open the file in "
                                              "Excel, WPS or LibreOffice and save it, or paste the values."))
        problems = cell_errors.get(p)
        if problems:
            for col, v, message in problems:
                bad.add(col.name)
                ctx.error(row, col, v, message)
        for c, col in required:
            if cleaned[c] is None and col.name not in bad:
                ctx.error(row, col, "", _("This column is required."))
        rows.append(row)
    return rows
