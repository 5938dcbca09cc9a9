"""Exact money for every service: `ledger.clean_amount`'s check, refusals as translated ValidationErrors.

Projects, placements, sales and enterprise investment all take amounts in yuan through
`exact_money`, so there is one rule (no float, at most two decimals, more than zero unless
`allow_zero`, an upper bound) and one wording of its messages.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import ledger


def exact_money(value, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """`value` as an exact Decimal in yuan (2 places), or a ValidationError on `field`."""
    try:
        return ledger.clean_amount(value, allow_zero=allow_zero)
    except ledger.MoneyError as exc:
        messages = {
            "amount.float": _("Amounts are exact decimals, not floating-point numbers."),
            "amount.invalid": _("%(value)s is not an amount of money."),
            "amount.not_positive": _("The amount must be greater than zero (got %(value)s)."),
            "amount.negative": _("The amount cannot be negative."),
            "amount.precision": _("%(value)s has more than two decimals; amounts are in yuan to the fen."),
            "amount.too_large": _("%(value)s is too large."),
        }
        raise ValidationError({field: messages[exc.code] % {"value": value}}, code=exc.code) from exc
