"""Cooperation counts from the records: pairings of Guangyuan in force at the end of `year`, by level,
and the framework agreements signed up to `year` (book #48: 3 city framework agreements 2018–2020)."""

from __future__ import annotations

from .models import Agreement
from .selectors import pairing_counts


def book_figures(*, year: int) -> dict:
    counts = pairing_counts(year=year)
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
    }
