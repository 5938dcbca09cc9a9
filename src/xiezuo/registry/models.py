"""The 建档立卡 registry: households, members, yearly facts, helpers and status history.

Facts that change by year (income by source, 两不愁三保障, housing, water, the recorded
poverty status) live in `HouseholdYear`, one row per household and year. Member rows hold
a person's attributes as last recorded; the yearly member-derived checks a household
needs (dropouts of compulsory-school age, members without basic medical insurance) are
kept on `HouseholdYear` so each year's facts are complete on their own.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet
from xiezuo.accounts.crypto import sealed_property
from xiezuo.dates import validate_record_date

from . import choices

MONEY = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


class Cadre(models.Model):
    """A person responsible for assistance (帮扶责任人) or for a project."""

    name = models.CharField(_("name"), max_length=50)
    work_unit = models.CharField(_("work unit"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=50, blank=True)
    # Phone and bank account: encrypted at rest (accounts.crypto, like identity numbers) with a masked form for
    # display; `phone=` / `bank_account=` set both, reading the clear value needs crypto.unseal.
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    phone = sealed_property("phone", "phone")
    division = models.ForeignKey("geo.Division", on_delete=models.PROTECT, related_name="+")
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "division__code"

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")

    def __str__(self) -> str:
        return f"{self.name} ({self.work_unit})" if self.work_unit else self.name

    def audit_division_code(self) -> str:
        return self.division_id


class Household(models.Model):
    number = models.CharField(_("household number"), max_length=30, unique=True)  # 户编号
    village = models.ForeignKey(
        "geo.Division", verbose_name=_("village"), on_delete=models.PROTECT, related_name="households"
    )
    head_name = models.CharField(_("head of household"), max_length=50)
    attribute = models.CharField(
        _("household attribute"), max_length=10, choices=choices.HouseholdAttribute.choices,
        default=choices.HouseholdAttribute.GENERAL,
    )
    standard = models.CharField(
        _("identification standard"), max_length=10, choices=choices.IdentificationStandard.choices,
        default=choices.IdentificationStandard.NATIONAL,
    )
    status = models.CharField(
        _("status"), max_length=16, choices=choices.HouseholdStatus.choices,
        default=choices.HouseholdStatus.IDENTIFIED, db_index=True,
    )
    identified_on = models.DateField(_("first identified"), null=True, blank=True,
                                     validators=[validate_record_date])
    exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)
    main_cause = models.CharField(_("main cause of poverty"), max_length=16, choices=choices.Cause.choices, blank=True)
    other_causes = models.JSONField(_("other causes"), default=list, blank=True)
    military_family = models.BooleanField(_("military or martyr family"), default=False)
    only_child = models.BooleanField(_("only-child household"), default=False)
    two_daughters = models.BooleanField(_("two-daughter household"), default=False)
    # Phone and bank account: encrypted at rest (accounts.crypto, like identity numbers) with a masked form for
    # display; `phone=` / `bank_account=` set both, reading the clear value needs crypto.unseal.
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    phone = sealed_property("phone", "phone")
    bank_name = models.CharField(_("bank"), max_length=50, blank=True)
    bank_account_enc = models.TextField(_("bank account (encrypted)"), blank=True, editable=False)
    bank_account_masked = models.CharField(_("bank account"), max_length=32, blank=True, editable=False)
    bank_account = sealed_property("bank_account", "account")
    cultivated_mu = models.DecimalField(_("cultivated land (mu)"), max_digits=8, decimal_places=2, default=0)
    forest_mu = models.DecimalField(_("forest land (mu)"), max_digits=8, decimal_places=2, default=0)
    road_distance_km = models.DecimalField(_("distance to main road (km)"), max_digits=6, decimal_places=2, default=0)
    road_type = models.CharField(_("access road"), max_length=10, blank=True, choices=choices.RoadType.choices)
    housing_area_m2 = models.DecimalField(_("housing area (m²)"), max_digits=7, decimal_places=2, default=0)
    relocated = models.BooleanField(_("relocation household"), default=False)
    cooperative_member = models.BooleanField(_("member of a cooperative"), default=False)
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("person responsible"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="households",
    )
    synthetic = models.BooleanField(_("synthetic"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "village__code"
    personal_data = True

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        indexes = [models.Index(fields=["village", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.head_name}"

    def audit_division_code(self) -> str:
        return self.village_id


class Member(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    # Identity number: encrypted at rest, a keyed hash for uniqueness and lookup,
    # and the masked form for display and search (accounts.crypto).
    id_number_enc = models.TextField(_("identity number (encrypted)"), blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    id_number_masked = models.CharField(_("identity number"), max_length=22, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=choices.Sex.choices)
    birth_date = models.DateField(_("date of birth"))
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    relation = models.CharField(_("relation to head"), max_length=2, choices=choices.Relation.choices)
    education = models.CharField(_("education"), max_length=12, choices=choices.Education.choices, blank=True)
    schooling = models.CharField(
        _("in-school status"), max_length=20, choices=choices.Schooling.choices, default=choices.Schooling.NONE
    )
    health = models.CharField(_("health"), max_length=10, choices=choices.Health.choices,
                              default=choices.Health.HEALTHY)
    disability_category = models.CharField(
        _("disability category"), max_length=12, choices=choices.DisabilityCategory.choices, blank=True
    )
    disability_grade = models.PositiveSmallIntegerField(_("disability grade"), null=True, blank=True)
    labour = models.CharField(_("labour ability"), max_length=10, choices=choices.Labour.choices,
                              default=choices.Labour.ORDINARY)
    work_place = models.CharField(_("work place"), max_length=10, choices=choices.WorkPlace.choices, blank=True)
    months_worked = models.PositiveSmallIntegerField(_("months worked"), default=0)
    medical_insurance = models.BooleanField(_("basic medical insurance"), default=True)
    critical_illness_insurance = models.BooleanField(_("critical-illness insurance"), default=True)
    pension_insurance = models.BooleanField(_("resident pension insurance"), default=False)
    dibao = models.BooleanField(_("receives low-income allowance"), default=False)
    tekun = models.BooleanField(_("receives destitute support"), default=False)
    # Phone and bank account: encrypted at rest (accounts.crypto, like identity numbers) with a masked form for
    # display; `phone=` / `bank_account=` set both, reading the clear value needs crypto.unseal.
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True, editable=False)
    phone_masked = models.CharField(_("phone"), max_length=20, blank=True, editable=False)
    phone = sealed_property("phone", "phone")
    deceased = models.BooleanField(_("deceased or left"), default=False)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=models.Q(deceased=False) & ~models.Q(id_number_hash=""),
                name="registry_member_unique_living_id",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def audit_division_code(self) -> str:
        return self.household.village_id

    def age_in(self, year: int) -> int:
        """Age at the end of `year` (31 December), the registry's reference date."""
        return year - self.birth_date.year


