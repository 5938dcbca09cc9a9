"""Writes of the monitoring app: one use case per function, one transaction, audited.

The rules come from the pure `workflow` module; this module supplies dates, the
household's facts, the scope check and the audit trail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiezuo.accounts import access, audit
from xiezuo.registry.models import Household, HouseholdYear

from . import workflow as wf
from .models import Attachment, Case, CaseRisk, CaseStep, Category, RiskType, Source
from .thresholds import monitoring_threshold

# Translatable forms of the workflow's reasons (the pure module has English only).
BLOCKER_TEXT = {
    "too_early": gettext_lazy("The risk can be removed only six months after identification at the earliest."),
    "not_identified": gettext_lazy("The case has no identification date."),
    "measure_missing": gettext_lazy("Every identified risk needs at least one assistance measure (missing: %(risks)s)."),
    "income_missing": gettext_lazy("No yearly income facts are recorded for the household."),
    "income_below_line": gettext_lazy("Per-capita net income %(income)s is not above the monitoring threshold "
                           "%(threshold)s."),
    "income_unstable": gettext_lazy("Income has not been confirmed stable for at least half a year."),
    "rigid_expense": gettext_lazy("Large rigid expenses (medical bills, school costs) are not resolved."),
    "three_guarantees": gettext_lazy("Compulsory education, basic medical insurance or safe housing is not secured."),
    "water": gettext_lazy("Safe drinking water is not secured."),
    "no_labour": gettext_lazy("The whole household has no labour capacity: social protection continues and monitoring "
                   "continues; the risk is not marked removed."),
}

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_SIGNATURES = (  # content sniffing: (magic prefix, content type, extensions)
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
    (b"%PDF-", "application/pdf", (".pdf",)),
)


class SystemUser:
    """The actor of command-line and background work: unrestricted, audited as "system"."""

    pk = id = None
    username = "system"
    role = "admin"
    is_superuser = is_staff = is_active = is_authenticated = True

    def __str__(self) -> str:
        return self.username


def _fk(user):
    """A user for a foreign key (None for the system actor)."""
    return user if getattr(user, "pk", None) else None


def _today() -> dt.date:
    return timezone.localdate()


def stage_limits() -> dict[str, int]:
    return {**wf.STAGE_LIMIT_DAYS, **getattr(settings, "XIEZUO_MONITORING_STAGE_DAYS", {})}


def identification_limit() -> int:
    return int(getattr(settings, "XIEZUO_MONITORING_IDENTIFICATION_DAYS", wf.IDENTIFICATION_LIMIT_DAYS))


def _due(stage: str, entered_on: dt.date, opened_on: dt.date) -> dt.date | None:
    return wf.stage_due_on(stage, entered_on, opened_on, stage_limits=stage_limits(),
                           identification_limit=identification_limit())


def _clean_risks(risk_types) -> list[str]:
    risks = list(dict.fromkeys(str(r).strip() for r in risk_types if str(r).strip()))
    valid = set(RiskType.values)
    bad = [r for r in risks if r not in valid]
    if bad:
        raise ValidationError(_("Unknown risk type %(codes)s; use the codes of the national list (01, 0201, ... 99)."),
                              params={"codes": ", ".join(bad)})
    if not risks:
        raise ValidationError(_("Name at least one risk type."))
    if len(risks) > wf.MAX_RISKS:
        raise ValidationError(_("At most %(n)d risk types per case."), params={"n": wf.MAX_RISKS})
    return risks


def open_risks(household: Household) -> set[str]:
    return set(CaseRisk.objects.filter(household=household, is_open=True).values_list("risk_type", flat=True))


@transaction.atomic
def case_open(*, household: Household, risk_types, source: str, user, on: dt.date | None = None,
              year: int | None = None, run_id: int | None = None, department: str = "", detail: str = "",
              owner=None, rigid_expenditure: Decimal | None = None) -> Case:
    """Open a case from a signal (engine flag, self-report, staff check, department warning).

    Refuses a risk the household already has an open case for."""
    household = Household.objects.select_for_update().select_related("village").get(pk=household.pk)
    access.ensure_within(user, household.village_id, "change", personal_data=True)
    if source not in Source.values:
        raise ValidationError(_("Unknown signal source %(source)s."), params={"source": source})
    if source == Source.DEPARTMENT_WARNING and not department.strip():
        raise ValidationError(_("A department warning must name the department."))
    risks = _clean_risks(risk_types)
    already = sorted(open_risks(household) & set(risks))
    if already:
        raise ValidationError(
            _("Household %(number)s already has an open case for risk %(risks)s; add to that case instead."),
            params={"number": household.number, "risks": ", ".join(already)}, code="duplicate")
    on = on or _today()
    case = Case(household=household, county_code=household.village_id[:6] + "000000", year=year or on.year,
                risk_types=risks, source=source, source_run_id=run_id, source_department=department.strip(),
                source_detail=detail, opened_on=on, stage_entered_on=on, stage=wf.RISK_WARNING,
                stage_due_on=_due(wf.RISK_WARNING, on, on), owner=owner or _fk(user),
                rigid_expenditure=rigid_expenditure or Decimal("0.00"))
    case.full_clean()
    case.save()
    try:
        with transaction.atomic():
            CaseRisk.objects.bulk_create([CaseRisk(case=case, household=household, risk_type=r) for r in risks])
    except IntegrityError as exc:  # a concurrent opener won the race
        raise ValidationError(_("Household %(number)s already has an open case for one of these risks."),
                              params={"number": household.number}, code="duplicate") from exc
    CaseStep.objects.create(case=case, from_stage="", to_stage=wf.RISK_WARNING, on=on, actor=_fk(user),
                            actor_name=user.username, comment=detail,
                            data={"source": source, "run_id": run_id, "department": department})
    audit.record(action="monitoring.case.opened", user=user, target=case, after=audit.snapshot(case))
    return case


def household_facts(household: Household) -> dict:
    """The latest yearly facts the elimination guard reads."""
    hy = HouseholdYear.objects.filter(household=household).order_by("-year").first()
    members = list(household.members.filter(deceased=False).values_list("labour", flat=True))
    no_labour = bool(members) and all(m in ("lost", "none") for m in members)
    if hy is None:
        return {"year": None, "per_capita_income": None, "three_guarantees": False, "water_safe": False,
                "whole_household_without_labour": no_labour}
    return {
        "year": hy.year,
        "per_capita_income": hy.per_capita_income,
        "three_guarantees": (hy.compulsory_dropouts == 0 and hy.uninsured_members == 0 and hy.housing_safe
                             and hy.food_secure and hy.clothing_secure),
        "water_safe": hy.water_safe,
        "whole_household_without_labour": no_labour,
    }


def elimination_facts(case: Case, *, today: dt.date, verified: bool = True, income_stable: bool | None = None,
                      rigid_expense_resolved: bool | None = None) -> wf.EliminationFacts:
    facts = household_facts(case.household)
    threshold = monitoring_threshold(facts["year"] or today.year, case.household.village_id)
    measured = frozenset(case.measures.values_list("risk_type", flat=True))
    return wf.EliminationFacts(
        today=today, identified_on=case.identified_on, risk_types=tuple(case.risk_types),
        measured_risks=measured, per_capita_income=facts["per_capita_income"], threshold=threshold,
        income_stable=case.income_stable if income_stable is None else income_stable,
        rigid_expense_resolved=case.rigid_expense_resolved if rigid_expense_resolved is None
        else rigid_expense_resolved,
        three_guarantees=facts["three_guarantees"], water_safe=facts["water_safe"],
        whole_household_without_labour=facts["whole_household_without_labour"], verified=verified,
    )


def blocker_messages(facts: wf.EliminationFacts) -> list[str]:
    out = []
    for code, _english in wf.elimination_blockers(facts):
        params = {"risks": ", ".join(r for r in facts.risk_types if r not in facts.measured_risks),
                  "income": facts.per_capita_income, "threshold": facts.threshold}
        out.append(str(BLOCKER_TEXT[code]) % params if "%(" in str(BLOCKER_TEXT[code]) else str(BLOCKER_TEXT[code]))
    return out


@transaction.atomic
def case_advance(*, case: Case, to_stage: str, user, on: dt.date | None = None, comment: str = "",
                 category: str = "", risk_types=None, income_stable: bool | None = None,
                 rigid_expense_resolved: bool | None = None, data: dict | None = None) -> Case:
    """Record the current step as done and move the case to `to_stage`.

    Refused with a clear message when the procedure does not allow it (wrong order, a
    county decision without a category, risk removal before the §5.6 conditions hold)."""
    case = Case.objects.select_for_update().select_related("household").get(pk=case.pk)
    access.ensure_within(user, case.household.village_id, "change", personal_data=True)
    on = on or _today()
    if on < case.stage_entered_on:
        raise ValidationError(_("The step date %(on)s is before the case reached its current stage (%(entered)s)."),
                              params={"on": on, "entered": case.stage_entered_on})
    if on > _today():
        raise ValidationError(_("The step date cannot be in the future."))
    before = audit.snapshot(case)
    from_stage = case.stage
    if risk_types is not None and from_stage in wf.IDENTIFICATION:
        new_risks = _clean_risks(risk_types)
        added = set(new_risks) - set(case.risk_types)
        clash = sorted(open_risks(case.household) & added)
        if clash:
            raise ValidationError(_("The household already has an open case for risk %(risks)s."),
                                  params={"risks": ", ".join(clash)}, code="duplicate")
        CaseRisk.objects.filter(case=case).exclude(risk_type__in=new_risks).delete()
        CaseRisk.objects.bulk_create([CaseRisk(case=case, household=case.household, risk_type=r) for r in added])
        case.risk_types = new_risks
    if category and category not in Category.values:
        raise ValidationError(_("Unknown category %(c)s."), params={"c": category})
    facts = None
    guard = wf.needs_elimination_guard(from_stage, to_stage)
    if guard:
        facts = elimination_facts(case, today=on, verified=guard == "full", income_stable=income_stable,
                                  rigid_expense_resolved=rigid_expense_resolved)
    try:
        wf.check_transition(from_stage, to_stage, category=category or case.category,
                            risk_types=tuple(case.risk_types), facts=facts)
    except wf.IllegalTransition as exc:
        if facts is not None and exc.code in BLOCKER_TEXT:
            raise ValidationError(" ".join(blocker_messages(facts)), code=exc.code) from exc
        raise ValidationError(_("This step is not allowed: %(why)s"), params={"why": str(exc)},
                              code=exc.code) from exc
    step_data = dict(data or {})
    if from_stage == wf.HOME_VISIT or (from_stage == wf.COUNTY_DECISION and to_stage == wf.RECORDED):
        hh_facts = household_facts(case.household)
        step_data.setdefault("per_capita_income", hh_facts["per_capita_income"])
    if from_stage == wf.COUNTY_DECISION and to_stage == wf.RECORDED:
        case.category = category or case.category
        case.identified_on = on
        case.income_at_identification = household_facts(case.household)["per_capita_income"]
        step_data["category"] = case.category
    if from_stage == wf.ELIMINATION_CHECK and to_stage == wf.ELIMINATION_APPRAISAL:
        case.income_stable = bool(income_stable) if income_stable is not None else case.income_stable
        case.rigid_expense_resolved = (bool(rigid_expense_resolved) if rigid_expense_resolved is not None
                                       else case.rigid_expense_resolved)
        step_data.update({"income_stable": case.income_stable, "rigid_expense_resolved": case.rigid_expense_resolved,
                          "per_capita_income": facts.per_capita_income if facts else None,
                          "threshold": facts.threshold if facts else None})
    if wf.is_return_to_assisting(from_stage, to_stage):
        case.income_stable = False
        case.rigid_expense_resolved = False
    case.stage = to_stage
    case.stage_entered_on = on
    case.stage_due_on = _due(to_stage, on, case.opened_on)
    if to_stage in wf.TERMINAL:
        case.closed_on = on
        CaseRisk.objects.filter(case=case).update(is_open=False)
    case.save()
    CaseStep.objects.create(case=case, from_stage=from_stage, to_stage=to_stage, on=on, actor=_fk(user),
                            actor_name=user.username, comment=comment, data=audit._jsonable(step_data))
    audit.record(action="monitoring.case.advanced", user=user, target=case, before=before,
                 after=audit.snapshot(case), data={"from": from_stage, "to": to_stage, "comment": comment})
    if to_stage == wf.RECORDED or to_stage == wf.CLOSED:
        from xiezuo.registry.services import household_status_change

        status = "monitored" if to_stage == wf.RECORDED else "risk_eliminated"
        if case.household.status != status:
            household_status_change(household=case.household, to_status=status, on=on, user=user,
                                    reason=_("Monitoring case %(case)s") % {"case": case})
    return case


@transaction.atomic
def case_assign(*, case: Case, owner, user) -> Case:
    case = Case.objects.select_for_update().select_related("household").get(pk=case.pk)
    access.ensure_within(user, case.household.village_id, "change", personal_data=True)
    if owner is not None and not access.within(owner, case.household.village_id, "change", personal_data=True):
        raise ValidationError(_("%(user)s may not work on cases in this village."), params={"user": owner})
    before = audit.snapshot(case)
    case.owner = owner
    case.save(update_fields=["owner", "updated_at"])
    audit.record(action="monitoring.case.assigned", user=user, target=case, before=before,
                 after=audit.snapshot(case))
    return case


@transaction.atomic
def measure_add(*, case: Case, kind: str, risk_type: str, responsible: str, start_on: dt.date, user,
                end_on: dt.date | None = None, amount: Decimal = Decimal("0.00"), result: str = "",
                description: str = "", helping_unit: str = ""):
    """An assistance measure aimed at one of the case's risks (domain brief §5.4), recorded as one of
    the household's measures (`field.services.measure_record`) that names the case."""
    from xiezuo.field import services as field_services

    case = Case.objects.select_for_update().select_related("household").get(pk=case.pk)
    access.ensure_within(user, case.household.village_id, "change", personal_data=True)
    if case.stage not in (wf.RECORDED, wf.ASSISTING, *wf.ELIMINATION):
        raise ValidationError(_("Measures are added once the case is recorded, not at stage %(stage)s."),
                              params={"stage": case.get_stage_display()})
    if risk_type not in case.risk_types:
        raise ValidationError(_("Risk %(risk)s is not one of this case's risks."), params={"risk": risk_type})
    return field_services.measure_record(
        household=case.household, case=case, risk_type=risk_type, category=kind, helper=responsible, on=start_on,
        end_on=end_on, amount=amount, result=result, content=description, helping_unit=helping_unit, user=user)


