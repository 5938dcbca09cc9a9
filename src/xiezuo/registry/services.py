"""Writes to the registry: one use case per function, one transaction each, audited."""

from __future__ import annotations

from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiezuo import dates
from xiezuo.accounts import audit, crypto
from xiezuo.accounts.access import ensure_within, is_admin, within
from xiezuo.accounts.models import AuditEntry

from . import lifecycle
from .choices import HouseholdStatus
from .identity import InvalidIdNumber, check_id_number
from .models import (
    Cadre,
    CountyAssessment,
    Household,
    HouseholdYear,
    Member,
    PoorUnit,
    StatusChange,
    VillageFacts,
)


def member_identity_fields(id_number: str, *, lookup_hash: str | None = None) -> dict[str, str]:
    """The stored forms of a validated identity number: ciphertext, lookup hash, mask.

    Bulk paths that already computed the keyed hash (to find duplicates) pass it in.
    """
    return {
        "id_number_enc": crypto.encrypt(id_number),
        "id_number_hash": lookup_hash or crypto.lookup_hash(id_number),
        "id_number_masked": crypto.mask_id_number(id_number),
    }


def member_id_number(member: Member) -> str:
    """The clear identity number. Callers check `access.can_unmask` and audit the reveal."""
    return crypto.decrypt(member.id_number_enc) if member.id_number_enc else ""


DUPLICATE_ELSEWHERE = "registry.member.duplicate_elsewhere"
PROBES_PAUSED = "registry.member.duplicate_checks_paused"


def duplicate_probes_left(user) -> int:
    """How many more "registered elsewhere" answers `user` may get this hour (`XIEZUO_DUPLICATE_PROBES_PER_HOUR`),
    counted from the audit log, so the limit holds across web and worker processes. Administrators see every
    holder, so they never get such an answer and have no limit."""
    limit = settings.XIEZUO_DUPLICATE_PROBES_PER_HOUR
    if user is None or is_admin(user):
        return limit
    used = AuditEntry.objects.filter(action=DUPLICATE_ELSEWHERE, actor_id=user.pk,
                                     at__gte=timezone.now() - timedelta(hours=1)).count()
    return limit - used


def duplicate_checks_paused(user, *, source: str) -> str:
    """The refusal once `user` has had the hour's "elsewhere" answers: nothing is looked up, so it says nothing
    about any number. Logged once per hour for the administrators."""
    if not AuditEntry.objects.filter(action=PROBES_PAUSED, actor_id=user.pk,
                                     at__gte=timezone.now() - timedelta(hours=1)).exists():
        audit.record(action=PROBES_PAUSED, user=user, data={"source": source})
    return _("Too many identity numbers you entered this hour are registered outside your area: new identity "
             "numbers are not accepted from you for the rest of the hour. Ask your city office if this is a "
             "legitimate transfer of many people.")


class DuplicateAnswer(NamedTuple):
    message: str
    probe: bool  # an "elsewhere" answer: one of the hour's `duplicate_probes_left` used


def duplicate_identity_answer(*, user, member_id: int, village_code: str, household_number: str,
                              source: str) -> DuplicateAnswer:
    """What to tell `user` whose identity number is already held by a living member, and whether that used one
    of the user's probes (callers checking many numbers at once, the import, count them down).

    Within the user's scope (the system context, `user` None, sees everything) the household is named: it helps
    resolve the duplicate. Outside it, the answer says only "elsewhere": naming or locating the record would let
    anyone with an import or the API learn where a person lives from their identity number. That attempt is a
    probe, logged in the holder's division, so the county holding the record sees it on its audit page.
    """
    if user is None or within(user, village_code, "view", personal_data=True):
        return DuplicateAnswer(
            _("This identity number is already registered to a living member of household %(number)s.")
            % {"number": household_number}, probe=False)
    audit.record(action=DUPLICATE_ELSEWHERE, user=user, division_code=village_code,
                 data={"member": member_id, "source": source})
    return DuplicateAnswer(
        _("This identity number is already registered to a living member outside your area. The county holding "
          "that record has been told of this attempt; ask your city office to resolve it."), probe=True)


def member_create(*, household: Household, id_number: str, user, **fields) -> Member:
    """Register a member. A duplicate is refused before the write's transaction opens, so the
    audit entry a duplicate held elsewhere leaves for its county is kept (not rolled back)."""
    ensure_within(user, household.village_id, "change", personal_data=True)
    if duplicate_probes_left(user) <= 0:  # before any lookup: the refusal must not depend on the number
        raise ValidationError({"id_number": duplicate_checks_paused(user, source="member_create")}, code="id.paused")
    try:
        checked = check_id_number(id_number)
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from exc
    identity = member_identity_fields(checked.number)
    holder = (Member.objects.filter(id_number_hash=identity["id_number_hash"], deceased=False)
              .values("id", "household__village_id", "household__number").first())
    if holder is not None:
        answer = duplicate_identity_answer(user=user, member_id=holder["id"],
                                           village_code=holder["household__village_id"],
                                           household_number=holder["household__number"], source="member_create")
        raise ValidationError({"id_number": answer.message}, code="id.duplicate")
    return _member_save(household=household, identity=identity, checked=checked, user=user, **fields)


