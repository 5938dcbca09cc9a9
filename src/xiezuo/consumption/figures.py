"""The book's consumption-assistance figure (#56: 3.36 bn yuan of Guangyuan products sold), from the records.

Cumulative from 2018 to `year`, exact in yuan and fen (a Decimal).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from xiezuo.accounts.access import prefixes_q
from xiezuo.plugins import figure_prefixes

from .models import Sale

FIRST_YEAR = 2018


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    total = Sale.objects.filter(prefixes_q("county__code", figure_prefixes(prefixes)), date__year__gte=FIRST_YEAR,
                                date__year__lte=year).aggregate(total=Sum("amount"))["total"]
    return {"consumption_sales_yuan": (total or Decimal("0")).quantize(Decimal("0.01"))}