def attachments_root():
    from pathlib import Path

    return Path(settings.DATA_DIR) / "attachments"


def sniff(head: bytes, name: str) -> str:
    """The content type from the file's first bytes; refuses anything but JPEG, PNG, PDF,
    and a name whose extension does not match the content."""
    lower = name.lower()
    for magic, ctype, exts in ALLOWED_SIGNATURES:
        if head.startswith(magic):
            if not lower.endswith(exts):
                raise ValidationError(_("The file %(name)s is a %(type)s but its name says otherwise."),
                                      params={"name": name, "type": ctype})
            return ctype
    raise ValidationError(_("Only JPEG, PNG or PDF files are accepted (checked by content): %(name)s."),
                          params={"name": name})


@transaction.atomic
def attachment_add(*, case: Case, upload, user, note: str = "") -> Attachment:
    """Store an uploaded file outside the database; `upload` is a Django UploadedFile (or any
    object with `name`, `size` and `chunks()`)."""
    case = Case.objects.select_for_update().select_related("household").get(pk=case.pk)
    access.ensure_within(user, case.household.village_id, "change", personal_data=True)
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("The file is larger than %(mb)d MB."), params={"mb": MAX_ATTACHMENT_BYTES // 2**20})
    if upload.size == 0:
        raise ValidationError(_("The file is empty."))
    chunks = list(upload.chunks())
    data = b"".join(chunks)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("The file is larger than %(mb)d MB."), params={"mb": MAX_ATTACHMENT_BYTES // 2**20})
    name = (upload.name or "file").replace("/", "_").replace("\\", "_")[-150:]
    ctype = sniff(data[:16], name)
    digest = hashlib.sha256(data).hexdigest()
    folder = attachments_root() / str(case.pk)
    folder.mkdir(parents=True, exist_ok=True)
    ext = name[name.rfind("."):].lower() if "." in name else ""
    stored = f"{case.pk}/{digest[:32]}{ext}"
    path = attachments_root() / stored
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    att = Attachment.objects.create(case=case, name=name, content_type=ctype, size=len(data), sha256=digest,
                                    stored_as=stored, note=note, uploaded_by=_fk(user))
    audit.record(action="monitoring.attachment.added", user=user, target=att, after=audit.snapshot(att),
                 division_code=case.household.village_id)
    return att