class HouseholdYear(models.Model):
    """A household's facts for one year: income by source, 两不愁三保障, housing, water, status."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    size = models.PositiveSmallIntegerField(_("household size"))
    # Income by source (domain brief §2.6), yuan per year.
    wage = models.DecimalField(_("wage income"), **MONEY)
    business = models.DecimalField(_("business income"), **MONEY)
    property_dividend = models.DecimalField(_("asset-income dividends"), **MONEY)
    property_other = models.DecimalField(_("other property income"), **MONEY)
    transfer_family_planning = models.DecimalField(_("family-planning bonus"), **MONEY)
    transfer_dibao = models.DecimalField(_("low-income allowance"), **MONEY)
    transfer_tekun = models.DecimalField(_("destitute support"), **MONEY)
    transfer_pension = models.DecimalField(_("pension"), **MONEY)
    transfer_eco = models.DecimalField(_("ecological compensation"), **MONEY)
    transfer_other = models.DecimalField(_("other transfers"), **MONEY)
    production_cost = models.DecimalField(_("production expenditure"), **MONEY)
    medical_expense = models.DecimalField(_("out-of-pocket medical spending"), **MONEY)
    education_expense = models.DecimalField(_("education spending"), **MONEY)
    # 两不愁三保障 and water.
    food_secure = models.BooleanField(_("no worry about food"), default=True)
    clothing_secure = models.BooleanField(_("no worry about clothing"), default=True)
    compulsory_dropouts = models.PositiveSmallIntegerField(_("dropouts of compulsory-school age"), default=0)
    uninsured_members = models.PositiveSmallIntegerField(_("members without basic medical insurance"), default=0)
    housing_grade = models.CharField(_("housing grade"), max_length=1, choices=choices.HousingGrade.choices,
                                     default=choices.HousingGrade.B)
    water_safe = models.BooleanField(_("safe drinking water"), default=True)
    water_difficult = models.BooleanField(_("drinking water difficult"), default=False)
    electricity = models.BooleanField(_("household electricity"), default=True)
    sanitary_toilet = models.BooleanField(_("sanitary toilet"), default=False)
    clean_fuel = models.BooleanField(_("clean cooking fuel"), default=False)
    year_status = models.CharField(_("poverty status"), max_length=10, choices=choices.YearStatus.choices,
                                   default=choices.YearStatus.POOR)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    INCOME_FIELDS = (
        "wage", "business", "property_dividend", "property_other", "transfer_family_planning",
        "transfer_dibao", "transfer_tekun", "transfer_pension", "transfer_eco", "transfer_other",
    )

    class Meta:
        verbose_name = _("household year")
        verbose_name_plural = _("household years")
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="registry_householdyear_unique")]
        # Covers the year-end counts of registry.stats (year, status -> household, size) without
        # reading the wide rows: 3-4x faster grouped counts at 100k+ households.
        indexes = [models.Index(fields=["year", "year_status", "household", "size"], name="registry_hy_year_cover_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    def audit_division_code(self) -> str:
        return self.household.village_id

    @property
    def net_income(self) -> Decimal:
        """Household net income: all sources minus production expenditure (domain brief §2.6)."""
        return sum((getattr(self, f) for f in self.INCOME_FIELDS), Decimal("0")) - self.production_cost

    @property
    def per_capita_income(self) -> Decimal:
        return (self.net_income / self.size).quantize(Decimal("0.01")) if self.size else Decimal("0.00")

    @property
    def housing_safe(self) -> bool:
        return self.housing_grade in ("A", "B")


class StatusChange(models.Model):
    """Append-only history of a household's lifecycle, so any date's status can be rebuilt."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="status_changes")
    on = models.DateField(_("date"), validators=[validate_record_date])
    from_status = models.CharField(_("from"), max_length=16, choices=choices.HouseholdStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=choices.HouseholdStatus.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["household", "on", "id"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.on} {self.from_status}→{self.to_status}"


class VillageYear(models.Model):
    """Year-end counts of one village's household-years, precomputed (`registry.summary`).

    The division pages, the indicator table and the dashboard read these (a few thousand rows)
    instead of grouping every household-year per request; any division is the sum of its
    villages (a code-prefix filter). Aggregates, not personal data.
    """

    village_code = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    households = models.PositiveIntegerField(default=0)  # household-years recorded
    people = models.PositiveIntegerField(default=0)  # sum of their sizes
    poor_households = models.PositiveIntegerField(default=0)  # year_status in stats.POOR_STATUSES
    poor_people = models.PositiveIntegerField(default=0)

    scope_field = "village_code"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["year", "village_code"], name="registry_villageyear_unique")]
        indexes = [models.Index(fields=["village_code", "year"], name="registry_villageyear_code_idx")]

    def __str__(self) -> str:
        return f"{self.village_code} {self.year}"


class SummaryState(models.Model):
    """One row: the last HouseholdYear id the summary has seen (rows inserted after it, e.g. by a
    bulk path that sends no signals, make their villages stale on the next read)."""

    last_year_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"summary up to household-year {self.last_year_id}"


class StaleVillage(models.Model):
    """A village whose `VillageYear` rows must be recomputed before the next read."""

    village_code = models.CharField(max_length=12, primary_key=True)

    def __str__(self) -> str:
        return self.village_code


# Poor villages and counties as units (their own module: a separate concept from the households).
from .unit_models import CountyAssessment, PoorUnit, VillageFacts  # noqa: E402, F401
