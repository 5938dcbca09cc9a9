"""Writes for talent exchange and training: one use case per function, one transaction, audited.

Rules: the western county is a western county, the partner an eastern division; dates in
order; a posting or training is linked to the county pairing valid on its date; a session counts at least one 期 and either listed attendees or a headcount; attendees
linked to the registry must be alive members in the user's area.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiezuo.accounts import access, audit
from xiezuo.accounts.writes import apply_fields as _apply
from xiezuo.accounts.writes import save_audited as _save
from xiezuo.cooperation.selectors import county_pairing_on
from xiezuo.labor.rules import dates_in_order, division_is

from .models import Attendee, Exchange, TrainingSession


def _validate_exchange(e: Exchange) -> None:
    division_is(e.west_division, level="county", side="west", field="west_division")
    division_is(e.east_division, level=("province", "city", "county"), side="east", field="east_division")
    dates_in_order(e.start_date, e.end_date)
    if e.direction not in Exchange.Direction.values:
        raise ValidationError({"direction": _("Choose the direction of the posting.")})
    if e.kind not in Exchange.Kind.values:
        raise ValidationError({"kind": _("Choose the type of the person posted.")})
    e.pairing = county_pairing_on(e.east_division_id, e.west_division_id, e.start_date)


@transaction.atomic
def exchange_create(*, user, person_name: str, direction: str, kind: str, home_unit: str, host_unit: str,
                    west_division, east_division, start_date: dt.date, end_date: dt.date | None = None) -> Exchange:
    e = Exchange(person_name=person_name, direction=direction, kind=kind, home_unit=home_unit, host_unit=host_unit,
                 west_division=west_division, east_division=east_division, start_date=start_date, end_date=end_date)
    _validate_exchange(e)
    return _save(user=user, instance=e, before=None, action="talent.exchange.created",
                 division_code=west_division.code)


@transaction.atomic
def exchange_update(*, user, exchange: Exchange, **fields) -> Exchange:
    access.ensure_within(user, exchange.west_division_id, "change")
    before = audit.snapshot(exchange)
    _apply(exchange, fields)
    _validate_exchange(exchange)
    return _save(user=user, instance=exchange, before=before, action="talent.exchange.updated",
                 division_code=exchange.west_division_id)


def _validate_session(s: TrainingSession) -> None:
    division_is(s.west_division, level="county", side="west", field="west_division")
    if s.east_division is not None:
        division_is(s.east_division, level=("province", "city", "county"), side="east", field="east_division")
    if not s.sessions or s.sessions < 1:
        raise ValidationError({"sessions": _("A training counts at least one session (期).")})
    if s.headcount is None or s.headcount < 0:
        raise ValidationError({"headcount": _("The headcount cannot be negative.")})
    if s.audience not in TrainingSession.Audience.values:
        raise ValidationError({"audience": _("Choose the audience.")})
    s.pairing = county_pairing_on(s.east_division_id, s.west_division_id, s.date)


@transaction.atomic
def session_create(*, user, title: str, date: dt.date, place: str, organiser: str, audience: str, west_division,
                   east_division=None, sessions: int = 1, headcount: int = 0) -> TrainingSession:
    s = TrainingSession(title=title, date=date, place=place, organiser=organiser, audience=audience,
                        west_division=west_division, east_division=east_division, sessions=sessions,
                        headcount=headcount)
    _validate_session(s)
    return _save(user=user, instance=s, before=None, action="talent.session.created",
                 division_code=west_division.code)


@transaction.atomic
def session_update(*, user, session: TrainingSession, **fields) -> TrainingSession:
    access.ensure_within(user, session.west_division_id, "change")
    before = audit.snapshot(session)
    _apply(session, fields)
    _validate_session(session)
    return _save(user=user, instance=session, before=before, action="talent.session.updated",
                 division_code=session.west_division_id)


@transaction.atomic
def attendee_add(*, user, session: TrainingSession, name: str, unit: str = "", member=None) -> Attendee:
    if member is not None:
        if not type(member).objects.restrict(user, "change").filter(pk=member.pk).exists():
            raise ValidationError({"member": _("This member is not in your area.")})
        if member.deceased:
            raise ValidationError({"member": _("This member is recorded as deceased or gone.")})
    a = Attendee(session=session, name=name, unit=unit, member=member)
    return _save(user=user, instance=a, before=None, action="talent.attendee.added",
                 division_code=session.west_division_id, personal=True)
