"""Cell conversion: a raw value from xlsx/csv/parquet to a clean Python value, or a message.

Readers hand over what the file holds: strings (csv), floats, ints, bools, dates and
datetimes (xlsx through calamine, parquet), Decimals (parquet). Each column type has one
converter that accepts all of them and raises `CellError` with a message that says how
to fix the cell.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from .specs import Column

EXCEL_EPOCH = dt.date(1899, 12, 30)
MAX_CELL = 32767  # Excel's own limit for one cell
TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "有", "t"}
FALSE = {"否", "n", "no", "false", "0", "×", "无", "f", "x"}
SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
YEAR_MONTH_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
DIVISION = re.compile(r"^\d{12}$")


class CellError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any) -> str:
    """A value as text; integral floats without '.0'."""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


EXACT_DIGITS = 15  # a spreadsheet keeps 15 significant digits of a number


def as_spreadsheet_shows(value: float | int) -> str:
    """A long number as the spreadsheet keeps and shows it: 15 significant digits, then zeros."""
    return f"{Decimal(f'{value:.{EXACT_DIGITS}g}'):f}"


def _str(col: Column):
    limit = col.max_length or MAX_CELL

    def convert(value):
        if isinstance(value, float | int) and not isinstance(value, bool) and abs(value) >= 10 ** EXACT_DIGITS:
            # a code typed as a number: its last digits are already gone (…0001 became …0000)
            raise CellError(_("%(shown)s is stored as a number, and a spreadsheet keeps only 15 digits of a "
                              "number, so its last digits may already have changed: set the column's format to "
                              "Text and type it again.") % {"shown": as_spreadsheet_shows(value)})
        s = text(value)
        if len(s) > limit:
            raise CellError(_("The cell holds %(n)d characters; this column takes at most %(max)d.")
                            % {"n": len(s), "max": limit})
        return s
    return convert


def _int(col: Column):
    lo, hi = col.min_value, col.max_value

    def convert(value):
        if isinstance(value, bool):
            raise CellError(_("Expected a whole number."))
        if isinstance(value, int):
            n = value
        else:
            s = text(value).replace(",", "")
            try:
                f = float(s)
            except ValueError:
                raise CellError(_("Expected a whole number.")) from None
            if not f.is_integer():
                raise CellError(_("Expected a whole number."))
            n = int(f)
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            raise CellError(_("The number must be between %(lo)s and %(hi)s.") % {"lo": lo, "hi": hi})
        return n
    return convert


def _decimal(col: Column):
    lo, hi = col.min_value, col.max_value
    cent = Decimal("0.01")

    def convert(value):
        if isinstance(value, bool):
            raise CellError(_("Expected a number."))
        if isinstance(value, Decimal):
            d = value
        elif isinstance(value, int):
            d = Decimal(value)
        elif isinstance(value, float):
            d = Decimal(repr(value))
        else:
            s = unicodedata.normalize("NFKC", str(value)).strip().replace(",", "").replace("元", "")
            try:
                d = Decimal(s)
            except InvalidOperation:
                raise CellError(_("Expected a number, such as 1234.50.")) from None
            if not d.is_finite():
                raise CellError(_("Expected a number, such as 1234.50."))
        d = d.quantize(cent)
        if lo is not None and d < lo:
            if lo == 0:
                raise CellError(_("The amount cannot be negative."))
            raise CellError(_("The number must be at least %(lo)s.") % {"lo": lo})
        if hi is not None and d > hi:
            raise CellError(_("The number %(value)s is implausibly large (at most %(hi)s).") % {"value": d, "hi": hi})
        return d
    return convert


class YearMonth(dt.date):
    """A date known to the month only (2014.10, 2014年10月): the first of that month."""


def _year_month(year: int, month: int, shown: str) -> YearMonth:
    if not 1 <= month <= 12:
        raise CellError(_("%(value)s is not a valid date.") % {"value": shown})
    return YearMonth(year, month, 1)


def to_date(value: Any) -> dt.date:
    """A date from a date cell, an Excel serial number, or text (2020-01-31, 2020/1/31,
    2020年1月31日, 20200131), or a year and month (2014.10, 2014-10, 2014年10月, 201410), read
    as the first of the month (a `YearMonth`)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and 1890 <= value < 2101 and not value.is_integer():
            # 2014.10 typed into a number cell: a year and month, not serial day 2014 (1905-07-06)
            year, month = repr(value).split(".")
            if month == "1":  # 2014.1 and 2014.10 are the same number
                raise CellError(_("%(value)s may be January or October: write the month as 2014-01 or 2014-10, "
                                  "or set the column to Text.") % {"value": value})
            return _year_month(int(year), int(month) if len(month) <= 2 else 0, repr(value))
        if 1 <= value < 2958466:  # Excel serials up to 9999-12-31
            if 19000101 <= value <= 21001231 and float(value).is_integer():
                return to_date(str(int(value)))
            if 189001 <= value <= 210012 and float(value).is_integer():
                return to_date(str(int(value)))
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise CellError(_("%(value)s is not a date.") % {"value": value})
    s = unicodedata.normalize("NFKC", str(value)).strip()
    m = DATE_TEXT.match(s)
    ym = YEAR_MONTH_TEXT.match(s) if not m else None
    try:
        if ym:
            return _year_month(int(ym[1]), int(ym[2]), s)
        if len(s) == 6 and s.isdigit() and 1890 <= int(s[:4]) <= 2100:
            return _year_month(int(s[:4]), int(s[4:]), s)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if len(s) == 8 and s.isdigit():
            return dt.date(int(s[:4]), int(s[4:6]), int(s[6:]))
        if s.replace(".", "", 1).isdigit():
            return to_date(float(s))
    except ValueError:
        raise CellError(_("%(value)s is not a valid date.") % {"value": s}) from None
    raise CellError(_("%(value)s is not a date; write it as 2020-01-31.") % {"value": s})


