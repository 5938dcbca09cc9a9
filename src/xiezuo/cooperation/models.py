"""East–West cooperation records: organisations, pairings (结对) and framework agreements
with their yearly targets.

A pairing joins an eastern party (a division, an organisation, or both) to a western one
for a period; several may hold at once (安吉 donated to 青川 while 吴兴 was its partner).
Pairings and agreements are scoped by their western division, so western staff see the
pairings of their own area and an eastern office sees the western divisions paired with its
own, each record by the pairing in force at its date (`scope_date_field` / `scope_year_field`;
the pairings reach accounts.access through `selectors.partner_periods_for_east_user`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet
from xiezuo.dates import validate_record_date


class Side(models.TextChoices):
    EAST = "east", _("East (helping)")
    WEST = "west", _("West (helped)")


class Organisation(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government body")
        ENTERPRISE = "enterprise", _("Enterprise")
        SCHOOL = "school", _("School")
        HOSPITAL = "hospital", _("Hospital")
        SOCIAL = "social", _("Social organisation")
        COOPERATIVE = "cooperative", _("Cooperative")

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    division = models.ForeignKey("geo.Division", verbose_name=_("division"), on_delete=models.PROTECT,
                                 related_name="+")
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "division__code"

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["side", "name"]
        constraints = [models.UniqueConstraint(fields=["uscc"], condition=~models.Q(uscc=""),
                                               name="cooperation_org_unique_uscc")]

    def __str__(self) -> str:
        return self.name

    def audit_division_code(self) -> str:
        return self.division_id


class Round(models.TextChoices):
    """The successive rounds of Zhejiang–Guangyuan cooperation (domain brief §9.2)."""

    PAIRED_AID = "1996", _("Paired aid 1996–2008")
    RECONSTRUCTION = "2008", _("Earthquake reconstruction 2008–2011")
    LONG_TERM = "2011", _("Long-term aid 2011–2017")
    POVERTY_COOPERATION = "2018", _("Poverty-alleviation cooperation 2018–2020")
    EAST_WEST = "2021", _("East–West cooperation 2021–")


class Pairing(models.Model):
    class Level(models.TextChoices):
        CITY = "city", _("City–city")
        COUNTY = "county", _("County–county")
        TOWN = "town", _("Town–town")
        VILLAGE = "village", _("Village–village")
        ENTERPRISE_VILLAGE = "enterprise_village", _("Enterprise–village")
        SCHOOL = "school", _("School–school")
        HOSPITAL = "hospital", _("Hospital–hospital")
        SOCIAL = "social", _("Social organisation")
        DONOR = "donor", _("Donation")

    level = models.CharField(_("level"), max_length=20, choices=Level.choices, db_index=True)
    east_division = models.ForeignKey("geo.Division", verbose_name=_("eastern division"), on_delete=models.PROTECT,
                                      related_name="+")
    east_organisation = models.ForeignKey(Organisation, verbose_name=_("eastern organisation"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="east_pairings")
    west_division = models.ForeignKey("geo.Division", verbose_name=_("western division"), on_delete=models.PROTECT,
                                      related_name="+")
    west_organisation = models.ForeignKey(Organisation, verbose_name=_("western organisation"), null=True,
                                          blank=True, on_delete=models.PROTECT, related_name="west_pairings")
    round = models.CharField(_("round"), max_length=4, choices=Round.choices)
    basis = models.CharField(_("basis"), max_length=300, blank=True,
                             help_text=_("The decision or agreement the pairing rests on."))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "west_division__code"
    scope_date_field = "valid_from"  # an eastern office sees pairings that began while it was paired there

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-valid_from", "level", "west_division_id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
            name="cooperation_pairing_dates")]

    def __str__(self) -> str:
        east = self.east_organisation or self.east_division
        west = self.west_organisation or self.west_division
        return f"{east} – {west}"

    def audit_division_code(self) -> str:
        return self.west_division_id

    def valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Agreement(models.Model):
    """A framework agreement (e.g. 广元–湖州 2018–2020) and, through its targets, each year's goals."""

    title = models.CharField(_("title"), max_length=300)
    east_division = models.ForeignKey("geo.Division", verbose_name=_("eastern party"), on_delete=models.PROTECT,
                                      related_name="+")
    west_division = models.ForeignKey("geo.Division", verbose_name=_("western party"), on_delete=models.PROTECT,
                                      related_name="+")
    round = models.CharField(_("round"), max_length=4, choices=Round.choices)
    signed_on = models.DateField(_("signed on"), validators=[validate_record_date])
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "west_division__code"
    scope_date_field = "valid_from"

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-valid_from", "title"]

    def __str__(self) -> str:
        return self.title

    def audit_division_code(self) -> str:
        return self.west_division_id


