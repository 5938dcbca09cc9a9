"""The project library (项目库): projects, their lifecycle, budgets by fund source, the
append-only fund ledger, the county fund pools and the households a project benefits.

Money rules (docs/adr/0001-fund-ledger.md):
- ledger and pool entries are never edited or deleted; a correction is a reversing entry;
- per budget line: pooled + disbursed ≤ allocated ≤ budget, all ≥ 0, amounts in fen;
- the running totals on `Budget` and `FundPool` are changed only by the services, under
  `select_for_update` of that row, and always equal the sums of their entries.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet
from xiezuo.dates import validate_record_date

ZERO = Decimal("0.00")
MONEY = {"max_digits": 16, "decimal_places": 2}


class Category(models.TextChoices):
    INDUSTRY = "industry", _("Industry")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health")
    LABOUR = "labour", _("Labour")
    HOUSING = "housing", _("Housing and relocation")
    RECONSTRUCTION = "reconstruction", _("Reconstruction")
    RELIEF = "relief", _("Relief")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    RESERVE = "reserve", _("In reserve")
    APPROVED = "approved", _("Approved")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    ACCEPTED = "accepted", _("Accepted")


STATUS_ORDER = [s.value for s in Status]


class FundSource(models.TextChoices):
    # the eastern partner's fiscal aid, whichever province it is (the import reads any "<X>财政援助资金")
    EAST_FISCAL = "east_fiscal", _("East–West fiscal aid")
    SOCIAL_DONATION = "social_donation", _("Social donations")
    LOCAL = "local", _("Local funds")


class Project(models.Model):
    code = models.CharField(_("project code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    county = models.ForeignKey("geo.Division", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey("geo.Division", verbose_name=_("township"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey("geo.Division", verbose_name=_("village"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    # The most specific of county/township/village, set by the services: the scope key.
    place = models.ForeignKey("geo.Division", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+",
                              editable=False)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    end_year = models.PositiveSmallIntegerField(_("last year"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RESERVE,
                              editable=False, db_index=True)
    pairing = models.ForeignKey("cooperation.Pairing", verbose_name=_("pairing"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="projects")
    responsible = models.ForeignKey("registry.Cadre", verbose_name=_("responsible cadre"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="projects_responsible")
    task_force = models.ManyToManyField("registry.Cadre", verbose_name=_("task force"), blank=True,
                                        related_name="project_task_forces")
    area_mu = models.DecimalField(_("area (mu)"), max_digits=12, decimal_places=2, null=True, blank=True)
    tag = models.CharField(_("tag"), max_length=30, blank=True, db_index=True,
                           help_text=_("A short key for flagship projects, e.g. white_tea."))
    summary_count = models.PositiveIntegerField(
        _("projects summarised"), default=0,
        help_text=_("For a summary record of an earlier period: how many projects it stands for."))
    description = models.TextField(_("description"), blank=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "place__code"

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def audit_division_code(self) -> str:
        return self.place_id

    @property
    def is_summary(self) -> bool:
        return self.summary_count > 0


class ProjectTransition(models.Model):
    """Append-only lifecycle history."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices)
    on = models.DateField(_("date"), validators=[validate_record_date])
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "project__place__code"

    class Meta:
        verbose_name = _("project transition")
        verbose_name_plural = _("project transitions")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.from_status or '-'} → {self.to_status} ({self.on})"


