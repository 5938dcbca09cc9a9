"""Field work: the assistance measures (帮扶措施) each household received, year by year.

One record serves the household's own history (the registry's print template lists its measures
by category, helping unit, content, cost and date, domain brief §2.3) and the monitoring case's
assistance step (§5.4: at least one measure aimed at each identified risk): a measure taken for a
case carries the case and the risk it answers. Where a cooperation record paid for the measure
(a project's beneficiary link, a job placement, a training place) the measure points to it.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xiezuo.accounts.access import RestrictedQuerySet
from xiezuo.accounts.crypto import sealed_property
from xiezuo.monitoring.models import RiskType

MONEY = {"max_digits": 12, "decimal_places": 2}
FIRST_YEAR = 2014  # 建档立卡 began in 2014


class Category(models.TextChoices):
    """The print template's categories (§2.3) and the monitoring measure types (§2.5) in one list.

    The codes "health" and "finance" are monitoring's former codes for medical help and small loans."""

    INDUSTRY = "industry", _("Industry support")  # 产业扶持
    EMPLOYMENT = "employment", _("Employment and labour transfer")  # 就业扶持、劳动力转移
    EDUCATION = "education", _("Education support")  # 教育扶持
    HEALTH = "health", _("Medical support")  # 医疗扶持
    HOUSING = "housing", _("Housing renovation")  # 危房改造
    RELOCATION = "relocation", _("Relocation")  # 易地扶贫搬迁
    FARM_SUBSIDY = "farm_subsidy", _("Farm subsidies")  # 惠农补贴
    PENSION = "pension", _("Pension insurance")  # 养老保险
    DIBAO = "dibao", _("Low-income allowance")  # 低保金
    ECO_POST = "eco_post", _("Ecological post")  # 生态护林员
    FINANCE = "finance", _("Small loan")  # 小额信贷
    PUBLIC_WELFARE_JOB = "public_welfare_job", _("Public-welfare job")  # 公益岗位
    WATER = "water", _("Drinking water")  # 饮水
    SOCIAL_PROTECTION = "social_protection", _("Social protection")  # 综合保障
    CONSUMPTION = "consumption", _("Consumption")  # 消费帮扶
    SOCIAL = "social", _("Social assistance")  # 社会帮扶
    MOTIVATION = "motivation", _("Motivation and skills")  # 扶志扶智
    OTHER = "other", _("Other")  # 其他


