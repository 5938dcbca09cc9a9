"""Talent pages: exchange postings and training sessions (see `xiezuo.labor.crud.Entity`)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import can_see_personal_data
from xiezuo.labor.crud import Column, Entity, Filter, county_filter, east_counties, year_filter

from . import forms, selectors, services
from .models import Exchange, TrainingSession


def _exchange_totals(qs):
    agg = qs.aggregate(cadres=Count("id", filter=Q(kind=Exchange.Kind.CADRE)), all=Count("id"))
    return [(_("Cadres"), agg["cadres"]), (_("Professionals"), agg["all"] - agg["cadres"])]


def _session_extra(request, session):
    attendees = session.attendees.restrict(request.user, "view").select_related("member") \
        if can_see_personal_data(request.user) else []
    return {"extra_template": "talent/_attendees.html", "attendees": attendees,
            "listed": session.attendees.count()}


def _county_pairings() -> list[tuple[str, str]]:
    from xiezuo.cooperation.models import Pairing

    return [(str(p.pk), f"{p.east_division.name}—{p.west_division.name} ({p.round})")
            for p in Pairing.objects.filter(level="county").select_related("east_division", "west_division")
            .order_by("west_division_id", "valid_from")]


EXCHANGES = Entity(
    app="talent", name="exchange", model=Exchange, title=_("Cadre and professional exchanges"),
    selector=selectors.exchange_list, form=forms.ExchangeForm, create=services.exchange_create,
    update=services.exchange_update, update_kwarg="exchange",
    filters=[year_filter(), county_filter(), Filter("partner", _("Pairing (eastern partner)"), east_counties),
             Filter("pairing", _("Pairing"), _county_pairings),
             Filter("direction", _("Direction"), lambda: list(Exchange.Direction.choices))],
    total=_exchange_totals,
    columns=[Column(_("Person"), lambda e: e.person_name), Column(_("Type"), lambda e: e.get_kind_display()),
             Column(_("Direction"), lambda e: e.get_direction_display()),
             Column(_("Western county"), lambda e: e.west_division.name),
             Column(_("Eastern partner"), lambda e: e.east_division.name),
             Column(_("Host unit"), lambda e: e.host_unit), Column(_("Start"), lambda e: e.start_date),
             Column(_("Months"), lambda e: e.months, num=True)],
)
SESSIONS = Entity(
    app="talent", name="session", model=TrainingSession, title=_("Training sessions"),
    selector=selectors.session_list, form=forms.SessionForm, create=services.session_create,
    update=services.session_update, update_kwarg="session",
    filters=[year_filter(), county_filter(),
             Filter("audience", _("Audience"), lambda: list(TrainingSession.Audience.choices))],
    total=lambda qs: [(_("Sessions (期)"), selectors.training_totals(qs)["sessions"]),
                      (_("Person-times (人次)"), selectors.training_totals(qs)["person_times"])],
    detail_extra=_session_extra,
    columns=[Column(_("Title"), lambda s: s.title), Column(_("Date"), lambda s: s.date),
             Column(_("Audience"), lambda s: s.get_audience_display()),
             Column(_("Western county"), lambda s: s.west_division.name),
             Column(_("Sessions (期)"), lambda s: s.sessions, num=True),
             Column(_("Person-times (人次)"), lambda s: s.listed or s.headcount, num=True)],
)
ENTITIES = [EXCHANGES, SESSIONS]
