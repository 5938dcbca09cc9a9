"""Cooperation counts from the records: pairings of Guangyuan in force at the end of `year`, by level,
the framework agreements signed up to `year` (book #48: 3 city framework agreements 2018–2020), and
青川's trade cooperation projects of the long-term aid 2012–2017 (#44–46: 42, 2.09 bn planned, 1.1 bn arrived)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, Sum

from .models import Agreement, Enterprise
from .selectors import pairing_counts


def book_figures(*, year: int) -> dict:
    counts = pairing_counts(year=year)
    trade = Enterprise.objects.filter(west_division__code__startswith="510822", year__gte=2012,
                                      year__lte=min(year, 2017)).aggregate(
        n=Count("pk"), planned=Sum("investment_planned"), arrived=Sum("investment_arrived"))
    return {
        "pairings_county": counts.get("county", 0),
        "pairings_town": counts.get("town", 0),
        "pairings_village": counts.get("village", 0),
        "pairings_enterprise_village": counts.get("enterprise_village", 0),
        "pairings_school": counts.get("school", 0),
        "pairings_hospital": counts.get("hospital", 0),
        "framework_agreements": Agreement.objects.filter(west_division__code__startswith="5108",
                                                         signed_on__year__lte=year,
                                                         valid_to__year__gte=year).count(),
        "trade_projects_2012_2017": trade["n"],
        "trade_investment_planned_2012_2017_yuan": Decimal(trade["planned"] or 0).quantize(Decimal("0.01")),
        "trade_investment_arrived_2012_2017_yuan": Decimal(trade["arrived"] or 0).quantize(Decimal("0.01")),
    }
