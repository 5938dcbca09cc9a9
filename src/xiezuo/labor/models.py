"""Labour cooperation (劳务协作): eastern workstations, western workshops, job placements
of registry members and the vocational-school students sent east.

Placements and students are personal data (they name registry members): they are scoped by
the member's village, copied onto the row by the service so that scope and aggregates need
no join through the registry. An eastern office sees only the aggregates.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet
from xiezuo.dates import validate_record_date


class Workstation(models.Model):
    """劳务协作工作站: opened in an eastern division, serving one western county."""

    name = models.CharField(_("name"), max_length=200)
    east_division = models.ForeignKey("geo.Division", verbose_name=_("located in (east)"), on_delete=models.PROTECT,
                                      related_name="+")
    serves = models.ForeignKey("geo.Division", verbose_name=_("western county served"), on_delete=models.PROTECT,
                               related_name="+")
    opened_on = models.DateField(_("opened on"), validators=[validate_record_date])
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "serves__code"

    class Meta:
        verbose_name = _("labour workstation")
        verbose_name_plural = _("labour workstations")
        ordering = ["opened_on", "name"]

    def __str__(self) -> str:
        return self.name


class Workshop(models.Model):
    """扶贫车间: a workshop in a western village offering jobs to poor people."""

    name = models.CharField(_("name"), max_length=200)
    village = models.ForeignKey("geo.Division", verbose_name=_("village"), on_delete=models.PROTECT,
                                related_name="+")
    owner_name = models.CharField(_("owner"), max_length=200, blank=True)
    owner_uscc = models.CharField(_("owner's unified social credit code"), max_length=18, blank=True)
    opened_on = models.DateField(_("opened on"), validators=[validate_record_date])
    jobs_offered = models.PositiveIntegerField(_("jobs offered"), default=0)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "village__code"

    class Meta:
        verbose_name = _("poverty-alleviation workshop")
        verbose_name_plural = _("poverty-alleviation workshops")
        ordering = ["opened_on", "name"]

    def __str__(self) -> str:
        return self.name


class Place(models.TextChoices):
    LOCAL = "local", _("Local (county)")
    IN_PROVINCE = "in_province", _("Elsewhere in the province")
    # the eastern partner province (through its workstations or not); its name is the division tree's
    PARTNER_PROVINCE = "partner_province", _("Partner province (east)")
    OTHER_PROVINCE = "other_province", _("Other province")


class Placement(models.Model):
    """A registry member placed in a job (转移就业)."""

    member = models.ForeignKey("registry.Member", verbose_name=_("member"), on_delete=models.CASCADE,
                               related_name="placements")
    village = models.ForeignKey("geo.Division", verbose_name=_("home village"), on_delete=models.PROTECT,
                                related_name="+", editable=False)
    employer = models.CharField(_("employer"), max_length=200)
    place = models.CharField(_("where"), max_length=16, choices=Place.choices)
    workstation = models.ForeignKey(Workstation, verbose_name=_("via workstation"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="placements")
    workshop = models.ForeignKey(Workshop, verbose_name=_("in workshop"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="placements")
    start_date = models.DateField(_("start date"), validators=[validate_record_date])
    end_date = models.DateField(_("end date"), null=True, blank=True)
    monthly_wage = models.DecimalField(_("monthly wage (yuan)"), max_digits=10, decimal_places=2)
    months_employed = models.PositiveSmallIntegerField(_("months employed in the start year"))
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "village__code"
    personal_data = True

    class Meta:
        verbose_name = _("job placement")
        verbose_name_plural = _("job placements")
        ordering = ["-start_date", "id"]
        indexes = [models.Index(fields=["start_date"], name="labor_placement_start")]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.employer}"

    @property
    def wage_in_start_year(self) -> Decimal:
        return self.monthly_wage * self.months_employed


class VocationalStudent(models.Model):
    """东西部教育扶贫协作: a registry member sent to an eastern vocational school."""

    member = models.ForeignKey("registry.Member", verbose_name=_("member"), on_delete=models.CASCADE,
                               related_name="vocational_places")
    village = models.ForeignKey("geo.Division", verbose_name=_("home village"), on_delete=models.PROTECT,
                                related_name="+", editable=False)
    school = models.CharField(_("school"), max_length=200)
    school_division = models.ForeignKey("geo.Division", verbose_name=_("school's division (east)"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(_("programme"), max_length=200, blank=True,
                                 help_text=_('e.g. a "2+1" mechatronics class'))
    enrolled_year = models.PositiveSmallIntegerField(_("year enrolled"))
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "village__code"
    personal_data = True

    class Meta:
        verbose_name = _("vocational student sent east")
        verbose_name_plural = _("vocational students sent east")
        ordering = ["-enrolled_year", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "enrolled_year"],
                                               name="labor_student_once_a_year")]

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.school}"
