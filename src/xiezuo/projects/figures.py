"""Project figures from the records, cumulative to the end of `year`, for the divisions under `prefixes`
(the installation's region unless given). Nothing here names a project of the book: which figures exist
follows from the records (on the Guangyuan demo they are the book's, from its definition):

- `fund_pool_yuan`: money set aside into the region's county fund pools (book #58: 71,478,900 yuan),
  inflows less their reversals, exact to the fen;
- for each tag of a flagship project (`Project.tag`, not a summary): `<tag>_mu`, its area, and
  `<tag>_beneficiaries`, the people of the linked registry households (the demo's `white_tea`: book #50, #52);
- for each earlier period recorded as summary records (`summary_count`): `projects_<first>_<last>` and
  `investment_<first>_<last>_yuan` (book #22–#23, #28–#29, #32–#33 on the demo).

A key exists when its records exist in the region, whatever the year (0 before the year they count from).
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


def _number(value: Decimal | None):
    value = value or Decimal(0)
    return int(value) if value == value.to_integral_value() else value


def flagships(prefixes: list[str]) -> dict[str, Project]:
    """Tag -> its first flagship project (by year, code) in the region: what names the tag's figures."""
    found: dict[str, Project] = {}
    for p in (Project.objects.filter(prefixes_q("county__code", prefixes), summary_count=0).exclude(tag="")
              .order_by("tag", "year", "code").only("tag", "name", "name_en")):
        found.setdefault(p.tag, p)
    return found


def periods(prefixes: list[str]) -> list[tuple[int, int]]:
    """The (first, last) years of the region's summary records of earlier periods."""
    return sorted(set(Project.objects.filter(prefixes_q("county__code", prefixes), summary_count__gt=0,
                                             end_year__isnull=False).values_list("year", "end_year")))


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    region = figure_prefixes(prefixes)
    pool = sum((pool_total(until=dt.date(year, 12, 31), county_code=p) for p in region), Decimal(0))
    figures: dict = {"fund_pool_yuan": pool.quantize(FEN)}
    for tag in flagships(region):
        tagged = Project.objects.filter(prefixes_q("county__code", region), tag=tag, summary_count=0,
                                        year__lte=year)
        figures[f"{tag}_mu"] = _number(tagged.aggregate(mu=Sum("area_mu"))["mu"])
        figures[f"{tag}_beneficiaries"] = ProjectBeneficiary.objects.filter(
            project__in=tagged, year__lte=year).aggregate(n=Sum("people"))["n"] or 0
    for first, last in periods(region):
        summary = Project.objects.filter(prefixes_q("county__code", region), summary_count__gt=0, year=first,
                                         end_year=last)
        counted = summary.filter(end_year__lte=year)
        figures[f"projects_{first}_{last}"] = counted.aggregate(n=Sum("summary_count"))["n"] or 0
        figures[f"investment_{first}_{last}_yuan"] = yuan(Budget.objects.filter(project__in=counted)
                                                          .aggregate(t=fen_sum("allocated"))["t"])
    return figures
