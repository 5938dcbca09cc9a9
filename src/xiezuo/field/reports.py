"""Households' own reports (农户自主申报) through a village's QR poster: tokens, limits, the queue.

The poster's URL carries a signed token of the village code (`django.core.signing`), so villages
cannot be enumerated and a forged or altered token is refused. The public form is rate-limited per
address and per village (Django's cache) and size-limited; it answers the same thanks whatever the
registry holds. A report is matched to a registered household of its village where the name or phone
agrees (a suggestion shown only to the cadre), lands in the queue of the village's township, and
becomes a monitoring signal (`case_open`, source self-report) when a cadre confirms it, for a
registered household or for a new one entered from the report (a marginal household, 边缘易致贫户).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xiezuo.accounts import access, audit, crypto
from xiezuo.geo.models import Division
from xiezuo.registry.models import Household, Member

from .models import ReportKind, ReportStatus, SelfReport

SALT = "xiezuo.field.self-report"
PER_ADDRESS = (5, 3600)  # at most 5 reports an hour from one address
PER_VILLAGE = (50, 24 * 3600)  # and 50 a day for one village
MAX_BODY = 8 * 1024
RISK_OF_KIND = {ReportKind.ILLNESS: "01", ReportKind.ACCIDENT: "05", ReportKind.DISASTER: "0299",
                ReportKind.JOB_LOSS: "07", ReportKind.SCHOOLING: "09", ReportKind.OTHER: "99"}
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}$")


def village_token(code: str) -> str:
    return signing.dumps(code, salt=SALT, compress=True)


def village_from_token(token: str) -> Division | None:
    try:
        code = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return Division.objects.filter(code=code, level="village").first()


def public_url(request, code: str) -> str:
    """The form's address for the poster: XIEZUO_PUBLIC_URL when set (the address people can reach)."""
    from django.urls import reverse

    path = reverse("field:report_form", args=[village_token(code)])
    base = getattr(settings, "XIEZUO_PUBLIC_URL", "")
    return base.rstrip("/") + path if base else request.build_absolute_uri(path)


def _hit(key: str, limit: tuple[int, int]) -> bool:
    """Count one attempt; True when over the limit."""
    count, seconds = limit
    full = "xiezuo:self-report:" + hashlib.sha256(key.encode()).hexdigest()
    cache.add(full, 0, seconds)
    try:
        n = cache.incr(full)
    except ValueError:
        cache.set(full, 1, seconds)
        n = 1
    return n > count


def over_limit(*, address: str, village_code: str) -> bool:
    return _hit("ip|" + (address or ""), PER_ADDRESS) | _hit("village|" + village_code, PER_VILLAGE)


def _suggest(village: Division, name: str, phone: str) -> Household | None:
    # Registry phones are encrypted at rest: compare masked forms (a suggestion only, kept when it is unique).
    digits = re.sub(r"\D", "", phone)
    masked = crypto.mask_phone(digits) if digits else ""
    by_phone = Q(phone_masked=masked) | Q(members__phone_masked=masked) if masked else Q(pk__in=[])
    found = list(Household.objects.filter(village=village).filter(Q(head_name=name) | Q(members__name=name, members__deceased=False) | by_phone)
                 .distinct()[:2])
    return found[0] if len(found) == 1 else None


@transaction.atomic
def report_submit(*, village: Division, name: str, kind: str, phone: str, detail: str = "") -> SelfReport:
    name, phone, detail = name.strip(), phone.strip(), detail.strip()
    errors = {}
    if not 1 <= len(name) <= 50:
        errors["name"] = _("Please write your name (at most 50 characters).")
    if kind not in ReportKind.values:
        errors["kind"] = _("Please choose what happened.")
    if not PHONE.match(phone):
        errors["phone"] = _("Please write a phone number we can call back.")
    if len(detail) > 500:
        errors["detail"] = _("At most 500 characters.")
    if errors:
        raise ValidationError(errors)
    report = SelfReport.objects.create(village=village, name=name, kind=kind, phone=phone, detail=detail,
                                       suggested=_suggest(village, name, phone))
    audit.record(action="field.self_report.received", user=None, target=report, division_code=village.code,
                 after={"id": report.pk, "kind": kind, "village": village.code})
    return report


def _next_number(village: Division) -> str:
    prefix = f"SR{village.code}"
    n = Household.objects.filter(number__startswith=prefix).count() + 1
    while Household.objects.filter(number=f"{prefix}{n:03d}").exists():
        n += 1
    return f"{prefix}{n:03d}"


@transaction.atomic
def report_confirm(*, report: SelfReport, user, household: Household | None = None, new_household: bool = False,
                   on: dt.date | None = None) -> SelfReport:
    """Turn a report into a monitoring signal: for `household` (registered), or for a household entered now
    from the report (not registered before: a marginal household candidate)."""
    from xiezuo.monitoring.models import Source
    from xiezuo.monitoring.services import case_open

    report = SelfReport.objects.select_for_update().select_related("village").get(pk=report.pk)
    access.ensure_within(user, report.village_id, "change", personal_data=True)
    if report.status != ReportStatus.NEW:
        raise ValidationError(_("This report has already been handled."))
    if new_household:
        household = Household(number=_next_number(report.village), village=report.village, head_name=report.name,
                              phone=re.sub(r"\D", "", crypto.unseal(report.phone_enc))[:20], status="monitored")
        household.full_clean()
        household.save()
        audit.record(action="field.self_report.household_entered", user=user, target=household,
                     after=audit.snapshot(household), division_code=report.village_id)
    if household is None:
        raise ValidationError(_("Choose the registered household or enter a new one."))
    if household.village_id != report.village_id:
        raise ValidationError(_("The household is not in the report's village."))
    before = audit.snapshot(report)
    report.case = case_open(household=household, risk_types=[RISK_OF_KIND[report.kind]], source=Source.SELF_REPORT,
                            user=user, on=on or timezone.localdate(),
                            detail=(_("Self-report: %(detail)s") % {"detail": report.detail or report.get_kind_display()})[:500])
    report.household, report.status = household, ReportStatus.CONFIRMED
    report.handled_by, report.handled_on = (user if getattr(user, "pk", None) else None), timezone.localdate()
    report.save()
    audit.record(action="field.self_report.confirmed", user=user, target=report, before=before,
                 after=audit.snapshot(report))
    return report


@transaction.atomic
def report_reject(*, report: SelfReport, user) -> SelfReport:
    report = SelfReport.objects.select_for_update().get(pk=report.pk)
    access.ensure_within(user, report.village_id, "change", personal_data=True)
    if report.status != ReportStatus.NEW:
        raise ValidationError(_("This report has already been handled."))
    before = audit.snapshot(report)
    report.status, report.handled_on = ReportStatus.REJECTED, timezone.localdate()
    report.handled_by = user if getattr(user, "pk", None) else None
    report.save()
    audit.record(action="field.self_report.rejected", user=user, target=report, before=before,
                 after=audit.snapshot(report))
    return report


def members_named(household: Household) -> list[str]:
    return list(Member.objects.filter(household=household, deceased=False).values_list("name", flat=True))