def _date(col: Column):
    lo = col.min_value or dt.date(1890, 1, 1)

    def convert(value):
        d = to_date(value)
        if d < lo or d > dt.date.today():
            raise CellError(_("The date %(date)s is impossible (before %(lo)s or in the future).")
                            % {"date": d.isoformat(), "lo": lo.isoformat()})
        return d
    return convert


def _bool(col: Column):
    def convert(value):
        if isinstance(value, bool):
            return value
        s = unicodedata.normalize("NFKC", text(value)).lower()
        if s in TRUE:
            return True
        if s in FALSE:
            return False
        raise CellError(_("Write 是 (yes) or 否 (no)."))
    return convert


def choice_lookup(col: Column) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, zh, en in col.choice_rows():
        for key in (code, zh, en):
            lookup[unicodedata.normalize("NFKC", str(key)).strip().lower()] = code
    for key, code in col.aliases() if callable(col.aliases) else col.aliases:
        lookup[unicodedata.normalize("NFKC", key).strip().lower()] = code
    return lookup


def _choice(col: Column):
    lookup = choice_lookup(col)
    allowed = "、".join(zh for _c, zh, _e in col.choice_rows() if zh)

    def one(value):
        key = unicodedata.normalize("NFKC", text(value)).strip().lower()
        try:
            return lookup[key]
        except KeyError:
            raise CellError(_("Not one of the allowed values: %(allowed)s.") % {"allowed": allowed}) from None
    return one


def _multichoice(col: Column):
    one = _choice(col)
    split = re.compile(r"[、,，;；/|\s]+")

    def convert(value):
        return [one(p) for p in split.split(text(value)) if p]
    return convert


def _division(col: Column):
    def convert(value):
        s = text(value)
        if not DIVISION.match(s):
            raise CellError(_("A village code has 12 digits (统计用区划代码): province 2, city 2, county 2, township 3, village 3."))
        return s
    return convert


def _id_number(col: Column):
    def convert(value):
        # Identity numbers are validated by the spec (they need the database and the
        # mask-matching round trip); here only Excel's damage is caught.
        if isinstance(value, float | int) and not isinstance(value, bool):
            raise CellError(_("The identity number is stored as a number (%(shown)s), so Excel has already "
                              "replaced its last digits with zeros: set the column's format to Text and "
                              "type the number again.") % {"shown": as_spreadsheet_shows(value)})
        s = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").upper()
        if SCIENTIFIC.match(s):
            raise CellError(_("The identity number was turned into a number by Excel (%(shown)s): set the "
                              "column's format to Text and type the number again.") % {"shown": s})
        return s
    return convert


MAKERS = {
    "str": _str, "int": _int, "year": _int, "decimal": _decimal, "money": _decimal, "date": _date,
    "bool": _bool, "choice": _choice, "multichoice": _multichoice, "division": _division,
    "id_number": _id_number,
}


def converter(col: Column):
    return MAKERS[col.type](col)


def displayer(col: Column, lang: str = "zh") -> Callable[[Any], Any]:
    """`display` for one column, with its choice labels looked up once: an export calls it for
    every cell, and `choice_rows()` translates every label each time (10 s per 10,000 rows)."""
    if col.type == "choice":
        labels = {code: (en if lang == "en" else zh) for code, zh, en in col.choice_rows()}
        return lambda value: "" if value is None else labels.get(value, value)
    if col.type == "multichoice":
        labels = {code: (en if lang == "en" else zh) for code, zh, en in col.choice_rows()}
        return lambda value: "" if value is None else "、".join(labels.get(v, v) for v in value or [])
    return lambda value: display(col, value, lang)


def display(col: Column, value: Any, lang: str = "zh") -> Any:
    """A clean value as written to an export cell."""
    if value is None:
        return ""
    if col.type == "choice":
        for code, zh, en in col.choice_rows():
            if code == value:
                return en if lang == "en" else zh
        return value
    if col.type == "multichoice":
        labels = {code: (en if lang == "en" else zh) for code, zh, en in col.choice_rows()}
        return "、".join(labels.get(v, v) for v in value or [])
    if col.type == "bool":
        return ("yes" if value else "no") if lang == "en" else ("是" if value else "否")
    return value
