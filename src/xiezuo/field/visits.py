"""Home visits recorded on the phone (入户走访): the one writer, idempotent and conflict-checked.

A visit carries the facts the cadre saw (income items, expenses, schooling, insurance, housing, water)
and the risks observed. The facts go to the registry through `registry.services.household_year_update`;
a risk the household has no open case for opens a monitoring signal (`monitoring.services.case_open`,
source "staff check", 干部排查). The device makes the visit's key, so a visit sent twice is stored once.
The phone also sends the version of the facts it downloaded: if the server's facts changed since,
`VisitConflict` carries both versions for the cadre to choose (never a silent overwrite).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiezuo.accounts import access, audit
from xiezuo.registry.models import Household, HouseholdYear

from .models import Visit, VisitPhoto

# The household-year facts the phone shows and may change: kind, for cleaning.
PHONE_FACTS = {
    "wage": "money", "business": "money", "transfer_other": "money", "production_cost": "money",
    "medical_expense": "money", "education_expense": "money", "compulsory_dropouts": "count",
    "uninsured_members": "count", "housing_grade": "grade", "water_safe": "bool",
}
MAX_PHOTOS = 4
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_NOTES = 2000


class VisitConflict(Exception):  # noqa: N818 — a condition the caller shows, not a failure
    """The server's facts changed since the phone downloaded them."""

    def __init__(self, *, server: dict, mine: dict, version: str):
        super().__init__("facts changed on the server")
        self.server, self.mine, self.version = server, mine, version


def phone_facts(hy: HouseholdYear | None) -> dict:
    if hy is None:
        return {}
    out = {}
    for name, kind in PHONE_FACTS.items():
        value = getattr(hy, name)
        out[name] = str(value) if kind == "money" else value
    return out


def facts_version(hy: HouseholdYear | None) -> str:
    """A fingerprint of the phone's facts of one household-year ("" when the year has no row)."""
    if hy is None:
        return ""
    return hashlib.sha256(json.dumps(phone_facts(hy), sort_keys=True).encode()).hexdigest()[:16]


def clean_facts(raw: dict) -> dict:
    out = {}
    for name, value in (raw or {}).items():
        kind = PHONE_FACTS.get(name)
        if kind is None:
            raise ValidationError({"facts": _("%(name)s cannot be changed on a visit.") % {"name": name}})
        if kind == "money":
            try:
                amount = Decimal(str(value).strip() or "0")
            except InvalidOperation as exc:
                raise ValidationError({"facts": _("%(name)s is not an amount.") % {"name": name}}) from exc
            if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount > Decimal("100000000"):
                raise ValidationError({"facts": _("%(name)s must be 0 or more with at most two decimals.")
                                       % {"name": name}})
            out[name] = amount.quantize(Decimal("0.01"))
        elif kind == "count":
            if not str(value).strip().isdigit() or int(value) > 50:
                raise ValidationError({"facts": _("%(name)s must be a whole number.") % {"name": name}})
            out[name] = int(value)
        elif kind == "grade":
            if value not in ("A", "B", "C", "D"):
                raise ValidationError({"facts": _("The housing grade is A, B, C or D.")})
            out[name] = value
        else:
            out[name] = value in (True, "true", "1", 1, "on")
    return out


def _store_photo(visit: Visit, upload) -> VisitPhoto:
    from xiezuo.monitoring.services import sniff

    data = b"".join(upload.chunks())
    if not data:
        raise ValidationError({"photos": _("The photo is empty.")})
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": _("A photo is larger than %(mb)d MB.") % {"mb": MAX_PHOTO_BYTES // 2**20}})
    name = (upload.name or "photo.jpg").replace("/", "_").replace("\\", "_")[-150:]
    ctype = sniff(data[:16], name)
    if not ctype.startswith("image/"):
        raise ValidationError({"photos": _("Only JPEG or PNG photos are accepted.")})
    digest = hashlib.sha256(data).hexdigest()
    stored = f"{visit.pk}/{digest[:32]}{'.png' if ctype == 'image/png' else '.jpg'}"
    path = Path(settings.DATA_DIR) / "visits" / stored
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return VisitPhoto.objects.create(visit=visit, name=name, content_type=ctype, size=len(data), sha256=digest,
                                     stored_as=stored)