class Indicator(models.TextChoices):
    """Indicators of domain brief §6.4, with their usual units."""

    VISITS = "visits", _("High-level visits and exchanges")
    CADRES = "cadres", _("Party and government cadres exchanged")
    TECHNICIANS = "technicians", _("Professional and technical staff")
    TRAINING_SESSIONS = "training_sessions", _("Training sessions")
    TRAINEES = "trainees", _("Trainees (person-times)")
    FISCAL_AID = "fiscal_aid", _("Fiscal aid funds")
    PROJECTS = "projects", _("Projects funded")
    POOR_BENEFITING = "poor_benefiting", _("Poor people benefiting")
    ENTERPRISES = "enterprises", _("Enterprises guided to invest")
    INVESTMENT = "investment", _("Investment arrived")
    PARKS = "parks", _("Co-built industrial parks")
    LABOUR_PLACED = "labour_placed", _("Poor workers placed in jobs")
    WORKSTATIONS = "workstations", _("Labour workstations")
    WORKSHOPS = "workshops", _("Poverty-alleviation workshops")
    STUDENTS = "students", _("Students in eastern vocational schools")
    CONSUMPTION = "consumption", _("Products bought or sold")
    PAIRS_TOWN = "pairs_town", _("Township pairs")
    PAIRS_VILLAGE = "pairs_village", _("Village–village pairs")
    PAIRS_ENTERPRISE = "pairs_enterprise", _("Enterprise–village pairs")
    PAIRS_SCHOOL = "pairs_school", _("School pairs")
    PAIRS_HOSPITAL = "pairs_hospital", _("Hospital pairs")
    DONATIONS = "donations", _("Social donations")


INDICATOR_UNITS = {
    "visits": "times", "cadres": "persons", "technicians": "persons", "training_sessions": "sessions",
    "trainees": "person-times", "fiscal_aid": "yuan", "projects": "projects", "poor_benefiting": "persons",
    "enterprises": "enterprises", "investment": "yuan", "parks": "parks", "labour_placed": "persons",
    "workstations": "stations", "workshops": "workshops", "students": "persons", "consumption": "yuan",
    "pairs_town": "pairs", "pairs_village": "pairs", "pairs_enterprise": "pairs", "pairs_school": "pairs",
    "pairs_hospital": "pairs", "donations": "yuan",
}


class AgreementTarget(models.Model):
    agreement = models.ForeignKey(Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE,
                                  related_name="targets")
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=20, choices=Indicator.choices)
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "agreement__west_division__code"
    scope_year_field = "year"

    class Meta:
        verbose_name = _("agreement target")
        verbose_name_plural = _("agreement targets")
        ordering = ["year", "indicator"]
        constraints = [models.UniqueConstraint(fields=["agreement", "year", "indicator"],
                                               name="cooperation_target_unique")]

    def __str__(self) -> str:
        from xiezuo.web.numformat import number, unit_label

        return f"{self.year} {self.get_indicator_display()}: {number(self.target)} {unit_label(self.unit)}"

    def audit_division_code(self) -> str:
        return self.agreement.west_division_id


# --- Activity records behind the leadership and industry indicators (domain brief §6.4) ------------
# Each is scoped by its western county and linked, when known, to the county pairing valid on its
# date; the assessment catalogue counts or sums them per year, division and pairing.

class CountyActivity(models.Model):
    """What a visit, a meeting and an enterprise investment share: the western county they count for
    (their scope), the eastern partner and the pairing, a note. The detail page lists these last."""

    west_division = models.ForeignKey("geo.Division", verbose_name=_("western county"), on_delete=models.PROTECT,
                                      related_name="+")
    east_division = models.ForeignKey("geo.Division", verbose_name=_("eastern partner"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="%(class)ss")
    note = models.TextField(_("note"), blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "west_division__code"

    class Meta:
        abstract = True

    def audit_division_code(self) -> str:
        return self.west_division_id


class Visit(CountyActivity):
    """A high-level visit or exchange (互访交流), counted in times."""

    class Kind(models.TextChoices):
        EAST_TO_WEST = "e2w", _("East to west")
        WEST_TO_EAST = "w2e", _("West to east")

    date = models.DateField(_("date"), db_index=True, validators=[validate_record_date])
    kind = models.CharField(_("direction"), max_length=3, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    leader = models.CharField(_("leader or delegation"), max_length=300, blank=True)

    scope_date_field = "date"  # an eastern office sees it if paired with the county on that day

    class Meta(CountyActivity.Meta):
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class Meeting(CountyActivity):
    """A joint meeting (联席会议), an agreement signing (签约) or another cooperation meeting."""

    class Kind(models.TextChoices):
        JOINT = "joint", _("Joint meeting")
        SIGNING = "signing", _("Agreement signing")
        OTHER = "other", _("Other meeting")

    date = models.DateField(_("date"), db_index=True, validators=[validate_record_date])
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)

    scope_date_field = "date"

    class Meta(CountyActivity.Meta):
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class Enterprise(CountyActivity):
    """An enterprise guided to invest in a western county (引导落地投产企业), with its investment in
    yuan: planned and arrived (到位投资). `year` is the year it was recorded as landed."""

    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="investments")
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    investment_planned = models.DecimalField(_("planned investment (yuan)"), max_digits=16, decimal_places=2,
                                             default=0)
    investment_arrived = models.DecimalField(_("investment arrived (yuan)"), max_digits=16, decimal_places=2,
                                             default=0)
    in_production = models.BooleanField(_("in production"), default=False)
    poor_people_driven = models.PositiveIntegerField(_("poor people driven"), default=0)

    scope_year_field = "year"

    class Meta(CountyActivity.Meta):
        verbose_name = _("enterprise investment")
        verbose_name_plural = _("enterprise investments")
        ordering = ["-year", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(investment_planned__gte=0) & models.Q(investment_arrived__gte=0),
                                   name="cooperation_enterprise_money_nonneg"),
            models.CheckConstraint(condition=models.Q(poor_people_driven__gte=0),
                                   name="cooperation_enterprise_poor_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"
