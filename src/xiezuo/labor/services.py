"""Writes for labour cooperation: one use case per function, one transaction, audited.

Rules: dates in order, wages exact and > 0, months employed 0–12, the member alive and in
the user's edit scope, USCC valid, workstations in the east serving a western county,
workshops in a western village.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiezuo.accounts import access, audit
from xiezuo.accounts.writes import apply_fields as _apply
from xiezuo.accounts.writes import save_audited as _save
from xiezuo.projects.money import exact_money

from .models import Place, Placement, VocationalStudent, Workshop, Workstation
from .rules import clean_uscc, dates_in_order, division_is, months_in_start_year

MIN_WORKING_AGE = 16





def _check_member(*, user, member, on: dt.date, min_age: int = 0) -> str:
    """The member's village code, after checking they are alive, in scope and old enough."""
    if member is None:
        raise ValidationError({"member": _("Choose a registry member.")})
    visible = type(member).objects.restrict(user, "change").filter(pk=member.pk).exists()
    if not visible:
        raise ValidationError({"member": _("This member is not in your area.")})
    if member.deceased:
        raise ValidationError({"member": _("%(name)s is recorded as deceased or gone; a record cannot be added.")
                               % {"name": member.name}})
    if min_age and member.age_in(on.year) < min_age:
        raise ValidationError({"member": _("%(name)s is under %(age)d on %(date)s.")
                               % {"name": member.name, "age": min_age, "date": on}})
    return member.household.village_id


# ------------------------------------------------------------------ workstations

def _validate_workstation(ws: Workstation) -> None:
    division_is(ws.east_division, level=("city", "county", "township"), side="east", field="east_division")
    division_is(ws.serves, level="county", side="west", field="serves")
    dates_in_order(ws.opened_on, ws.closed_on, field="closed_on")


@transaction.atomic
def workstation_create(*, user, name: str, east_division, serves, opened_on: dt.date,
                       closed_on: dt.date | None = None) -> Workstation:
    ws = Workstation(name=name, east_division=east_division, serves=serves, opened_on=opened_on, closed_on=closed_on)
    _validate_workstation(ws)
    return _save(user=user, instance=ws, before=None, action="labor.workstation.created", division_code=serves.code)


@transaction.atomic
def workstation_update(*, user, workstation: Workstation, **fields) -> Workstation:
    access.ensure_within(user, workstation.serves_id, "change")
    before = audit.snapshot(workstation)
    _apply(workstation, fields)
    _validate_workstation(workstation)
    return _save(user=user, instance=workstation, before=before, action="labor.workstation.updated",
                 division_code=workstation.serves_id)


# ------------------------------------------------------------------ workshops

def _validate_workshop(ws: Workshop) -> None:
    division_is(ws.village, level="village", side="west", field="village")
    ws.owner_uscc = clean_uscc(ws.owner_uscc, field="owner_uscc")
    if ws.jobs_offered is None or ws.jobs_offered < 0:
        raise ValidationError({"jobs_offered": _("Jobs offered cannot be negative.")})


@transaction.atomic
def workshop_create(*, user, name: str, village, opened_on: dt.date, jobs_offered: int = 0, owner_name: str = "",
                    owner_uscc: str = "") -> Workshop:
    ws = Workshop(name=name, village=village, opened_on=opened_on, jobs_offered=jobs_offered, owner_name=owner_name,
                  owner_uscc=owner_uscc)
    _validate_workshop(ws)
    return _save(user=user, instance=ws, before=None, action="labor.workshop.created", division_code=village.code)


@transaction.atomic
def workshop_update(*, user, workshop: Workshop, **fields) -> Workshop:
    access.ensure_within(user, workshop.village_id, "change")
    before = audit.snapshot(workshop)
    _apply(workshop, fields)
    _validate_workshop(workshop)
    return _save(user=user, instance=workshop, before=before, action="labor.workshop.updated",
                 division_code=workshop.village_id)


