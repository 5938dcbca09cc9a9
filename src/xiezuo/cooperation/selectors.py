"""Reads of cooperation records, always through the scope layer."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from xiezuo.accounts.access import PartnerPeriod, get_scoped_or_404
from xiezuo.geo.models import code_prefix

from .models import Agreement, AgreementTarget, Enterprise, Meeting, Organisation, Pairing, Visit


def partner_periods_for_east_user(user) -> list[PartnerPeriod]:
    """Every pairing, past, present or open-ended, of a division the eastern office holds a grant
    on (its own division or one below it), as (western prefix, from, to).

    Registered with `accounts.access` in CooperationConfig.ready: the scope layer asks for these
    to decide what an eastern office sees, so this reads pairings unscoped on purpose.
    """
    grants = list(user.grants.select_related("division"))
    if not grants:
        return []
    east = Q()
    for grant in grants:
        east |= Q(east_division__code__startswith=code_prefix(grant.division.code, grant.division.level))
    rows = (Pairing.objects.filter(east)
            .values_list("west_division__code", "west_division__level", "valid_from", "valid_to").distinct())
    return [PartnerPeriod(code_prefix(code, level), start, end) for code, level, start, end in rows]


def west_prefixes_for_east_user(*, user, on: dt.date | None = None) -> list[str]:
    """Division-code prefixes of the western divisions paired with the eastern office on `on` (today)."""
    on = on or timezone.localdate()
    return minimal_prefixes({p.prefix for p in partner_periods_for_east_user(user) if p.in_force(on)})


def minimal_prefixes(prefixes) -> list[str]:
    """Drop prefixes already covered by a shorter one (a city's `PPCC` covers its county's `PPCCDD`)."""
    kept: list[str] = []
    for prefix in sorted(prefixes, key=lambda p: (len(p), p)):
        if not any(prefix.startswith(k) for k in kept):
            kept.append(prefix)
    return sorted(kept)


def organisation_list(*, user, side: str = "", kind: str = "", county: str = "", search: str = "") -> QuerySet:
    qs = Organisation.objects.restrict(user, "view").select_related("division")
    if side:
        qs = qs.filter(side=side)
    if kind:
        qs = qs.filter(kind=kind)
    if county:
        qs = qs.filter(division__code__startswith=county)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(uscc__icontains=search))
    return qs


def pairing_list(*, user, year: int | None = None, county: str = "", level: str = "", round: str = "") -> QuerySet:
    qs = Pairing.objects.restrict(user, "view").select_related(
        "east_division", "west_division", "east_organisation", "west_organisation")
    if year:
        qs = qs.filter(valid_from__year__lte=year).filter(Q(valid_to__isnull=True) | Q(valid_to__year__gte=year))
    if county:
        qs = qs.filter(west_division__code__startswith=county)
    if level:
        qs = qs.filter(level=level)
    if round:
        qs = qs.filter(round=round)
    return qs


def agreement_list(*, user, year: int | None = None, county: str = "") -> QuerySet:
    qs = Agreement.objects.restrict(user, "view").select_related("east_division", "west_division")
    if year:
        qs = qs.filter(valid_from__year__lte=year).filter(Q(valid_to__isnull=True) | Q(valid_to__year__gte=year))
    if county:
        qs = qs.filter(west_division__code__startswith=county[:4])
    return qs


def agreement_targets(*, user, agreement: Agreement) -> QuerySet:
    return AgreementTarget.objects.restrict(user, "view").filter(agreement=agreement)


def organisation_detail(*, user, pk: int) -> Organisation:
    return get_scoped_or_404(Organisation.objects.select_related("division"), user, pk=pk)


def pairing_detail(*, user, pk: int) -> Pairing:
    return get_scoped_or_404(Pairing.objects.all(), user, pk=pk)


def agreement_detail(*, user, pk: int) -> Agreement:
    return get_scoped_or_404(Agreement.objects.all(), user, pk=pk)


def in_force_q(year: int, *, start: str = "valid_from", end: str = "valid_to") -> Q:
    """In force at the end of `year`: started by 31 December and not ended before it. The one
    definition of a pairing counted in a year, for the book figures (`pairing_counts`) and the
    assessment's pairing indicators alike."""
    last = dt.date(year, 12, 31)
    return Q(**{f"{start}__lte": last}) & (Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": last}))


def pairing_counts(*, year: int, prefix: str = "") -> dict[str, int]:
    """Pairings in force at the end of `year`, by level, of western divisions under `prefix`
    (unscoped; for the book figures)."""
    qs = Pairing.objects.filter(in_force_q(year), west_division__code__startswith=prefix)
    counts: dict[str, int] = {}
    for level in qs.values_list("level", flat=True):
        counts[level] = counts.get(level, 0) + 1
    return counts


def county_pairing_on(east_code: str | None, west_code: str | None, on: dt.date | None) -> Pairing | None:
    """The county-level pairing between these two divisions valid on `on` (the latest to start, if they overlap).

    Unscoped: it links a record the caller may already write to its pairing (talent postings and trainings)."""
    if not (east_code and west_code and on):
        return None
    qs = Pairing.objects.filter(level="county", east_division_id=east_code, west_division_id=west_code,
                                valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    return qs.order_by("-valid_from", "-id").first()


ACTIVITY_MODELS = {"visit": Visit, "meeting": Meeting, "enterprise": Enterprise}


def activity_list(kind: str, *, user, year: int | None = None, county: str = "") -> QuerySet:
    """Visits, meetings or enterprises the user may see, by year (a visit's or meeting's date, an
    enterprise's year) and western county."""
    model = ACTIVITY_MODELS[kind]
    qs = model.objects.restrict(user, "view").select_related("west_division", "east_division")
    if year:
        qs = qs.filter(year=year) if model is Enterprise else qs.filter(date__year=year)
    if county:
        qs = qs.filter(west_division__code__startswith=county)
    return qs


def activity_detail(kind: str, *, user, pk: int):
    return get_scoped_or_404(ACTIVITY_MODELS[kind].objects.all(), user, pk=pk)
