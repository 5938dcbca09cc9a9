"""Validation rules shared by the labour, consumption and talent services.

Each raises `ValidationError` keyed by field, with a message that says how to fix it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError


def clean_uscc(value: str, *, field: str = "uscc", required: bool = False) -> str:
    """A valid 18-character unified social credit code (GB 32100-2015), upper-cased; blank if allowed."""
    value = (value or "").strip().upper()
    if not value:
        if required:
            raise ValidationError({field: _("Enter the 18-character unified social credit code.")})
        return ""
    try:
        return stdnum_uscc.validate(value)
    except StdnumError as exc:
        raise ValidationError({field: _("%(value)s is not a valid unified social credit code (GB 32100-2015): "
                                        "check the 18 characters and the last check character.")
                               % {"value": value}}) from exc


def dates_in_order(start: dt.date, end: dt.date | None, *, field: str = "end_date") -> None:
    if end is not None and end < start:
        raise ValidationError({field: _("The end date %(end)s is before the start date %(start)s.")
                               % {"end": end, "start": start}})


def division_is(division, *, level: str | tuple[str, ...], side: str, field: str) -> None:
    levels = (level,) if isinstance(level, str) else level
    if division is None or division.level not in levels or division.side != side:
        raise ValidationError({field: _("Choose a %(side)s division at level %(level)s.")
                               % {"side": side, "level": "/".join(levels)}})


def months_in_start_year(start: dt.date, end: dt.date | None) -> int:
    """Calendar months touched from `start` to `end` (or the year's end) within the start year."""
    last = end if end is not None and end.year == start.year else dt.date(start.year, 12, 31)
    return last.month - start.month + 1
