"""Reads of field work, always through the scope layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from .models import AssistanceMeasure


def measure_list(*, user) -> QuerySet[AssistanceMeasure]:
    return AssistanceMeasure.objects.restrict(user, "view").select_related("household")


def household_measures(*, user, household) -> QuerySet[AssistanceMeasure]:
    return AssistanceMeasure.objects.restrict(user, "view").filter(household=household).order_by("on", "id")


def case_measures(*, user, case) -> QuerySet[AssistanceMeasure]:
    return AssistanceMeasure.objects.restrict(user, "view").filter(case=case).order_by("on", "id")


@dataclass
class YearRow:
    """One year of a household: its income facts beside the measures it received."""

    year: int
    facts: object = None  # registry.HouseholdYear or None
    measures: list = field(default_factory=list)

    @property
    def total(self):
        return sum((m.amount for m in self.measures), Decimal("0.00"))


def household_years_with_measures(*, user, household, years) -> list[YearRow]:
    """Newest year first: every year with facts or measures (the household page, the phone page)."""
    rows: dict[int, YearRow] = {}
    for hy in years:
        rows[hy.year] = YearRow(year=hy.year, facts=hy)
    for m in household_measures(user=user, household=household):
        rows.setdefault(m.year, YearRow(year=m.year)).measures.append(m)
    return [rows[y] for y in sorted(rows, reverse=True)]