@transaction.atomic
def _member_save(*, household: Household, identity: dict, checked, user, **fields) -> Member:
    ensure_within(user, household.village_id, "change", personal_data=True)
    if Member.objects.filter(id_number_hash=identity["id_number_hash"], deceased=False).exists():  # a race
        raise ValidationError({"id_number": _("This identity number is already registered to a living member.")},
                              code="id.duplicate")
    fields.setdefault("birth_date", checked.birth_date)
    fields.setdefault("sex", checked.sex)
    member = Member(household=household, **identity, **fields)
    member.full_clean()
    member.save()
    audit.record(action="registry.member.created", user=user, target=member, after=audit.snapshot(member),
                 data={"warnings": checked.warnings} if checked.warnings else None)
    return member


def status_transition_error(from_status: str, to_status: str) -> ValidationError | None:
    """The lifecycle's verdict on a move (registry/lifecycle.py), as a user-facing error, or None."""
    try:
        lifecycle.check(from_status, to_status)
    except lifecycle.IllegalTransition as exc:
        labels = dict(HouseholdStatus.choices)
        if exc.code == "same_status":
            message = _("The household is already %(status)s.") % {"status": labels.get(to_status, to_status)}
        else:
            options = "、".join(str(labels[s]) for s in lifecycle.TRANSITIONS.get(from_status, ())) or _("none")
            message = _("A household cannot move from %(from)s to %(to)s; from %(from)s it may move to: "
                        "%(next)s.") % {"from": labels.get(from_status, from_status),
                                        "to": labels.get(to_status, to_status), "next": options}
        return ValidationError({"to_status": message}, code=f"status.{exc.code}")
    return None


@transaction.atomic
def household_status_change(*, household: Household, to_status: str, on, reason: str, user) -> Household:
    """Move a household along its lifecycle (registry/lifecycle.py), on a date within the date rule."""
    household = Household.objects.restrict(user, "change").select_for_update().get(pk=household.pk)
    dates.check(on, "on")
    error = status_transition_error(household.status, to_status)
    if error is not None:
        raise error
    before = audit.snapshot(household)
    StatusChange.objects.create(household=household, on=on, from_status=household.status, to_status=to_status,
                                reason=reason)
    household.status = to_status
    if to_status == "exited":
        household.exit_year = on.year
    household.save(update_fields=["status", "exit_year", "updated_at"])
    audit.record(action=f"registry.household.{to_status}", user=user, target=household, before=before,
                 after=audit.snapshot(household), data={"reason": reason})
    return household


@transaction.atomic
def household_year_update(*, household: Household, year: int, user, **changes) -> HouseholdYear:
    """Correct a household's facts for one year (a home visit, a desk edit); the year's row is created
    from the latest earlier year's when there is none. Saved with `save()`, so the summary follows."""
    household = Household.objects.select_related("village").get(pk=household.pk)
    ensure_within(user, household.village_id, "change", personal_data=True)
    unknown = set(changes) - {f.name for f in HouseholdYear._meta.concrete_fields} | ({"id", "household", "year"}
                                                                                      & set(changes))
    if unknown:
        raise ValueError(f"not household-year fields: {sorted(unknown)}")
    hy = HouseholdYear.objects.select_for_update().filter(household=household, year=year).first()
    before = audit.snapshot(hy)
    if hy is None:
        previous = HouseholdYear.objects.filter(household=household, year__lt=year).order_by("-year").first()
        hy = HouseholdYear(household=household, year=year,
                           size=previous.size if previous else household.members.filter(deceased=False).count() or 1)
        if previous is not None:
            for f in HouseholdYear._meta.concrete_fields:
                if f.name not in ("id", "household", "year"):
                    setattr(hy, f.attname, getattr(previous, f.attname))
    for name, value in changes.items():
        setattr(hy, name, value)
    hy.full_clean()
    hy.save()
    audit.record(action="registry.householdyear.updated" if before else "registry.householdyear.created", user=user,
                 target=hy, before=before, after=audit.snapshot(hy), division_code=household.village_id)
    return hy


# --- poor villages and counties (unit_models) -------------------------------------------------------------------

def _save_unit_record(obj, *, user, action: str, before: dict | None = None):
    obj.full_clean()
    obj.save()
    audit.record(action=action, user=user, target=obj, before=before, after=audit.snapshot(obj))
    return obj


@transaction.atomic
def poor_unit_designate(*, division, designated_year: int, designated_by: str = "", source: str = "",
                        user=None) -> PoorUnit:
    """Designate a village or county poor (贫困村 / 贫困县) from a list or document."""
    if user is not None:
        ensure_within(user, division.code)
    unit = PoorUnit(division=division, designated_year=designated_year, designated_by=designated_by, source=source)
    return _save_unit_record(unit, user=user, action="registry.poor_unit.designated")


