"""Reads of field work, always through the scope layer."""

from __future__ import annotations

import datetime as dt
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


def my_households(*, user):
    """The cadre's households (their person responsible is the user's cadre record) and the households
    of the same villages with an open monitoring case; within the user's scope."""
    from django.db.models import Q

    from xiezuo.monitoring import workflow as wf
    from xiezuo.registry.models import Household

    qs = Household.objects.restrict(user, "view")
    account = getattr(user, "cadre_account", None) if getattr(user, "pk", None) else None
    if account is None:
        return qs.none()
    mine = Q(cadre_id=account.cadre_id)
    villages = list(qs.filter(mine).values_list("village_id", flat=True).distinct())
    with_cases = Q(village_id__in=villages, monitoring_cases__stage__in=wf.OPEN_STAGES)
    return qs.filter(mine | with_cases).distinct().select_related("village").order_by("village_id", "number")


def visited_this_month(*, households, today) -> dict[int, dt.date]:
    """household id -> the latest visit date in `today`'s month."""
    from django.db.models import Max

    from .models import Visit

    start = today.replace(day=1)
    rows = (Visit.objects.filter(household__in=households, on__gte=start, on__lte=today).values("household_id")
            .annotate(last=Max("on")))
    return {r["household_id"]: r["last"] for r in rows}


def visit_counts(*, user, today, by: str = "village") -> list[dict]:
    """Visits made this month against visits due (one a month per registered household with a person
    responsible), by village or by person responsible; scoped."""
    from django.db.models import Count

    from xiezuo.registry.models import Household

    from .models import Visit

    start = today.replace(day=1)
    key = {"village": "village_id", "cadre": "cadre__name"}[by]
    households = Household.objects.restrict(user, "view").filter(cadre__isnull=False)
    due = {r[key]: r["n"] for r in households.values(key).annotate(n=Count("id"))}
    visited = Visit.objects.restrict(user, "view").filter(on__gte=start, on__lte=today,
                                                          household__cadre__isnull=False)
    made = {r[f"household__{key}"]: r["n"] for r in visited.values(f"household__{key}")
            .annotate(n=Count("household_id", distinct=True))}
    return [{"key": k, "due": n, "made": made.get(k, 0), "missing": n - made.get(k, 0)} for k, n in sorted(due.items())]
