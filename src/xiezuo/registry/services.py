"""Writes to the registry: one use case per function, one transaction each, audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from xiezuo.accounts import audit, crypto
from xiezuo.accounts.access import ensure_within

from .identity import InvalidIdNumber, check_id_number
from .models import Household, Member, StatusChange


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


@transaction.atomic
def member_create(*, household: Household, id_number: str, user, **fields) -> Member:
    ensure_within(user, household.village_id, "change", personal_data=True)
    try:
        checked = check_id_number(id_number)
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from exc
    identity = member_identity_fields(checked.number)
    if Member.objects.filter(id_number_hash=identity["id_number_hash"], deceased=False).exists():
        raise ValidationError({"id_number": "该身份证号已登记在其他在世成员名下 / already registered to a living member"},
                              code="id.duplicate")
    fields.setdefault("birth_date", checked.birth_date)
    fields.setdefault("sex", checked.sex)
    member = Member(household=household, **identity, **fields)
    member.full_clean()
    member.save()
    audit.record(action="registry.member.created", user=user, target=member, after=audit.snapshot(member),
                 data={"warnings": checked.warnings} if checked.warnings else None)
    return member


@transaction.atomic
def household_status_change(*, household: Household, to_status: str, on, reason: str, user) -> Household:
    household = Household.objects.restrict(user, "change").select_for_update().get(pk=household.pk)
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
