"""防返贫监测 cases: the case, its append-only step log, risks, attachments.

A case's assistance measures are household measures (`xiezuo.field.models.AssistanceMeasure`) that
name the case and the risk they answer: one record, read by the case page and the household page.

Records are never deleted; a closed case stays on record (domain brief §5.5).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet
from xiezuo.dates import validate_record_date

from . import workflow as wf


class RiskType(models.TextChoices):  # 致贫/返贫风险 (domain brief §2.5)
    ILLNESS = "01", _("Illness")  # 因病
    FLOOD = "0201", _("Disaster: flood")
    GEOLOGICAL = "0202", _("Disaster: geological")
    DROUGHT = "0203", _("Disaster: drought")
    BIOLOGICAL = "0204", _("Disaster: biological")
    METEOROLOGICAL = "0205", _("Disaster: meteorological")
    EARTHQUAKE = "0206", _("Disaster: earthquake")
    DISASTER_OTHER = "0299", _("Disaster: other")
    DISABILITY = "03", _("Disability")  # 因残
    LACK_LABOUR = "04", _("Lack of labour")  # 缺劳动力
    ACCIDENT = "05", _("Accident")  # 因意外事故
    BUSINESS_FAILURE = "06", _("Failed business or project")  # 因产业(项目)失败
    UNSTABLE_EMPLOYMENT = "07", _("Unstable employment")  # 因务工就业不稳
    SCHOOLING = "09", _("Schooling costs")  # 因学
    OTHER = "99", _("Other")  # 其他


class Source(models.TextChoices):  # 监测方式 (domain brief §5.2)
    ENGINE_FLAG = "engine_flag", _("Flagged by a measurement run")
    SELF_REPORT = "self_report", _("Household self-report")  # 农户自主申报
    STAFF_CHECK = "staff_check", _("Staff check")  # 干部排查
    DEPARTMENT_WARNING = "department_warning", _("Department warning")  # 部门筛查预警


class Category(models.TextChoices):  # 监测对象 (domain brief §5.1)
    UNSTABLE_EXITED = "unstable_exited", _("Unstable exited household")  # 脱贫不稳定户
    MARGINAL = "marginal", _("Marginal household prone to poverty")  # 边缘易致贫户
    SUDDEN_HARDSHIP = "sudden_hardship", _("Household in sudden severe difficulty")  # 突发严重困难户


class Stage(models.TextChoices):
    RISK_WARNING = wf.RISK_WARNING, _("Risk warning")
    HOME_VISIT = wf.HOME_VISIT, _("Home visit")
    COMMITMENT = wf.COMMITMENT, _("Commitment and authorisation")
    DATA_COMPARISON = wf.DATA_COMPARISON, _("Data comparison")
    DEMOCRATIC_APPRAISAL = wf.DEMOCRATIC_APPRAISAL, _("Democratic appraisal")
    PUBLIC_NOTICE = wf.PUBLIC_NOTICE, _("Village public notice")
    TOWNSHIP_REVIEW = wf.TOWNSHIP_REVIEW, _("Township review")
    COUNTY_DECISION = wf.COUNTY_DECISION, _("County decision")
    RECORDED = wf.RECORDED, _("Recorded")
    ASSISTING = wf.ASSISTING, _("Assisting")
    ELIMINATION_CHECK = wf.ELIMINATION_CHECK, _("Elimination: home check")
    ELIMINATION_APPRAISAL = wf.ELIMINATION_APPRAISAL, _("Elimination: appraisal and notice")
    ELIMINATION_TOWNSHIP_REVIEW = wf.ELIMINATION_TOWNSHIP_REVIEW, _("Elimination: township review")
    ELIMINATION_COUNTY_APPROVAL = wf.ELIMINATION_COUNTY_APPROVAL, _("Elimination: county approval")
    CLOSED = wf.CLOSED, _("Risk eliminated")
    CLOSED_NOT_IDENTIFIED = wf.CLOSED_NOT_IDENTIFIED, _("Not identified")


MONEY = {"max_digits": 12, "decimal_places": 2}


class Case(models.Model):
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="monitoring_cases")
    county_code = models.CharField(_("county code"), max_length=12, db_index=True)  # denormalised for counts
    year = models.PositiveSmallIntegerField(_("monitoring year"), db_index=True)
    risk_types = models.JSONField(_("risk types"), default=list)
    source = models.CharField(_("signal source"), max_length=20, choices=Source.choices)
    source_run_id = models.PositiveIntegerField(_("measurement run"), null=True, blank=True)
    source_department = models.CharField(_("department"), max_length=60, blank=True)
    source_detail = models.TextField(_("signal details"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    stage = models.CharField(_("stage"), max_length=32, choices=Stage.choices, default=Stage.RISK_WARNING,
                             db_index=True)
    opened_on = models.DateField(_("opened"), validators=[validate_record_date])
    stage_entered_on = models.DateField(_("stage entered"))
    stage_due_on = models.DateField(_("stage due"), null=True, blank=True, db_index=True)
    identified_on = models.DateField(_("identified"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="monitoring_cases")
    income_at_identification = models.DecimalField(_("per-capita income at identification"), null=True,
                                                   blank=True, **MONEY)
    rigid_expenditure = models.DecimalField(_("rigid expenditure"), default=Decimal("0.00"), **MONEY)
    income_stable = models.BooleanField(_("income stable for half a year"), default=False)
    rigid_expense_resolved = models.BooleanField(_("rigid expenses resolved"), default=False)
    synthetic = models.BooleanField(_("synthetic"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("monitoring case")
        verbose_name_plural = _("monitoring cases")
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["county_code", "stage"]), models.Index(fields=["year", "stage"])]

    def __str__(self) -> str:
        return f"M{self.pk or 0:06d}"

    @property
    def risk_labels(self) -> list[str]:
        """The risk types by name (a page shows 因病, never the code 01)."""
        labels = dict(RiskType.choices)
        return [str(labels.get(r, r)) for r in self.risk_types]

    def audit_division_code(self) -> str:
        return self.household.village_id

    @property
    def is_open(self) -> bool:
        return self.stage not in wf.TERMINAL

    def is_overdue(self, today) -> bool:
        return wf.is_overdue(self.stage, self.stage_due_on, today)


class CaseRisk(models.Model):
    """One identified risk of a case; the partial unique constraint keeps a household from
    having two open cases for the same risk."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risks")
    household = models.ForeignKey("registry.Household", on_delete=models.PROTECT, related_name="+")
    risk_type = models.CharField(_("risk type"), max_length=4, choices=RiskType.choices)
    is_open = models.BooleanField(default=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("case risk")
        verbose_name_plural = _("case risks")
        constraints = [
            models.UniqueConstraint(fields=["household", "risk_type"], condition=models.Q(is_open=True),
                                    name="monitoring_one_open_case_per_risk"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.risk_type}"


class CaseStep(models.Model):
    """Append-only log of every transition (and the opening)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    from_stage = models.CharField(_("from"), max_length=32, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=32, choices=Stage.choices)
    on = models.DateField(_("date"), validators=[validate_record_date])
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(_("by"), max_length=150)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "case__household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering = ["case", "on", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.from_stage}→{self.to_stage}"


class Attachment(models.Model):
    """A photo or scanned document, stored under XIEZUO_DATA_DIR/attachments/<case>/."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=200)  # relative to the attachments root
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "case__household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
