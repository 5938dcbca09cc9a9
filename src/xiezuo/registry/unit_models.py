"""Poor villages and poor counties (贫困村, 贫困县) as units of the registry: their designation and exit, the
village facts a village's exit needs, and a county's third-party assessment (domain brief §4.2–4.3).

The engine (`measure.engine.units`) judges from these and a run's division sums whether a unit may exit;
the recorded exit (`PoorUnit.exit_year`) is the province's decision, kept as data.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet

RATE = {"max_digits": 7, "decimal_places": 6,
        "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]}


class PoorUnit(models.Model):
    """A village or county designated poor (贫困村 / 贫困县): when, by which list, and when it exited."""

    class Status(models.TextChoices):
        DESIGNATED = "designated", _("Designated poor")
        EXITED = "exited", _("Exited")

    division = models.OneToOneField("geo.Division", verbose_name=_("division"), on_delete=models.CASCADE,
                                    related_name="poor_unit")
    level = models.CharField(_("level"), max_length=10, editable=False)  # the division's: village or county
    designated_year = models.PositiveSmallIntegerField(_("designated in"))
    designated_by = models.CharField(_("designation list or document"), max_length=200, blank=True)
    exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)
    exit_document = models.CharField(_("exit approved by"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "division__code"

    class Meta:
        verbose_name = _("poor village or county")
        verbose_name_plural = _("poor villages and counties")
        ordering = ["division_id"]
        indexes = [models.Index(fields=["level", "exit_year"], name="registry_poorunit_exit_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__in=("village", "county")),
                                   name="registry_poorunit_level"),
            models.CheckConstraint(condition=models.Q(exit_year__isnull=True)
                                   | models.Q(exit_year__gte=models.F("designated_year")),
                                   name="registry_poorunit_exit_after_designation"),
        ]

    def __str__(self) -> str:
        return str(self.division)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        division = self.division if self.division_id else None
        if division is not None:
            if division.level not in ("village", "county"):
                raise ValidationError({"division": _("Only a village or a county can be designated poor; "
                                                     "%(name)s is a %(level)s.")
                                       % {"name": division.name, "level": division.get_level_display()}})
            self.level = division.level
        if self.exit_year is not None and self.exit_year < self.designated_year:
            raise ValidationError({"exit_year": _("The exit year cannot come before the designation (%(year)s).")
                                   % {"year": self.designated_year}})

    @property
    def status(self) -> str:
        return self.Status.EXITED if self.exit_year is not None else self.Status.DESIGNATED

    def status_in(self, year: int) -> str:
        """designated, exited, or "" (not yet designated) at the end of `year`."""
        if year < self.designated_year:
            return ""
        return self.Status.EXITED if self.exit_year is not None and self.exit_year <= year else self.Status.DESIGNATED

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    def audit_division_code(self) -> str:
        return self.division_id


class VillageFacts(models.Model):
    """A village's "five haves" (五有, Sichuan's 一低五有, brief §4.2) in a year; None = not recorded. The registry's
    household facts say nothing about these village services, so they are recorded here."""

    village = models.ForeignKey("geo.Division", verbose_name=_("village"), on_delete=models.CASCADE,
                                related_name="village_facts")
    year = models.PositiveSmallIntegerField(_("year"))
    collective_income = models.DecimalField(_("collective economy income (yuan)"), max_digits=14, decimal_places=2,
                                            null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    hardened_road = models.BooleanField(_("hardened road to the village"), null=True, blank=True)
    clinic = models.BooleanField(_("village clinic (卫生室)"), null=True, blank=True)
    cultural_room = models.BooleanField(_("cultural room or activity venue"), null=True, blank=True)
    telecom = models.BooleanField(_("telecom network (broadband)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "village__code"

    class Meta:
        verbose_name = _("village facts")
        verbose_name_plural = _("village facts")
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="registry_villagefacts_unique")]

    def __str__(self) -> str:
        return f"{self.village} {self.year}"

    def audit_division_code(self) -> str:
        return self.village_id


class CountyAssessment(models.Model):
    """A county's third-party exit assessment (第三方评估) of a year: the inputs of 县摘帽 the registry cannot give.
    Rates are fractions (0.015 = 1.5 %)."""

    county = models.ForeignKey("geo.Division", verbose_name=_("county"), on_delete=models.CASCADE,
                               related_name="exit_assessments")
    year = models.PositiveSmallIntegerField(_("year"))
    wrong_exit_rate = models.DecimalField(_("wrong-exit rate (错退率)"), **RATE)
    missed_poor_rate = models.DecimalField(_("missed-poor rate (漏评率)"), **RATE)
    public_approval = models.DecimalField(_("public approval (群众认可度)"), **RATE)
    source = models.CharField(_("source"), max_length=200)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "county__code"

    class Meta:
        verbose_name = _("county exit assessment")
        verbose_name_plural = _("county exit assessments")
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="registry_countyassessment_unique")]

    def __str__(self) -> str:
        return f"{self.county} {self.year}"

    def audit_division_code(self) -> str:
        return self.county_id
