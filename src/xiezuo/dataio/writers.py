"""Writing files: import templates, exports (xlsx, csv, Parquet) and error reports."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import cells, readers, specs
from .specs import TabularSpec

TEMPLATE_ROWS = 2000
#: problems listed in a problem report (and original rows copied per sheet): a clerk reads the first
#: few hundred; far past that the file only costs a county laptop time (xlsx itself stops at 1,048,576)
REPORT_MAX_PROBLEMS = 100_000
CODES_SHEET = "代码表"
CODES_SHEET_EN = "Codes"


def _formats(wb):
    return {
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                               "valign": "vcenter"}),
        "head_req": wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True,
                                   "valign": "vcenter", "font_color": "#C00000"}),
        "text": wb.add_format({"num_format": "@"}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "money": wb.add_format({"num_format": "0.00"}),
    }


def _column_format(col, fm):
    if col.type in ("id_number", "division", "str") or col.name.endswith("number"):
        return fm["text"]
    if col.type == "date":
        return fm["date"]
    if col.type in ("money", "decimal"):
        return fm["money"]
    return None


def write_template(spec: TabularSpec, path: str | Path, *, lang: str = "zh") -> Path:
    """An xlsx template: headers (required ones marked), a note per header as a cell comment,
    drop-down lists for coded columns, text format for identity numbers and codes, frozen header.
    A spec's `template_with` sheets follow its own (the households template carries the members
    and yearly-facts sheets: the head's identity number is on the head's member row). The code
    lists the drop-downs use are on one hidden sheet, which the importer never reads."""
    import xlsxwriter

    from . import specs

    path = Path(path)
    wb = xlsxwriter.Workbook(str(path))
    fm = _formats(wb)
    parts = [spec, *(specs.get(e) for e in getattr(spec, "template_with", ()))]
    sheets = [(part, wb.add_worksheet(part.title_en if lang == "en" else part.title_zh)) for part in parts]
    codes = wb.add_worksheet(CODES_SHEET if lang != "en" else CODES_SHEET_EN)
    code_col = 0
    for part, ws in sheets:
        code_col = _template_sheet(part, ws, codes, code_col, fm, lang)
    codes.hide()
    wb.close()
    return path


def _template_sheet(spec: TabularSpec, ws, codes, code_col: int, fm, lang: str) -> int:
    import xlsxwriter

    ws.set_row(0, 36)
    for i, col in enumerate(c for c in spec.columns if c.template):
        header = col.header(lang) + ("*" if col.required else "")
        ws.write_string(0, i, header, fm["head_req"] if col.required else fm["head"])
        ws.set_column(i, i, max(10, min(30, len(col.header(lang)) * (1 if lang == "en" else 2) + 2)),
                      _column_format(col, fm))
        note = col.note(lang)
        rows = col.choice_rows()
        if rows:
            labels = [en if lang == "en" else zh for _code, zh, en in rows if zh]
            codes.write_string(0, code_col, col.header(lang))
            for k, label in enumerate(labels, start=1):
                codes.write_string(k, code_col, label)
            letter = xlsxwriter.utility.xl_col_to_name(code_col)
            if col.type == "choice":
                ws.data_validation(1, i, TEMPLATE_ROWS, i, {
                    "validate": "list",
                    "source": f"='{codes.get_name()}'!${letter}$2:${letter}${len(labels) + 1}",
                    "error_title": _("Not in the list"),
                    "error_message": _("Choose a value from the drop-down list."),
                })
            allowed = "、".join(labels)
            note = (note + "\n" if note else "") + (_("Allowed: %(values)s") % {"values": allowed})
            code_col += 1
        if col.type == "bool" and not rows:
            ws.data_validation(1, i, TEMPLATE_ROWS, i, {"validate": "list", "source": ["是", "否"]}
                               if lang != "en" else {"validate": "list", "source": ["yes", "no"]})
        if note:
            ws.write_comment(0, i, note, {"x_scale": 2, "y_scale": 1.5})
    ws.freeze_panes(1, 0)
    return code_col


def write_rows(spec: TabularSpec, rows: Iterable[dict[str, Any]], path: str | Path, *, fmt: str,
               lang: str = "zh") -> int:
    """Write export rows (dicts of clean values) in the template's layout; returns the count."""
    path = Path(path)
    columns = [c for c in spec.columns if c.export]
    headers = [c.header(lang) for c in columns]
    shown = [cells.displayer(c, lang) for c in columns]  # choice labels looked up once, not per cell
    names = [c.name for c in columns]
    text = cells.text
    n = 0
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(headers)
            for row in rows:
                w.writerow([text(show(row.get(name))) for show, name in zip(shown, names, strict=True)])
                n += 1
        return n
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        data: dict[str, list] = {h: [] for h in headers}
        native = [c.type in ("int", "year", "money", "decimal", "date", "bool") for c in columns]
        plan = list(zip(names, headers, shown, native, strict=True))
        for row in rows:
            for name, h, show, raw in plan:
                v = row.get(name)
                data[h].append(v if raw or v is None else text(show(v)))
            n += 1
        types = {"int": pa.int64(), "year": pa.int64(), "money": pa.decimal128(14, 2), "decimal": pa.decimal128(14, 2),
                 "date": pa.date32(), "bool": pa.bool_()}
        arrays = [pa.array(data[h], type=types.get(c.type, pa.string())) for c, h in zip(columns, headers, strict=True)]
        pq.write_table(pa.Table.from_arrays(arrays, names=headers), path)
        return n
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    fm = _formats(wb)
    ws = wb.add_worksheet(spec.title_en if lang == "en" else spec.title_zh)
    for i, col in enumerate(columns):
        ws.set_column(i, i, 14, _column_format(col, fm))
        ws.write_string(0, i, headers[i], fm["head"])
    ws.freeze_panes(1, 0)
    r = 1
    for row in rows:
        for i, col in enumerate(columns):
            v = shown[i](row.get(col.name))
            if isinstance(v, Decimal):
                v = float(v)
            if v is None or v == "":
                continue
            if isinstance(v, str):
                ws.write_string(r, i, v)
            elif isinstance(v, bool):
                ws.write_string(r, i, cells.text(cells.display(col, v, lang)))
            elif isinstance(v, dt.date):
                ws.write_datetime(r, i, dt.datetime(v.year, v.month, v.day), fm["date"])
            else:
                ws.write_number(r, i, v)
        r += 1
        n += 1
    wb.close()
    return n


