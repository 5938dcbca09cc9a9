"""Writes of cooperation records: one use case per function, validated, scope-checked, audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiezuo.accounts import audit
from xiezuo.accounts.access import ensure_within
from xiezuo.accounts.writes import save_audited
from xiezuo.projects.money import exact_money

from .models import (
    INDICATOR_UNITS,
    Agreement,
    AgreementTarget,
    Enterprise,
    Meeting,
    Organisation,
    Pairing,
    Visit,
)
from .selectors import county_pairing_on
from .uscc import validate_uscc

ORG_FIELDS = ("name", "name_en", "kind", "division", "side", "uscc")
PAIRING_FIELDS = ("level", "east_division", "east_organisation", "west_division", "west_organisation", "round",
                  "basis", "valid_from", "valid_to")
AGREEMENT_FIELDS = ("title", "east_division", "west_division", "round", "signed_on", "valid_from", "valid_to")


def _apply(obj, fields, data):
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


def _clean_organisation(org: Organisation) -> None:
    if org.uscc:
        try:
            org.uscc = validate_uscc(org.uscc)
        except ValidationError as exc:
            raise ValidationError({"uscc": exc.messages}) from exc
    if org.division_id and org.side and org.division.side != org.side:
        raise ValidationError({"division": _("The division %(division)s is on the other side.")
                               % {"division": org.division}})
    org.full_clean()


def _org_scope_code(org: Organisation) -> str:
    return org.division_id


@transaction.atomic
def organisation_create(*, user, **data) -> Organisation:
    org = Organisation()
    _apply(org, ORG_FIELDS, data)
    _clean_organisation(org)
    ensure_within(user, _org_scope_code(org), "change")
    org.save()
    audit.record(action="cooperation.organisation.created", user=user, target=org, after=audit.snapshot(org))
    return org


@transaction.atomic
def organisation_update(*, user, organisation: Organisation, **data) -> Organisation:
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    ensure_within(user, org.division_id, "change")
    before = audit.snapshot(org)
    _apply(org, ORG_FIELDS, data)
    _clean_organisation(org)
    ensure_within(user, org.division_id, "change")
    org.save()
    audit.record(action="cooperation.organisation.updated", user=user, target=org, before=before,
                 after=audit.snapshot(org))
    return org


def _clean_pairing(p: Pairing) -> None:
    errors: dict[str, str] = {}
    if p.east_organisation_id and not p.east_division_id:
        p.east_division = p.east_organisation.division
    if p.west_organisation_id and not p.west_division_id:
        p.west_division = p.west_organisation.division
    if p.east_division_id and p.east_division.side != "east":
        errors["east_division"] = _("The eastern party must be a division in the east.")
    if p.west_division_id and p.west_division.side != "west":
        errors["west_division"] = _("The western party must be a division in the west.")
    if p.east_organisation_id and p.east_organisation.side != "east":
        errors["east_organisation"] = _("The eastern organisation must be on the eastern side.")
    if p.west_organisation_id and p.west_organisation.side != "west":
        errors["west_organisation"] = _("The western organisation must be on the western side.")
    if p.valid_to and p.valid_from and p.valid_to < p.valid_from:
        errors["valid_to"] = _("The pairing cannot end (%(end)s) before it starts (%(start)s).") % {
            "end": p.valid_to, "start": p.valid_from}
    if errors:
        raise ValidationError(errors)
    p.full_clean()


@transaction.atomic
def pairing_create(*, user, **data) -> Pairing:
    p = Pairing()
    _apply(p, PAIRING_FIELDS, data)
    _clean_pairing(p)
    ensure_within(user, p.west_division_id, "change")
    p.save()
    audit.record(action="cooperation.pairing.created", user=user, target=p, after=audit.snapshot(p))
    return p


@transaction.atomic
def pairing_update(*, user, pairing: Pairing, **data) -> Pairing:
    p = Pairing.objects.select_for_update().get(pk=pairing.pk)
    ensure_within(user, p.west_division_id, "change")
    before = audit.snapshot(p)
    _apply(p, PAIRING_FIELDS, data)
    _clean_pairing(p)
    ensure_within(user, p.west_division_id, "change")
    p.save()
    audit.record(action="cooperation.pairing.updated", user=user, target=p, before=before, after=audit.snapshot(p))
    return p


def _clean_agreement(a: Agreement) -> None:
    if a.valid_to and a.valid_from and a.valid_to < a.valid_from:
        raise ValidationError({"valid_to": _("The agreement cannot end before it starts.")})
    a.full_clean()


@transaction.atomic
def agreement_create(*, user, **data) -> Agreement:
    a = Agreement()
    _apply(a, AGREEMENT_FIELDS, data)
    _clean_agreement(a)
    ensure_within(user, a.west_division_id, "change")
    a.save()
    audit.record(action="cooperation.agreement.created", user=user, target=a, after=audit.snapshot(a))
    return a


@transaction.atomic
def agreement_update(*, user, agreement: Agreement, **data) -> Agreement:
    a = Agreement.objects.select_for_update().get(pk=agreement.pk)
    ensure_within(user, a.west_division_id, "change")
    before = audit.snapshot(a)
    _apply(a, AGREEMENT_FIELDS, data)
    _clean_agreement(a)
    ensure_within(user, a.west_division_id, "change")
    a.save()
    audit.record(action="cooperation.agreement.updated", user=user, target=a, before=before, after=audit.snapshot(a))
    return a


@transaction.atomic
def agreement_target_set(*, user, agreement: Agreement, year: int, indicator: str, target: Decimal,
                         unit: str = "") -> AgreementTarget:
    """Set (create or replace) one year's target for one indicator."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk)
    ensure_within(user, agreement.west_division_id, "change")
    if target is None or target < 0:
        raise ValidationError({"target": _("A target is a number of zero or more.")})
    if not (agreement.valid_from.year <= year and (agreement.valid_to is None or year <= agreement.valid_to.year)):
        raise ValidationError({"year": _("%(year)s lies outside the agreement's period.") % {"year": year}})
    row = AgreementTarget.objects.filter(agreement=agreement, year=year, indicator=indicator).first()
    before = audit.snapshot(row)
    if row is None:
        row = AgreementTarget(agreement=agreement, year=year, indicator=indicator)
    row.target = Decimal(target).quantize(Decimal("0.01"))
    row.unit = unit or INDICATOR_UNITS.get(indicator, "")
    row.full_clean()
    row.save()
    audit.record(action="cooperation.target.set", user=user, target=row, before=before, after=audit.snapshot(row))
    return row


