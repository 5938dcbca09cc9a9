"""Reads for labour cooperation, always through the scope layer.

Row lists of placements and students are personal data (no rows for an eastern office);
the aggregate selectors count over every placement in the user's *aggregate* scope, which
for an eastern office is the western divisions paired with it.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear, Substr

from xiezuo.accounts import access

from .models import Place, Placement, VocationalStudent, Workshop, Workstation


def _filters(qs: QuerySet, *, year: int | None, county: str | None, date_field: str, code_field: str) -> QuerySet:
    if year:
        qs = qs.filter(**{f"{date_field}__year" if date_field != "enrolled_year" else date_field: year})
    if county:
        qs = qs.filter(**{f"{code_field}__startswith": county[:6]})
    return qs


def workstation_list(*, user, year: int | None = None, county: str | None = None) -> QuerySet[Workstation]:
    qs = Workstation.objects.restrict(user, "view").select_related("east_division", "serves")
    return _filters(qs, year=year, county=county, date_field="opened_on", code_field="serves__code")


def workshop_list(*, user, year: int | None = None, county: str | None = None) -> QuerySet[Workshop]:
    qs = Workshop.objects.restrict(user, "view").select_related("village")
    return _filters(qs, year=year, county=county, date_field="opened_on", code_field="village__code")


def placement_list(*, user, year: int | None = None, county: str | None = None,
                   place: str | None = None) -> QuerySet[Placement]:
    qs = Placement.objects.restrict(user, "view").select_related("member", "village", "workstation", "workshop")
    if place:
        qs = qs.filter(place=place)
    return _filters(qs, year=year, county=county, date_field="start_date", code_field="village__code")


def student_list(*, user, year: int | None = None, county: str | None = None) -> QuerySet[VocationalStudent]:
    qs = VocationalStudent.objects.restrict(user, "view").select_related("member", "village")
    return _filters(qs, year=year, county=county, date_field="enrolled_year", code_field="village__code")


def _aggregate_scope(user, model) -> Q:
    """Aggregates: the user's non-personal view scope (an eastern office sees its partners' totals)."""
    return access.prefixes_q(model.scope_field, access.scope_prefixes(user, "view", personal_data=False))


def placements_by_county_year(*, user) -> list[dict]:
    """[{county, year, people, placements, partner_province, months}] over the user's aggregate scope."""
    qs = Placement.objects.filter(_aggregate_scope(user, Placement))
    rows = (qs.annotate(county=Substr("village_id", 1, 6), year=ExtractYear("start_date"))
            .values("county", "year")
            .annotate(placements=Count("id"), people=Count("member_id", distinct=True),
                      partner_province=Count("id", filter=Q(place=Place.PARTNER_PROVINCE)),
                      months=Sum("months_employed"))
            .order_by("county", "year"))
    return list(rows)


def students_by_county_year(*, user) -> list[dict]:
    qs = VocationalStudent.objects.filter(_aggregate_scope(user, VocationalStudent))
    return list(qs.annotate(county=Substr("village_id", 1, 6)).values("county", "enrolled_year")
                .annotate(students=Count("id")).order_by("county", "enrolled_year"))
