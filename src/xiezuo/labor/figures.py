"""The book's labour-cooperation figures (协调发展道路, 2021, ch. 1, #60–#63), from the records.

Cumulative from 2018 (the three-year action plan) to `year`, for the divisions under `prefixes`
(the installation's region unless given: `xiezuo.plugins.book_figures`).
"""

from __future__ import annotations

from django.db.models import Count

from xiezuo.accounts.access import prefixes_q
from xiezuo.plugins import figure_prefixes

from .models import Placement, VocationalStudent, Workshop, Workstation

FIRST_YEAR = 2018


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    region = figure_prefixes(prefixes)
    return {
        "workstations": Workstation.objects.filter(prefixes_q("serves__code", region),
                                                   opened_on__year__gte=FIRST_YEAR, opened_on__year__lte=year)
        .count(),
        "workshops": Workshop.objects.filter(prefixes_q("village__code", region), opened_on__year__gte=FIRST_YEAR,
                                             opened_on__year__lte=year).count(),
        "labour_placed_poor": Placement.objects.filter(
            prefixes_q("village__code", region), start_date__year__gte=FIRST_YEAR,
            start_date__year__lte=year).aggregate(n=Count("member_id", distinct=True))["n"],
        "students_east": VocationalStudent.objects.filter(
            prefixes_q("village__code", region), enrolled_year__gte=FIRST_YEAR, enrolled_year__lte=year)
        .aggregate(n=Count("member_id", distinct=True))["n"],
    }