class AssistanceMeasure(models.Model):
    # Indexes: (household, year) and (year, category) cover the household FK and the year; the
    # mostly-empty links get partial indexes (for their SET NULL on delete), which keeps the demo's
    # bulk insert of ~600k rows fast.
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="assistance_measures", db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))  # the year of `on`, kept for counts
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    content = models.CharField(_("content"), max_length=200, blank=True)
    helping_unit = models.CharField(_("helping unit"), max_length=100, blank=True)
    helper = models.CharField(_("person responsible"), max_length=50, blank=True)
    amount = models.DecimalField(_("amount (yuan)"), default=Decimal("0.00"), **MONEY)
    on = models.DateField(_("date"))
    end_on = models.DateField(_("end"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=200, blank=True)
    case = models.ForeignKey("monitoring.Case", verbose_name=_("monitoring case"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="measures", db_index=False)
    risk_type = models.CharField(_("risk addressed"), max_length=4, blank=True, choices=RiskType.choices)
    beneficiary = models.ForeignKey("projects.ProjectBeneficiary", verbose_name=_("project beneficiary link"),
                                    null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    placement = models.ForeignKey("labor.Placement", verbose_name=_("job placement"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+", db_index=False)
    attendee = models.ForeignKey("talent.Attendee", verbose_name=_("training place"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    synthetic = models.BooleanField(_("synthetic"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        ordering = ["household", "on", "id"]
        indexes = [
            models.Index(fields=["household", "year"], name="field_measure_household_year"),
            models.Index(fields=["year", "category"], name="field_measure_year_category"),
            *(models.Index(fields=[link], condition=models.Q(**{f"{link}__isnull": False}),
                           name=f"field_measure_{link}") for link in ("case", "beneficiary", "placement", "attendee")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="field_measure_amount_not_negative"),
            models.CheckConstraint(condition=models.Q(year__gte=FIRST_YEAR), name="field_measure_from_2014"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.on:%Y-%m-%d}" if self.on else self.get_category_display()

    def audit_division_code(self) -> str:
        return self.household.village_id

    @property
    def link_label(self) -> str:
        """Which cooperation record paid for it, for the pages."""
        if self.beneficiary_id:
            return "project"
        if self.placement_id:
            return "placement"
        if self.attendee_id:
            return "training"
        return ""


class CadreAccount(models.Model):
    """Links a sign-in to the registry's person responsible (帮扶责任人), whose households are "mine"."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cadre_account")
    cadre = models.OneToOneField("registry.Cadre", on_delete=models.CASCADE, related_name="account")

    objects = RestrictedQuerySet.as_manager()
    scope_field = "cadre__division__code"

    class Meta:
        verbose_name = _("cadre account")
        verbose_name_plural = _("cadre accounts")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.cadre_id}"


class Visit(models.Model):
    """A home visit (入户走访) recorded on the phone, possibly offline: `client_key` is made on the device,
    so a visit sent twice is stored once."""

    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("visitor"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    visitor_name = models.CharField(_("visitor"), max_length=150)
    on = models.DateField(_("date"))
    met = models.CharField(_("who was met"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    facts = models.JSONField(_("facts updated"), default=dict, blank=True)  # {field: [before, after]}
    risks = models.JSONField(_("risks observed"), default=list, blank=True)
    case = models.ForeignKey("monitoring.Case", verbose_name=_("monitoring case opened"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    client_key = models.UUIDField(_("device key"), unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["household", "on"], name="field_visit_household_on")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.on:%Y-%m-%d}" if self.on else str(self.household_id)

    def audit_division_code(self) -> str:
        return self.household.village_id


class VisitPhoto(models.Model):
    """A photo taken at a visit, stored under XIEZUO_DATA_DIR/visits/<visit>/."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    stored_as = models.CharField(max_length=200)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "visit__household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return self.name


class ReportKind(models.TextChoices):  # what happened, in the family's words (own context: not the risk codes')
    ILLNESS = "illness", pgettext_lazy("self-report", "Illness")  # 生病住院
    ACCIDENT = "accident", pgettext_lazy("self-report", "Accident")  # 意外事故
    DISASTER = "disaster", pgettext_lazy("self-report", "Disaster")  # 自然灾害
    JOB_LOSS = "job_loss", pgettext_lazy("self-report", "Lost work")  # 失业、务工受阻
    SCHOOLING = "schooling", pgettext_lazy("self-report", "Schooling costs")  # 上学费用
    OTHER = "other", pgettext_lazy("self-report", "Other")  # 其他困难


class ReportStatus(models.TextChoices):
    NEW = "new", _("New")
    CONFIRMED = "confirmed", _("Confirmed: a monitoring signal")
    REJECTED = "rejected", _("Not a risk")


class SelfReport(models.Model):
    """A household's own report (农户自主申报) from the public form behind a village's QR poster.

    The public sees nothing of the registry; the match to a registered household is a suggestion for the
    cadre, who confirms the report into a monitoring signal (or registers a new household)."""

    village = models.ForeignKey("geo.Division", verbose_name=_("village"), on_delete=models.PROTECT,
                                related_name="+")
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("what happened"), max_length=12, choices=ReportKind.choices)
    detail = models.CharField(_("details"), max_length=500, blank=True)
    # The call-back number is personal data: encrypted at rest like the registry's phones (`phone=` sets both;
    # the cadre's queue unseals it for the call back).
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    phone = sealed_property("phone", "phone")
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.NEW,
                              db_index=True)
    suggested = models.ForeignKey("registry.Household", verbose_name=_("possible household"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="self_reports")
    case = models.ForeignKey("monitoring.Case", verbose_name=_("monitoring case"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    handled_on = models.DateField(_("handled"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "village__code"
    personal_data = True

    class Meta:
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.village_id} {self.kind} {self.created_at:%Y-%m-%d}" if self.created_at else self.kind

    def audit_division_code(self) -> str:
        return self.village_id
