"""Department warnings (部门筛查预警) from a CSV or XLSX file: validate every row, report
every error with its row and column, then open all cases in one transaction (all or none).

Columns (Chinese or English headers): 户编号/household_number, 风险类型/risk_types (codes
separated by commas or 、, e.g. "01,0201"), 部门/department, 说明/detail, 日期/date
(YYYY-MM-DD, optional), 刚性支出/rigid_expenditure (yuan, optional).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from xiezuo.registry.models import Household

from . import services
from .models import RiskType, Source

HEADERS = {
    "household_number": ("户编号", "household_number", "household"),
    "risk_types": ("风险类型", "risk_types", "risks"),
    "department": ("部门", "预警部门", "department"),
    "detail": ("说明", "预警内容", "detail"),
    "date": ("日期", "预警日期", "date"),
    "rigid_expenditure": ("刚性支出", "rigid_expenditure"),
}
REQUIRED = ("household_number", "risk_types", "department")


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    opened: int = 0


def read_rows(path: Path) -> list[list]:
    if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        return wb.get_sheet_by_index(0).to_python()
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _header_map(header: list) -> dict[str, int]:
    out = {}
    for i, h in enumerate(header):
        key = str(h or "").strip().lower()
        for name, synonyms in HEADERS.items():
            if key in (s.lower() for s in synonyms):
                out[name] = i
    return out


def import_warnings(path: Path, *, user, today: dt.date | None = None) -> ImportResult:
    result = ImportResult()
    rows = read_rows(path)
    if not rows:
        result.errors.append(RowError(1, "-", "the file is empty"))
        return result
    cols = _header_map(rows[0])
    for name in REQUIRED:
        if name not in cols:
            result.errors.append(RowError(1, HEADERS[name][0], f"missing column {HEADERS[name][0]}/{name}"))
    if result.errors:
        return result
    today = today or dt.date.today()
    planned = []
    seen: set[tuple[str, str]] = set()
    for n, raw in enumerate(rows[1:], start=2):
        def cell(name, raw=raw):
            i = cols.get(name)
            v = raw[i] if i is not None and i < len(raw) else ""
            return "" if v is None else (v if isinstance(v, dt.date) else str(v).strip())
        if not any(str(v).strip() for v in raw if v is not None):
            continue
        number = cell("household_number")
        if isinstance(number, str) and number.endswith(".0"):
            number = number[:-2]
        hh = Household.objects.filter(number=number).select_related("village").first()
        if hh is None:
            result.errors.append(RowError(n, "户编号", f"no household {number!r}"))
            continue
        risks = [r for r in re.split(r"[,，、;；\s]+", str(cell("risk_types"))) if r]
        risks = [r.zfill(2) if len(r) == 1 else r for r in risks]
        bad = [r for r in risks if r not in RiskType.values]
        if bad or not risks or len(risks) > 5:
            result.errors.append(RowError(n, "风险类型", f"risk types must be 1-5 codes of the national list, got {bad or risks}"))
            continue
        dept = cell("department")
        if not dept:
            result.errors.append(RowError(n, "部门", "the department is required"))
            continue
        on = cell("date") or today
        if isinstance(on, dt.datetime):
            on = on.date()
        if isinstance(on, str):
            try:
                on = dt.date.fromisoformat(on[:10])
            except ValueError:
                result.errors.append(RowError(n, "日期", f"not a date (YYYY-MM-DD): {on!r}"))
                continue
        rigid = cell("rigid_expenditure")
        try:
            rigid = Decimal(str(rigid)).quantize(Decimal("0.01")) if rigid != "" else None
        except InvalidOperation:
            result.errors.append(RowError(n, "刚性支出", f"not an amount: {rigid!r}"))
            continue
        clash = services.open_risks(hh) & set(risks)
        for r in risks:
            if (number, r) in seen:
                clash.add(r)
            seen.add((number, r))
        if clash:
            result.errors.append(RowError(n, "风险类型", f"household {number} already has an open case for {sorted(clash)}"))
            continue
        planned.append(dict(household=hh, risk_types=risks, department=dept, detail=str(cell("detail")), on=on,
                            rigid_expenditure=rigid))
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for p in planned:
                services.case_open(source=Source.DEPARTMENT_WARNING, user=user, **p)
    except (ValidationError, PermissionError) as exc:
        result.errors.append(RowError(0, "-", "; ".join(getattr(exc, "messages", [str(exc)]))))
        return result
    result.opened = len(planned)
    return result
