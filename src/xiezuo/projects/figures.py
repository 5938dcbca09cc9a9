"""The book's project figures from the records, cumulative to the end of `year`:

Computed for the divisions under `prefixes` (the installation's region unless given):

- `fund_pool_yuan`: money set aside into the region's county fund pools (book #58: 71,478,900 yuan),
  inflows less their reversals, exact to the fen;
- `white_tea_mu`, `white_tea_beneficiaries`: the 白叶一号 project(s) in 青川 (book #50, #52), area
  and the people of the linked registry households;
- the earlier periods' summary records (book #22–#23, #28–#29, #32–#33): projects and yuan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum

from xiezuo.accounts.access import prefixes_q
from xiezuo.plugins import figure_prefixes

from .models import Budget, Project, ProjectBeneficiary
from .selectors import fen_sum, pool_total, yuan

FEN = Decimal("0.01")
PERIODS = {"period_1996": "1996_2008", "period_2008": "2008_2011", "period_2011": "2011_2017"}


def _number(value: Decimal | None):
    value = value or Decimal(0)
    return int(value) if value == value.to_integral_value() else value


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    region = figure_prefixes(prefixes)
    tea = Project.objects.filter(prefixes_q("county__code", region), tag="white_tea", year__lte=year)
    pool = sum((pool_total(until=dt.date(year, 12, 31), county_code=p) for p in region), Decimal(0))
    figures = {
        "fund_pool_yuan": pool.quantize(FEN),
        "white_tea_mu": _number(tea.aggregate(mu=Sum("area_mu"))["mu"]),
        "white_tea_beneficiaries": ProjectBeneficiary.objects.filter(project__in=tea, year__lte=year)
        .aggregate(n=Sum("people"))["n"] or 0,
    }
    for tag, label in PERIODS.items():
        summary = Project.objects.filter(tag=tag, end_year__lte=year)
        figures[f"projects_{label}"] = summary.aggregate(n=Sum("summary_count"))["n"] or 0
        figures[f"investment_{label}_yuan"] = yuan(Budget.objects.filter(project__in=summary)
                                                   .aggregate(t=fen_sum("allocated"))["t"])
    return figures
