"""The book's figures on Guangyuan's registered poor (协调发展道路, 2021, ch. 1), from the database.

`book_figures(year=Y)` is merged into `xiezuo report figures --year Y` (xiezuo.plugins).
Shares are of the year's registered poor households (or people, for age); the book's
unsafe-housing share (50.3 %) cannot share a denominator with its other two shares
(domain brief §10.2), so it is reported on the registry's own households.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum

from xiezuo.accounts.access import prefixes_q
from xiezuo.geo.models import Division, code_prefix
from xiezuo.geo.selectors import populations_within
from xiezuo.plugins import figure_prefixes

from .models import HouseholdYear, Member
from .stats import POOR_STATUSES, division_rows
from .unit_selectors import unit_counts


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 2) if whole else None


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    region = figure_prefixes(prefixes)
    poor = HouseholdYear.objects.filter(prefixes_q("household__village__code", region), year=year,
                                        year_status__in=POOR_STATUSES)
    agg = poor.aggregate(
        households=Count("id"),
        people=Sum("size"),
        dibao=Count("id", filter=Q(household__attribute="dibao")),
        unsafe=Count("id", filter=Q(housing_grade__in=("C", "D"))),
    )
    # from the few disabled members to their households (faster than EXISTS per household)
    disabled = Member.objects.filter(health="disabled", deceased=False, household__in=poor.values("household_id")) \
        .values("household_id").distinct().count()
    born_before = dt.date(year - 59, 1, 1)  # age at 31 December = year - birth year >= 60
    people = Member.objects.filter(
        prefixes_q("household__village__code", region), deceased=False, household__years__year=year,
        household__years__year_status__in=POOR_STATUSES,
    ).aggregate(total=Count("id"), aged=Count("id", filter=Q(birth_date__lt=born_before)))
    households = agg["households"] or 0
    poor_people = agg["people"] or 0
    pops = [v for v in populations_within(prefixes_asked=region, scope=region, year=year).values() if v is not None]
    population = sum(pops) if pops else None
    # the region's children (a city's counties, a county's townships) when it is one division
    parent = Division.objects.filter(code=region[0].ljust(12, "0")).first() if len(region) == 1 else None
    return {
        "poor_people": poor_people,
        "poor_households": households,
        "incidence_pct": _pct(poor_people, population or 0),
        "county_incidence_pct": {code_prefix(row["code"], row["level"]): row["incidence_pct"]
                                 for row in division_rows(parent_code=parent.code, year=year)}
        if population and parent else {},
        "dibao_households": agg["dibao"],
        "dibao_share_pct": _pct(agg["dibao"], households),
        "disabled_households": disabled,
        "disabled_share_pct": _pct(disabled, households),
        "aged60_share_pct": _pct(people["aged"], people["total"]),
        "unsafe_housing_households": agg["unsafe"],
        "unsafe_housing_share_pct": _pct(agg["unsafe"], households),
        # poor villages and counties designated by the end of the year, exited by then and in the year
        **unit_counts(year=year, prefixes=region),
    }