# ------------------------------------------------------------------ placements

def _validate_placement(p: Placement, *, user, months_employed: int | None) -> None:
    dates_in_order(p.start_date, p.end_date)
    p.monthly_wage = exact_money(p.monthly_wage, field="monthly_wage")
    p.village_id = _check_member(user=user, member=p.member, on=p.start_date, min_age=MIN_WORKING_AGE)
    if months_employed is None:
        months_employed = months_in_start_year(p.start_date, p.end_date)
    if not isinstance(months_employed, int) or not 0 <= months_employed <= 12:
        raise ValidationError({"months_employed": _("Months employed must be a whole number from 0 to 12.")})
    p.months_employed = months_employed
    if p.place not in Place.values:
        raise ValidationError({"place": _("Choose where the job is.")})
    if p.workstation is not None and p.place not in (Place.PARTNER_PROVINCE, Place.OTHER_PROVINCE):
        raise ValidationError({"workstation": _("Placements through an eastern workstation are outside the province.")})
    if p.workstation is not None and not p.village_id.startswith(p.workstation.serves_id[:6]):
        raise ValidationError({"workstation": _("This workstation serves another county.")})
    if p.workshop is not None:
        if p.place != Place.LOCAL:
            raise ValidationError({"workshop": _("A workshop job is a local job: set the place to local.")})
        if p.workshop.village_id[:6] != p.village_id[:6]:
            raise ValidationError({"workshop": _("This workshop is in another county.")})


@transaction.atomic
def placement_create(*, user, member, employer: str, place: str, start_date: dt.date, monthly_wage: Decimal,
                     end_date: dt.date | None = None, months_employed: int | None = None, workstation=None,
                     workshop=None) -> Placement:
    p = Placement(member=member, employer=employer, place=place, start_date=start_date, end_date=end_date,
                  monthly_wage=monthly_wage, workstation=workstation, workshop=workshop)
    _validate_placement(p, user=user, months_employed=months_employed)
    return _save(user=user, instance=p, before=None, action="labor.placement.created", division_code=p.village_id,
                 personal=True)


@transaction.atomic
def placement_update(*, user, placement: Placement, months_employed: int | None = None, **fields) -> Placement:
    access.ensure_within(user, placement.village_id, "change", personal_data=True)
    before = audit.snapshot(placement)
    _apply(placement, fields)
    _validate_placement(placement, user=user, months_employed=months_employed)
    return _save(user=user, instance=placement, before=before, action="labor.placement.updated",
                 division_code=placement.village_id, personal=True)


# ------------------------------------------------------------------ vocational students

def _validate_student(s: VocationalStudent, *, user) -> None:
    if not s.enrolled_year or not 2000 <= s.enrolled_year <= 2100:
        raise ValidationError({"enrolled_year": _("Enter the year of enrolment, e.g. 2019.")})
    s.village_id = _check_member(user=user, member=s.member, on=dt.date(s.enrolled_year, 9, 1))
    if s.school_division is not None:
        division_is(s.school_division, level=("province", "city", "county", "township"), side="east",
                    field="school_division")


@transaction.atomic
def student_create(*, user, member, school: str, enrolled_year: int, programme: str = "",
                   school_division=None) -> VocationalStudent:
    s = VocationalStudent(member=member, school=school, enrolled_year=enrolled_year, programme=programme,
                          school_division=school_division)
    _validate_student(s, user=user)
    return _save(user=user, instance=s, before=None, action="labor.student.created", division_code=s.village_id,
                 personal=True)


@transaction.atomic
def student_update(*, user, student: VocationalStudent, **fields) -> VocationalStudent:
    access.ensure_within(user, student.village_id, "change", personal_data=True)
    before = audit.snapshot(student)
    _apply(student, fields)
    _validate_student(student, user=user)
    return _save(user=user, instance=student, before=before, action="labor.student.updated",
                 division_code=student.village_id, personal=True)