def more_not_listed(n: int) -> str:
    """The last line of a list cut at a limit: it says so."""
    return ngettext("… %(n)s more problem not listed", "… %(n)s more problems not listed", n) % {"n": f"{n:,}"}


def write_error_report(source: str | Path, problems, path: str | Path, *, lang: str = "zh",
                       limit: int = REPORT_MAX_PROBLEMS) -> Path:
    """The original rows with their problems beside them, one sheet per source sheet; identity numbers, phones
    and bank accounts masked (the report is kept on disk and offered for download). At most `limit` problems
    are listed, and as many rows copied per sheet; a list cut there ends with a row saying how many are not."""
    import xlsxwriter

    masked = specs.masked_headers()

    path = Path(path)
    try:
        sheets = {s.name: s for s in readers.read(source)}
    except readers.FileError:
        sheets = {}
    by_sheet: dict[str, dict[int, list]] = {}
    for p in problems:
        by_sheet.setdefault(p.sheet, {}).setdefault(p.row, []).append(p)
    wb = xlsxwriter.Workbook(str(path))
    fm = _formats(wb)
    red = wb.add_format({"font_color": "#C00000", "text_wrap": True})
    summary = wb.add_worksheet(_("Problems"))
    heads = [_("Sheet"), _("Row"), _("Column"), _("Value"), _("Problem"), _("Level")]
    for i, h in enumerate(heads):
        summary.write_string(0, i, h, fm["head"])
    summary.set_column(0, 3, 14)
    summary.set_column(4, 4, 70)
    k = 1
    problems = list(problems)
    for p in problems[:limit]:
        level = _("error") if p.level == "error" else _("warning")
        for i, v in enumerate((p.sheet, p.row or "", p.column, p.value, p.message, level)):
            summary.write(k, i, v)
        k += 1
    if len(problems) > limit:
        summary.write_string(k, 0, more_not_listed(len(problems) - limit), red)
    summary.freeze_panes(1, 0)
    used = {summary.get_name()}
    for name, rows in by_sheet.items():
        sheet = sheets.get(name)
        if sheet is None or not name:
            continue
        title = (name or "sheet")[:28]
        while title in used:
            title = title[:26] + "_"
        used.add(title)
        ws = wb.add_worksheet(title)
        width = max((len(r) for r in sheet.rows[:10]), default=0)
        ws.write_string(0, 0, _("Row"), fm["head"])
        ws.write_string(0, 1, _("Problems"), fm["head"])
        ws.set_column(1, 1, 60)
        header = sheet.rows[0] if sheet.rows else []
        # a column is masked if a header-like row above the data names a masked column; an 18-character
        # identity number anywhere is masked too (a file may put it under any heading)
        masks = [next((masked[k] for r in sheet.rows[:5] if i < len(r)
                       and (k := specs.normalise_header(r[i])) in masked), "") for i in range(width)]
        for i in range(width):
            ws.write(0, i + 2, cells.text(header[i]) if i < len(header) and header[i] is not None else "", fm["head"])
        out = 1
        numbers = sorted(rows)
        if len(numbers) > limit:
            ws.write_string(limit + 1, 1, more_not_listed(sum(len(rows[n]) for n in numbers[limit:])), red)
        for number in numbers[:limit]:
            idx = number - sheet.first_row
            raw = sheet.rows[idx] if 0 <= idx < len(sheet.rows) else []
            ws.write_number(out, 0, number)
            ws.write_string(out, 1, "\n".join(f"{p.column}: {p.message}" if p.column else p.message
                                              for p in rows[number]), red)
            for i, v in enumerate(raw):
                if v is None or v == "":
                    continue
                text = cells.text(v)
                ws.write_string(out, i + 2, specs.mask_value(masks[i] if i < len(masks) else "", text)[:32000])
            out += 1
        ws.freeze_panes(1, 2)
    wb.close()
    return path
