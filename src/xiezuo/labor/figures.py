"""The book's labour-cooperation figures (协调发展道路, 2021, ch. 1, #60–#63), from the records.

Cumulative from 2018 (the three-year action plan) to `year`, for Guangyuan (code 5108).
"""

from __future__ import annotations

from django.db.models import Count

from .models import Placement, VocationalStudent, Workshop, Workstation

CITY_PREFIX = "5108"
FIRST_YEAR = 2018


def book_figures(*, year: int) -> dict:
    window = {"gte": FIRST_YEAR, "lte": year}
    return {
        "workstations": Workstation.objects.filter(serves__code__startswith=CITY_PREFIX, opened_on__year__gte=FIRST_YEAR,
                                                   opened_on__year__lte=year).count(),
        "workshops": Workshop.objects.filter(village__code__startswith=CITY_PREFIX, opened_on__year__gte=FIRST_YEAR,
                                             opened_on__year__lte=year).count(),
        "labour_placed_poor": Placement.objects.filter(
            village__code__startswith=CITY_PREFIX, start_date__year__gte=window["gte"],
            start_date__year__lte=window["lte"]).aggregate(n=Count("member_id", distinct=True))["n"],
        "students_east": VocationalStudent.objects.filter(
            village__code__startswith=CITY_PREFIX, enrolled_year__gte=FIRST_YEAR, enrolled_year__lte=year)
        .aggregate(n=Count("member_id", distinct=True))["n"],
    }
