"""Cooperation counts from the records, for the divisions under `prefixes` (the installation's region
unless given): pairings in force at the end of `year`, by level (`selectors.in_force_q`, the same
definition as the assessment's pairing indicators), the framework agreements signed up to `year`
(book #48: 3 city framework agreements 2018–2020), and the trade cooperation projects (enterprises) recorded up to
`year` with their planned and arrived investment. No period is written here: the book's long-term aid 2012–2017
(#44–46, 青川's: 42, 2.09 bn planned, 1.1 bn arrived) is the Guangyuan demo's data, read with `year=2017`."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from xiezuo.accounts.access import prefixes_q
from xiezuo.plugins import figure_prefixes

from .models import Agreement, Enterprise
from .selectors import pairing_counts


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    region = figure_prefixes(prefixes)
    counts: dict[str, int] = {}
    for prefix in region:
        for level, n in pairing_counts(year=year, prefix=prefix).items():
            counts[level] = counts.get(level, 0) + n
    trade = Enterprise.objects.filter(prefixes_q("west_division__code", region), year__lte=year).aggregate(
        n=Count("pk"), planned=Sum("investment_planned"), arrived=Sum("investment_arrived"))
    return {
        "pairings_county": counts.get("county", 0),
        "pairings_town": counts.get("town", 0),
        "pairings_village": counts.get("village", 0),
        "pairings_enterprise_village": counts.get("enterprise_village", 0),
        "pairings_school": counts.get("school", 0),
        "pairings_hospital": counts.get("hospital", 0),
        "framework_agreements": Agreement.objects.filter(prefixes_q("west_division__code", region),
                                                         signed_on__year__lte=year,
                                                         valid_to__year__gte=year).count(),
        "trade_projects": trade["n"],
        "trade_investment_planned_yuan": Decimal(trade["planned"] or 0).quantize(Decimal("0.01")),
        "trade_investment_arrived_yuan": Decimal(trade["arrived"] or 0).quantize(Decimal("0.01")),
    }
