"""Writes of assistance measures: one use case per function, one transaction, scope re-checked, audited.

`measure_record` is the one writer: the household page, the import sheet, the phone's visit and the
monitoring case's assistance step (`monitoring.services.measure_add`, which adds the case's own
rules first) all call it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiezuo.accounts import access, audit
from xiezuo.registry.models import Household

from .models import FIRST_YEAR, AssistanceMeasure, Category

CHANGEABLE = ("category", "content", "helping_unit", "helper", "amount", "on", "end_on", "result")


def _fk(user):
    return user if getattr(user, "pk", None) else None


def _amount(value) -> Decimal:
    try:
        amount = Decimal(value if value not in (None, "") else "0")
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError({"amount": _("The amount is not a number.")}) from exc
    if amount < 0:
        raise ValidationError({"amount": _("The amount cannot be negative.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("The amount has more than two decimals (fen).")})
    return amount.quantize(Decimal("0.01"))


def _check(*, household: Household, category: str, on: dt.date, end_on: dt.date | None) -> None:
    if category not in Category.values:
        raise ValidationError({"category": _("Unknown category %(c)s.") % {"c": category}})
    if on is None:
        raise ValidationError({"on": _("The date is required.")})
    if on.year < FIRST_YEAR:
        raise ValidationError({"on": _("Measures are recorded from %(year)d on.") % {"year": FIRST_YEAR}})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    if end_on and end_on < on:
        raise ValidationError({"end_on": _("The end date is before the start date.")})


def _check_links(*, household: Household, beneficiary=None, placement=None, attendee=None) -> None:
    """A linked cooperation record must concern the same household."""
    if beneficiary is not None and beneficiary.household_id != household.pk:
        raise ValidationError(_("The project beneficiary link belongs to another household."))
    if placement is not None and placement.member.household_id != household.pk:
        raise ValidationError(_("The job placement belongs to a member of another household."))
    if attendee is not None and (attendee.member is None or attendee.member.household_id != household.pk):
        raise ValidationError(_("The training place belongs to no member of this household."))


@transaction.atomic
def measure_record(*, household: Household, category: str, on: dt.date, user, content: str = "",
                   helping_unit: str = "", helper: str = "", amount: Decimal | str | int = Decimal("0.00"),
                   end_on: dt.date | None = None, result: str = "", case=None, risk_type: str = "",
                   beneficiary=None, placement=None, attendee=None) -> AssistanceMeasure:
    """Record one assistance measure for a household (optionally for a monitoring case's risk)."""
    household = Household.objects.select_related("village").get(pk=household.pk)
    access.ensure_within(user, household.village_id, "change", personal_data=True)
    _check(household=household, category=category, on=on, end_on=end_on)
    if case is not None:
        if case.household_id != household.pk:
            raise ValidationError(_("The case belongs to another household."))
        if risk_type not in case.risk_types:
            raise ValidationError({"risk_type": _("Risk %(risk)s is not one of this case's risks.")
                                   % {"risk": risk_type}})
    elif risk_type:
        raise ValidationError({"risk_type": _("A risk is named only for a measure taken for a monitoring case.")})
    _check_links(household=household, beneficiary=beneficiary, placement=placement, attendee=attendee)
    measure = AssistanceMeasure(
        household=household, year=on.year, category=category, content=content.strip(),
        helping_unit=helping_unit.strip(), helper=helper.strip(), amount=_amount(amount), on=on, end_on=end_on,
        result=result.strip(), case=case, risk_type=risk_type, beneficiary=beneficiary, placement=placement,
        attendee=attendee, created_by=_fk(user))
    measure.full_clean()
    measure.save()
    audit.record(action="field.measure.recorded", user=user, target=measure, after=audit.snapshot(measure),
                 division_code=household.village_id)
    return measure


@transaction.atomic
def measure_update(*, measure: AssistanceMeasure, user, **changes) -> AssistanceMeasure:
    """Correct a measure's descriptive fields (not its household, case or links)."""
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"not changeable: {sorted(unknown)}")
    measure = AssistanceMeasure.objects.select_for_update().select_related("household").get(pk=measure.pk)
    access.ensure_within(user, measure.household.village_id, "change", personal_data=True)
    before = audit.snapshot(measure)
    for name, value in changes.items():
        setattr(measure, name, _amount(value) if name == "amount" else value)
    _check(household=measure.household, category=measure.category, on=measure.on, end_on=measure.end_on)
    measure.year = measure.on.year
    measure.full_clean()
    measure.save()
    audit.record(action="field.measure.updated", user=user, target=measure, before=before,
                 after=audit.snapshot(measure), division_code=measure.household.village_id)
    return measure


# ---------------------------------------------------------------- cadres' sign-ins (帮扶责任人)

def _may_manage(user) -> None:
    if not access.can_manage_cadre_accounts(user):
        raise PermissionDenied("may not manage cadre accounts")


@transaction.atomic
def cadre_account_create(*, actor, division, name: str, username: str, password: str, work_unit: str = "",
                         post: str = "", phone: str = ""):
    """A person responsible and their sign-in for the phone app, in one go: the registry's cadre record, a
    village-staff (or township-staff) user with an edit grant on the cadre's village (or township), and the link.
    The division must lie in the actor's edit scope; the actor needs `access.can_manage_cadre_accounts`."""
    from xiezuo.accounts.services import field_user_create
    from xiezuo.registry.services import cadre_create

    from .models import CadreAccount

    _may_manage(actor)
    if division.level not in ("village", "township") or division.side != "west":
        raise ValidationError({"division": _("Choose the cadre's village (or township).")})
    cadre = cadre_create(user=actor, division=division, name=name, work_unit=work_unit, post=post, phone=phone)
    user = field_user_create(actor=actor, username=username, password=password, display_name=name,
                             role="village_staff" if division.level == "village" else "township_staff",
                             division=division)
    account = CadreAccount.objects.create(user=user, cadre=cadre)
    audit.record(action="field.cadre_account.created", user=actor, target=account,
                 after={"user": user.username, "cadre": cadre.pk}, division_code=division.code)
    return account


def cadre_households_assign(*, actor, cadre, household_ids: list[int]) -> int:
    """Make `cadre` the person responsible for these households (registry's service re-checks the scope and the
    county); only for those who may manage cadres' accounts."""
    from xiezuo.registry.services import household_cadre_assign

    _may_manage(actor)
    return household_cadre_assign(user=actor, cadre=cadre, household_ids=household_ids)


def cadre_households_release(*, actor, cadre, household_ids: list[int]) -> int:
    """Take these households off `cadre`; only for those who may manage cadres' accounts."""
    from xiezuo.registry.services import household_cadre_release

    _may_manage(actor)
    return household_cadre_release(user=actor, cadre=cadre, household_ids=household_ids)