@transaction.atomic
def poor_unit_exit(*, unit: PoorUnit, exit_year: int | None, exit_document: str = "", user=None) -> PoorUnit:
    """Record (or, with None, withdraw) the approved exit of a poor village or county."""
    unit = PoorUnit.objects.select_for_update().get(pk=unit.pk)
    if user is not None:
        ensure_within(user, unit.division_id)
    before = audit.snapshot(unit)
    unit.exit_year, unit.exit_document = exit_year, exit_document
    return _save_unit_record(unit, user=user, before=before, action="registry.poor_unit.exited")


@transaction.atomic
def village_facts_record(*, village, year: int, user=None, **facts) -> VillageFacts:
    """A village's five haves in a year (created or replaced); keys are VillageFacts' fields."""
    if user is not None:
        ensure_within(user, village.code)
    row = VillageFacts.objects.select_for_update().filter(village=village, year=year).first()
    before = audit.snapshot(row) if row else None
    row = row or VillageFacts(village=village, year=year)
    for name, value in facts.items():
        setattr(row, name, value)
    return _save_unit_record(row, user=user, before=before, action="registry.village_facts.recorded")


@transaction.atomic
def county_assessment_record(*, county, year: int, wrong_exit_rate, missed_poor_rate, public_approval,
                             source: str, user=None) -> CountyAssessment:
    """A county's third-party exit assessment of a year (created or replaced)."""
    if user is not None:
        ensure_within(user, county.code)
    row = CountyAssessment.objects.select_for_update().filter(county=county, year=year).first()
    before = audit.snapshot(row) if row else None
    row = row or CountyAssessment(county=county, year=year)
    row.wrong_exit_rate, row.missed_poor_rate, row.public_approval, row.source = (
        wrong_exit_rate, missed_poor_rate, public_approval, source)
    if county.level != "county":
        raise ValidationError(_("%(name)s is not a county.") % {"name": county.name})
    return _save_unit_record(row, user=user, before=before, action="registry.county_assessment.recorded")


@transaction.atomic
def cadre_create(*, user, division, name: str, work_unit: str = "", post: str = "", phone: str = "") -> Cadre:
    """A person responsible for assistance (帮扶责任人), filed under a division in the user's edit scope."""
    ensure_within(user, division.code, "change")
    cadre = Cadre(division=division, name=name.strip(), work_unit=work_unit.strip(), post=post.strip())
    if phone.strip():
        cadre.phone = phone.strip()
    cadre.full_clean()
    cadre.save()
    audit.record(action="registry.cadre.created", user=user, target=cadre, after=audit.snapshot(cadre))
    return cadre


def _county_prefix(code: str) -> str:
    return code[:6]


@transaction.atomic
def household_cadre_assign(*, user, cadre: Cadre, household_ids: list[int]) -> int:
    """Make `cadre` the person responsible for these households. Each must be in the user's edit scope (re-checked
    here, in the transaction) and in the cadre's county; one refused household refuses them all."""
    ids = sorted({int(i) for i in household_ids})
    ensure_within(user, cadre.division_id, "change")
    households = list(Household.objects.restrict(user, "change").select_for_update()
                      .filter(pk__in=ids).select_related("village"))
    if len(households) != len(ids):  # out of scope and missing look the same
        raise ValidationError(_("Some of these households are not in your area: nothing was assigned."))
    county = _county_prefix(cadre.division_id)
    foreign = [h.number for h in households if _county_prefix(h.village_id) != county]
    if foreign:
        raise ValidationError(_("Households %(numbers)s are not in the county of %(cadre)s: nothing was assigned."),
                              params={"numbers": ", ".join(foreign[:10]), "cadre": cadre.name})
    changed = 0
    for h in households:
        if h.cadre_id == cadre.pk:
            continue
        before = audit.snapshot(h)
        h.cadre = cadre
        h.save(update_fields=["cadre", "updated_at"])
        audit.record(action="registry.household.cadre_assigned", user=user, target=h, before=before,
                     after=audit.snapshot(h))
        changed += 1
    return changed


@transaction.atomic
def household_cadre_release(*, user, cadre: Cadre, household_ids: list[int]) -> int:
    """Take these households off `cadre` (they then have no person responsible until assigned again). Each must be
    in the user's edit scope and assigned to this cadre; one refused household refuses them all."""
    ids = sorted({int(i) for i in household_ids})
    ensure_within(user, cadre.division_id, "change")
    households = list(Household.objects.restrict(user, "change").select_for_update().filter(pk__in=ids))
    if len(households) != len(ids):  # out of scope and missing look the same
        raise ValidationError(_("Some of these households are not in your area: nothing was released."))
    others = [h.number for h in households if h.cadre_id != cadre.pk]
    if others:
        raise ValidationError(_("Households %(numbers)s are not assigned to %(cadre)s: nothing was released."),
                              params={"numbers": ", ".join(others[:10]), "cadre": cadre.name})
    for h in households:
        before = audit.snapshot(h)
        h.cadre = None
        h.save(update_fields=["cadre", "updated_at"])
        audit.record(action="registry.household.cadre_released", user=user, target=h, before=before,
                     after=audit.snapshot(h))
    return len(households)