# --- visits, meetings and enterprise investment ------------------------------------------------

VISIT_FIELDS = ("date", "kind", "title", "leader", "west_division", "east_division", "pairing", "note")
MEETING_FIELDS = ("date", "kind", "title", "west_division", "east_division", "pairing", "note")
ENTERPRISE_FIELDS = ("name", "organisation", "uscc", "west_division", "east_division", "pairing", "year", "industry",
                     "investment_planned", "investment_arrived", "in_production", "poor_people_driven", "note")


def _check_sides(obj) -> None:
    errors = {}
    w = obj.west_division if obj.west_division_id else None
    if w is None or w.side != "west" or w.level != "county":
        errors["west_division"] = _("Choose the western county.")
    if obj.east_division_id and obj.east_division.side != "east":
        errors["east_division"] = _("The eastern partner must be a division in the east.")
    if errors:
        raise ValidationError(errors)


def _link_pairing(obj, on: dt.date, *, pairing_given: bool) -> None:
    """Keep a pairing the caller chose (it must join the same western county); otherwise link the
    county pairing valid on `on`, when the eastern partner is known."""
    if pairing_given and obj.pairing_id:
        if obj.pairing.west_division_id != obj.west_division_id:
            raise ValidationError({"pairing": _("The pairing is not one of %(county)s.")
                                   % {"county": obj.west_division}})
        if not obj.east_division_id:
            obj.east_division_id = obj.pairing.east_division_id
        return
    obj.pairing = county_pairing_on(obj.east_division_id, obj.west_division_id, on)