class Budget(models.Model):
    """One fund source's budget line on a project, with running totals kept by the services."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="budgets")
    source = models.CharField(_("fund source"), max_length=16, choices=FundSource.choices)
    amount = models.DecimalField(_("budget"), **MONEY)
    allocated = models.DecimalField(_("allocated"), default=ZERO, editable=False, **MONEY)
    disbursed = models.DecimalField(_("disbursed"), default=ZERO, editable=False, **MONEY)
    pooled = models.DecimalField(_("set aside into the fund pool"), default=ZERO, editable=False, **MONEY)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "project__place__code"

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["project_id", "source"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="projects_budget_unique_source"),
            models.CheckConstraint(condition=models.Q(allocated__lte=models.F("amount")),
                                   name="projects_budget_allocated_le_amount"),
            models.CheckConstraint(
                condition=models.Q(disbursed__gte=0) & models.Q(pooled__gte=0)
                & models.Q(allocated__gte=models.F("disbursed") + models.F("pooled")),
                name="projects_budget_spent_le_allocated"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} {self.get_source_display()}"

    def audit_division_code(self) -> str:
        return self.project.place_id

    @property
    def available(self) -> Decimal:
        """What may still be disbursed."""
        return self.allocated - self.disbursed - self.pooled


class AppendOnlyQuerySet(RestrictedQuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise PermissionError("ledger entries are never changed; post a reversing entry")

    def delete(self):
        raise PermissionError("ledger entries are never deleted; post a reversing entry")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and type(self)._base_manager.filter(pk=self.pk).exists():
            raise PermissionError("ledger entries are never changed; post a reversing entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("ledger entries are never deleted; post a reversing entry")


class LedgerEntry(AppendOnlyModel):
    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("Allocation")
        DISBURSEMENT = "disbursement", _("Disbursement")
        REVERSAL = "reversal", _("Reversal")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="ledger")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"), validators=[validate_record_date])
    amount = models.DecimalField(_("amount"), **MONEY)
    payee = models.CharField(_("payee"), max_length=200, blank=True)
    voucher = models.CharField(_("voucher"), max_length=60, blank=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()
    scope_field = "project__place__code"

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["date", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="projects_ledger_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.date})"

    def audit_division_code(self) -> str:
        return self.project.place_id

    @property
    def original_kind(self) -> str:
        return self.reverses.kind if self.reverses_id else self.kind


class FundPoolRule(models.Model):
    """The share of East–West fiscal aid to industry projects set aside into a county's pool.

    A rule with no county applies to every county without its own; the latest rule whose
    `valid_from` is on or before the allocation date applies (6 % in the book).
    """

    county = models.ForeignKey("geo.Division", verbose_name=_("county"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    share = models.DecimalField(_("share"), max_digits=5, decimal_places=4)
    valid_from = models.DateField(_("valid from"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("fund pool rule")
        verbose_name_plural = _("fund pool rules")
        ordering = ["-valid_from"]
        constraints = [models.CheckConstraint(condition=models.Q(share__gte=0) & models.Q(share__lt=1),
                                              name="projects_poolrule_share")]

    def __str__(self) -> str:
        return f"{self.county or '*'} {self.share:%} {self.valid_from}"


class FundPool(models.Model):
    """A county's fund pool (扶贫资金池) with its running balance."""

    county = models.OneToOneField("geo.Division", verbose_name=_("county"), on_delete=models.PROTECT,
                                  related_name="+")
    balance = models.DecimalField(_("balance"), default=ZERO, editable=False, **MONEY)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "county__code"

    class Meta:
        verbose_name = _("fund pool")
        verbose_name_plural = _("fund pools")
        constraints = [models.CheckConstraint(condition=models.Q(balance__gte=0), name="projects_pool_balance")]

    def __str__(self) -> str:
        return f"{self.county} {self.balance}"

    def audit_division_code(self) -> str:
        return self.county_id


class PoolEntry(AppendOnlyModel):
    class Kind(models.TextChoices):
        INFLOW = "inflow", _("Set aside")
        OUTFLOW = "outflow", _("Paid out")
        REVERSAL = "reversal", _("Reversal")

    pool = models.ForeignKey(FundPool, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"), validators=[validate_record_date])
    amount = models.DecimalField(_("amount"), **MONEY)
    ledger_entry = models.ForeignKey(LedgerEntry, verbose_name=_("from ledger entry"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="pool_entries")
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversed_by")
    payee = models.CharField(_("payee"), max_length=200, blank=True)
    voucher = models.CharField(_("voucher"), max_length=60, blank=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()
    scope_field = "pool__county__code"

    class Meta:
        verbose_name = _("fund pool entry")
        verbose_name_plural = _("fund pool entries")
        ordering = ["date", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="projects_poolentry_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.date})"

    def audit_division_code(self) -> str:
        return self.pool.county_id


class ProjectBeneficiary(models.Model):
    """带贫: a registry household a project benefits, with the people and the income it adds."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="project_links")
    people = models.PositiveSmallIntegerField(_("people benefiting"))
    income_added = models.DecimalField(_("income added (yuan per year)"), default=ZERO, **MONEY)
    year = models.PositiveSmallIntegerField(_("from year"))
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "household__village__code"
    personal_data = True

    class Meta:
        verbose_name = _("beneficiary household")
        verbose_name_plural = _("beneficiary households")
        ordering = ["project_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="projects_beneficiary_unique"),
            models.CheckConstraint(condition=models.Q(people__gt=0), name="projects_beneficiary_people"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} → {self.household_id} ({self.people})"

    def audit_division_code(self) -> str:
        return self.household.village_id
