"""Reads of the registry, always scoped through accounts.access."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Household, HouseholdYear, Member


def household_list(*, user, village_prefix: str = "", search: str = "", status: str = "") -> QuerySet[Household]:
    qs = Household.objects.restrict(user, "view").select_related("village")
    if village_prefix:
        qs = qs.filter(village__code__startswith=village_prefix)
    if status:
        qs = qs.filter(status=status)
    if search:
        from xiezuo.accounts import crypto

        term = search.strip()
        if len(term) in (15, 18) and term[:-1].isdigit():
            qs = qs.filter(members__id_number_hash=crypto.lookup_hash(term)).distinct()
        else:
            qs = qs.filter(head_name__contains=term) | qs.filter(number__contains=term)
    return qs.order_by("number")


def household_detail(*, user, pk: int) -> Household:
    from xiezuo.accounts.access import get_scoped_or_404

    return get_scoped_or_404(Household.objects.select_related("village", "cadre"), user, "view", pk=pk)


def household_members(*, user, household: Household) -> QuerySet[Member]:
    return Member.objects.restrict(user, "view").filter(household=household).order_by("relation", "birth_date")


def household_years(*, user, household: Household) -> QuerySet[HouseholdYear]:
    return HouseholdYear.objects.restrict(user, "view").filter(household=household).order_by("year")