def _write(*, user, obj, fields, data, action, before=None, clean=None, on=None):
    _apply(obj, fields, data)
    if clean is not None:
        clean(obj)
    _check_sides(obj)
    _link_pairing(obj, on(obj) if on else obj.date, pairing_given="pairing" in data)
    return save_audited(user=user, instance=obj, before=before, action=action, division_code=obj.west_division_id)


def _create(model, *, user, data, **how):
    """A new visit, meeting or enterprise; the county is checked before any lookup outside the user's area."""
    if data.get("west_division") is not None:
        ensure_within(user, data["west_division"].code, "change")
    return _write(user=user, obj=model(), data=data, **how)


def _update(obj, *, user, data, **how):
    """A stored one, locked, in the user's area, audited with its state before."""
    obj = type(obj).objects.select_for_update().get(pk=obj.pk)
    ensure_within(user, obj.west_division_id, "change")
    return _write(user=user, obj=obj, data=data, before=audit.snapshot(obj), **how)


@transaction.atomic
def visit_create(*, user, **data) -> Visit:
    return _create(Visit, user=user, data=data, fields=VISIT_FIELDS, action="cooperation.visit.created")


@transaction.atomic
def visit_update(*, user, visit: Visit, **data) -> Visit:
    return _update(visit, user=user, data=data, fields=VISIT_FIELDS, action="cooperation.visit.updated")


@transaction.atomic
def meeting_create(*, user, **data) -> Meeting:
    return _create(Meeting, user=user, data=data, fields=MEETING_FIELDS, action="cooperation.meeting.created")


@transaction.atomic
def meeting_update(*, user, meeting: Meeting, **data) -> Meeting:
    return _update(meeting, user=user, data=data, fields=MEETING_FIELDS, action="cooperation.meeting.updated")


def _money(value, field: str) -> Decimal:
    """Exact yuan, zero or more (blank is zero), at most two decimal places; floats are refused."""
    if value is None or value == "":
        return Decimal("0.00")
    return exact_money(value, field=field, allow_zero=True)


def _clean_enterprise(e: Enterprise) -> None:
    e.investment_planned = _money(e.investment_planned, "investment_planned")
    e.investment_arrived = _money(e.investment_arrived, "investment_arrived")
    if e.poor_people_driven is None or e.poor_people_driven < 0:
        raise ValidationError({"poor_people_driven": _("The number of poor people driven cannot be negative.")})
    if e.organisation_id:
        if not e.name:
            e.name = e.organisation.name
        if not e.uscc:
            e.uscc = e.organisation.uscc
    if e.uscc:
        try:
            e.uscc = validate_uscc(e.uscc)
        except ValidationError as exc:
            raise ValidationError({"uscc": exc.messages}) from exc


def _enterprise_day(e: Enterprise) -> dt.date:
    # The pairing valid at the end of the year; a pairing that started later in the year still counts.
    end = dt.date(e.year, 12, 31)
    if county_pairing_on(e.east_division_id, e.west_division_id, end) is None:
        return dt.date(e.year, 1, 1)
    return end


@transaction.atomic
def enterprise_create(*, user, **data) -> Enterprise:
    return _create(Enterprise, user=user, data=data, fields=ENTERPRISE_FIELDS, clean=_clean_enterprise,
                   on=_enterprise_day, action="cooperation.enterprise.created")


@transaction.atomic
def enterprise_update(*, user, enterprise: Enterprise, **data) -> Enterprise:
    return _update(enterprise, user=user, data=data, fields=ENTERPRISE_FIELDS, clean=_clean_enterprise,
                   on=_enterprise_day, action="cooperation.enterprise.updated")
