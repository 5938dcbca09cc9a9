"""Reads for talent exchange and training, always through the scope layer."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet, Sum

from .models import Attendee, Exchange, TrainingSession


def exchange_list(*, user, year: int | None = None, county: str | None = None, partner: str | None = None,
                  direction: str | None = None, pairing: int | str | None = None) -> QuerySet[Exchange]:
    """`partner` (an eastern county code) filters by the exchange's pairing when it has one, else
    by its recorded eastern partner; `pairing` is a cooperation.Pairing id."""
    qs = Exchange.objects.restrict(user, "view").select_related("west_division", "east_division")
    if year:
        qs = qs.filter(start_date__year=year)
    if county:
        qs = qs.filter(west_division__code__startswith=county[:6])
    if partner:
        qs = qs.filter(Q(pairing__east_division__code__startswith=partner[:6])
                       | Q(pairing__isnull=True, east_division__code__startswith=partner[:6]))
    if pairing and str(pairing).isdigit():
        qs = qs.filter(pairing_id=int(pairing))
    if direction:
        qs = qs.filter(direction=direction)
    return qs


def session_list(*, user, year: int | None = None, county: str | None = None,
                 audience: str | None = None) -> QuerySet[TrainingSession]:
    qs = TrainingSession.objects.restrict(user, "view").select_related("west_division", "east_division") \
        .annotate(listed=Count("attendees")).order_by("-date", "id")
    if year:
        qs = qs.filter(date__year=year)
    if county:
        qs = qs.filter(west_division__code__startswith=county[:6])
    if audience:
        qs = qs.filter(audience=audience)
    return qs


def training_totals(qs: QuerySet[TrainingSession]) -> dict:
    """Sessions (期) and person-times (人次: listed attendees, else the headcount)."""
    sessions = qs.aggregate(n=Sum("sessions"))["n"] or 0
    listed = qs.filter(attendees__isnull=False).values("id").distinct()
    by_headcount = qs.exclude(id__in=listed).aggregate(n=Sum("headcount"))["n"] or 0
    attendee_rows = Attendee._base_manager.filter(session__in=qs.values("id")).count()
    medical = qs.filter(audience="medical").aggregate(n=Sum("headcount"))["n"] or 0
    return {"sessions": sessions, "person_times": by_headcount + attendee_rows, "medical_headcount": medical}


def exchanges_by_county_year(*, user) -> list[dict]:
    qs = Exchange.objects.restrict(user, "view")
    return list(qs.values("west_division_id", "start_date__year")
                .annotate(cadres=Count("id", filter=Q(kind="cadre")),
                          professionals=Count("id", filter=~Q(kind="cadre")))
                .order_by("west_division_id", "start_date__year"))
