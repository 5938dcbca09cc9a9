"""The fund ledger's money rules as pure functions (no database): amounts, pool shares and
the invariants a budget line must keep. The services apply them under row locks; the demo
and the tests use the same functions. See docs/adr/0001-fund-ledger.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")


class MoneyError(ValueError):
    """A refused amount; `message` is shown to the user."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def clean_amount(value, *, allow_zero: bool = False) -> Decimal:
    """An amount in yuan with at most two decimals (fen), more than zero (or zero too, with
    `allow_zero`), never a float. The one money check: `projects.money.exact_money` gives its
    refusals to the services as translated ValidationErrors."""
    if isinstance(value, float):
        raise MoneyError("Amounts are exact decimals, not floating-point numbers.", "amount.float")
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"{value!r} is not an amount of money.", "amount.invalid") from exc
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not an amount of money.", "amount.invalid")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise (MoneyError(f"The amount cannot be negative (got {amount}).", "amount.negative") if allow_zero else
               MoneyError(f"The amount must be greater than zero (got {amount}).", "amount.not_positive"))
    if amount != amount.quantize(FEN):
        raise MoneyError(f"{amount} has more than two decimals; amounts are in yuan to the fen.",
                         "amount.precision")
    if amount > MAX_AMOUNT:
        raise MoneyError(f"{amount} is too large.", "amount.too_large")
    return amount.quantize(FEN)


def pool_share(amount: Decimal, share: Decimal) -> Decimal:
    """The part of an allocation set aside into the fund pool, rounded half up to the fen."""
    return (amount * share).quantize(FEN, rounding=ROUND_HALF_UP)


def pool_share_reversed(original_pool: Decimal, original_amount: Decimal, reversed_amount: Decimal) -> Decimal:
    """The pool part to take back when `reversed_amount` of an allocation is reversed.

    A full reversal takes back exactly what was set aside; a partial one takes back the same
    proportion, rounded half up, never more than was set aside.
    """
    if reversed_amount == original_amount:
        return original_pool
    part = (original_pool * reversed_amount / original_amount).quantize(FEN, rounding=ROUND_HALF_UP)
    return min(part, original_pool)


@dataclass(frozen=True)
class Totals:
    """A budget line's state: budget, allocated, disbursed, pooled."""

    budget: Decimal
    allocated: Decimal
    disbursed: Decimal
    pooled: Decimal

    @property
    def available(self) -> Decimal:
        return self.allocated - self.disbursed - self.pooled

    def broken(self) -> list[str]:
        """The invariants this state breaks (empty when sound)."""
        problems = []
        if min(self.allocated, self.disbursed, self.pooled) < 0:
            problems.append("negative total")
        if self.allocated > self.budget:
            problems.append("allocated exceeds budget")
        if self.disbursed + self.pooled > self.allocated:
            problems.append("disbursed and pooled exceed allocated")
        return problems