@transaction.atomic
def visit_record(*, household: Household, user, on: dt.date, client_key: str | uuid.UUID, met: str = "",
                 notes: str = "", facts: dict | None = None, base_version: str = "", risks=(),
                 photos=()) -> tuple[Visit, bool]:
    """Record a visit; returns (visit, created). The same `client_key` again returns the first visit."""
    try:
        key = uuid.UUID(str(client_key))
    except ValueError as exc:
        raise ValidationError({"client_key": _("The device key is not a UUID.")}) from exc
    household = Household.objects.select_related("village").get(pk=household.pk)
    access.ensure_within(user, household.village_id, "change", personal_data=True)
    existing = Visit.objects.filter(client_key=key).first()
    if existing is not None:
        if existing.household_id != household.pk:
            raise ValidationError({"client_key": _("This device key belongs to another visit.")})
        return existing, False
    if on is None or on > timezone.localdate() or on.year < 2014:
        raise ValidationError({"on": _("The visit date must be a past or today's date from 2014 on.")})
    if len(notes) > MAX_NOTES:
        raise ValidationError({"notes": _("The notes are longer than %(n)d characters.") % {"n": MAX_NOTES}})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("At most %(n)d photos per visit.") % {"n": MAX_PHOTOS}})
    changes = clean_facts(facts or {})
    from xiezuo.monitoring.models import RiskType
    from xiezuo.monitoring.services import case_open, open_risks
    from xiezuo.registry.services import household_year_update

    risks = list(dict.fromkeys(str(r) for r in risks))
    if any(r not in RiskType.values for r in risks):
        raise ValidationError({"risks": _("Unknown risk type.")})
    applied: dict[str, list] = {}
    if changes:
        hy = HouseholdYear.objects.select_for_update().filter(household=household, year=on.year).first()
        current = facts_version(hy)
        if base_version != current:
            raise VisitConflict(server=phone_facts(hy), mine={k: str(v) if isinstance(v, Decimal) else v
                                                              for k, v in changes.items()}, version=current)
        before = phone_facts(hy)
        changed = {k: v for k, v in changes.items() if hy is None or getattr(hy, k) != v}
        if changed:
            household_year_update(household=household, year=on.year, user=user, **changed)
            applied = {k: [before.get(k), str(v) if isinstance(v, Decimal) else v] for k, v in changed.items()}
    try:
        with transaction.atomic():
            visit = Visit.objects.create(household=household, visitor=user if getattr(user, "pk", None) else None,
                                         visitor_name=user.username, on=on, met=met.strip()[:100],
                                         notes=notes.strip(), facts=applied, risks=risks, client_key=key)
    except IntegrityError:  # the same visit arrived twice at once: the other request stored it
        transaction.set_rollback(True)
        return Visit.objects.get(client_key=key), False
    new_risks = [r for r in risks if r not in open_risks(household)]
    if new_risks:
        visit.case = case_open(household=household, risk_types=new_risks[:5], source="staff_check", user=user,
                               on=on, detail=(_("Home visit: %(notes)s") % {"notes": notes.strip()})[:500])
        visit.save(update_fields=["case"])
    for upload in photos:
        _store_photo(visit, upload)
    after = audit.snapshot(visit) or {}
    after["client_key"] = str(visit.client_key)  # the audit log stores JSON
    audit.record(action="field.visit.recorded", user=user, target=visit, after=after,
                 division_code=household.village_id, data={"photos": len(photos), "case": visit.case_id})
    return visit, True
