"""Writes of cooperation records: one use case per function, validated, scope-checked, audited."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiezuo.accounts import audit
from xiezuo.accounts.access import ensure_within

from .models import INDICATOR_UNITS, Agreement, AgreementTarget, Organisation, Pairing
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
