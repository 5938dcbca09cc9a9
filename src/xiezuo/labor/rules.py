"""Validation rules shared by the labour, consumption and talent services.

Each raises `ValidationError` keyed by field, with a message that says how to fix it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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


def exact_money(amount, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """An exact amount in yuan, more than zero (or zero too, with `allow_zero`), at most two decimal
    places; floats are refused, they are not exact."""
    if isinstance(amount, float):
        raise ValidationError({field: _("Give the amount as an exact decimal, not a float.")})
    try:
        value = Decimal(str(amount))
    except Exception as exc:  # noqa: BLE001 — any unparsable input is a validation error
        raise ValidationError({field: _("%(value)s is not an amount.") % {"value": amount}}) from exc
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise ValidationError({field: _("The amount cannot be negative.") if allow_zero
                               else _("The amount must be more than zero.")})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({field: _("The amount %(value)s has more than two decimal places (fen).")
                               % {"value": value}})
    return value.quantize(Decimal("0.01"))


def positive_money(amount, *, field: str = "amount") -> Decimal:
    """An exact amount in yuan, more than zero, at most two decimal places (no float)."""
    return exact_money(amount, field=field)


def division_is(division, *, level: str | tuple[str, ...], side: str, field: str) -> None:
    levels = (level,) if isinstance(level, str) else level
    if division is None or division.level not in levels or division.side != side:
        raise ValidationError({field: _("Choose a %(side)s division at level %(level)s.")
                               % {"side": side, "level": "/".join(levels)}})


def months_in_start_year(start: dt.date, end: dt.date | None) -> int:
    """Calendar months touched from `start` to `end` (or the year's end) within the start year."""
    last = end if end is not None and end.year == start.year else dt.date(start.year, 12, 31)
    return last.month - start.month + 1
