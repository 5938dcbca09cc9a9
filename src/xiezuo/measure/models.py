"""Measurement runs and their results (written in bulk by `services.run_execute`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet


class Run(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Engine(models.TextChoices):
        DUCKDB = "duckdb", "DuckDB"
        SPARK = "spark", "Spark"

    policy = models.ForeignKey("policy.PolicyVersion", verbose_name=_("policy"), on_delete=models.PROTECT,
                               related_name="runs")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    engine = models.CharField(_("engine"), max_length=10, choices=Engine.choices, default=Engine.DUCKDB)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    published = models.BooleanField(_("published"), default=False)
    what_if = models.BooleanField(_("what-if"), default=False)
    base_run = models.ForeignKey("self", verbose_name=_("compared with"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    input_households = models.PositiveIntegerField(_("households read"), default=0)
    input_members = models.PositiveIntegerField(_("members read"), default=0)
    input_hash = models.CharField(_("input hash"), max_length=64, blank=True)
    timings = models.JSONField(_("timings (s)"), default=dict, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    snapshot_dir = models.CharField(_("input snapshot"), max_length=300, blank=True)
    # "host:pid:process start" of the process running it, so a run whose process was killed is recognised
    # (services.recover_interrupted) instead of staying "running" for ever
    worker = models.CharField(_("process"), max_length=120, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("measurement run")
        verbose_name_plural = _("measurement runs")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.year} {self.policy_id}"


class HouseholdResult(models.Model):
    """One household's judgement in a run: the numbers, each criterion, the status and why."""

    # A run writes 1 M+ rows here at once, so every index and per-row check counts. run and household need
    # no index of their own: the (run, status) index and the unique (household, run) lead with them; rows
    # are always read within a run, so the village needs none either. No reference has a database constraint:
    # a deferred foreign-key trigger per row cost ≈ 1 M lookups at commit on PostgreSQL for each reference
    # (the run's alone 10-13 s under load, docs/engine.md). Instead services.run_execute locks the run's row in
    # the writing transaction (it cannot be deleted under the rows) and checks household and village in bulk
    # (one anti-join each); deletes still cascade through Django. On PostgreSQL the table is partitioned by run
    # (migration 0008, `household_rows`): a run's rows are COPYed into a fresh table, indexed after, attached.
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="household_results", db_index=False,
                            db_constraint=False)
    household = models.ForeignKey("registry.Household", on_delete=models.CASCADE, related_name="measure_results",
                                  db_index=False, db_constraint=False)
    village = models.ForeignKey("geo.Division", on_delete=models.CASCADE, related_name="+", db_index=False,
                                db_constraint=False)
    size = models.PositiveSmallIntegerField(_("household size"))
    pcni = models.DecimalField(_("per-capita net income"), max_digits=14, decimal_places=2)
    pcni_after_rigid = models.DecimalField(_("per-capita income after rigid spending"), max_digits=14,
                                           decimal_places=2)
    status = models.CharField(_("status"), max_length=10)  # always read within a run: index (run, status)
    category = models.CharField(_("monitoring category"), max_length=40, blank=True)
    reasons = models.CharField(_("reason codes"), max_length=400, blank=True)
    registered_active = models.BooleanField(default=False)
    exited_before = models.BooleanField(default=False)
    below_line = models.BooleanField(default=False)
    below_monitoring = models.BooleanField(default=False)
    c_income = models.BooleanField(default=False)
    c_food = models.BooleanField(default=False)
    c_clothing = models.BooleanField(default=False)
    c_education = models.BooleanField(default=False)
    c_medical = models.BooleanField(default=False)
    c_housing = models.BooleanField(default=False)
    c_water = models.BooleanField(default=False)
    exit_ok = models.BooleanField(default=False)
    mpi_score = models.FloatField(_("MPI deprivation score"), default=0)
    mpi_poor = models.BooleanField(_("MPI poor"), default=False)
    deprived = models.CharField(_("deprived indicators"), max_length=400, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "village__code"
    personal_data = True

    class Meta:
        verbose_name = _("household result")
        verbose_name_plural = _("household results")
        # One index for uniqueness and for a household's lookups: (household, run) answers "this household in
        # this run" as well as (run, household) did, and a household's history and cascade deletes; a separate
        # (run, household) index cost a quarter of the index upkeep of a run's 1 M-row write. (run, status)
        # serves every "all rows of a run" read.
        constraints = [models.UniqueConstraint(fields=["household", "run"], name="measure_hhresult_household_run")]
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self) -> str:
        return f"{self.run_id} {self.household_id} {self.status}"

    @property
    def explanation(self) -> str:
        """The status in plain words, e.g. "per-capita income 3,412 yuan is below the monitoring threshold 6,000 yuan"."""
        from django.utils.translation import gettext

        from .explain import explain

        e = explain(self)
        return gettext("%(year)s: %(status)s — %(why)s") % {"year": self.run.year, "status": e.status,
                                                               "why": gettext("; ").join(e.sentences)}

    def audit_division_code(self) -> str:
        return self.village_id


class DivisionResult(models.Model):
    """The measures of one division (any level) in a run."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="division_results")
    division = models.ForeignKey("geo.Division", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("level"), max_length=10)
    parent_code = models.CharField(_("parent"), max_length=12, blank=True, db_index=True)
    households = models.PositiveIntegerField(_("households"), default=0)
    people = models.PositiveIntegerField(_("people"), default=0)
    rural_population = models.PositiveIntegerField(_("rural population"), null=True, blank=True)
    counts = models.JSONField(_("counts"), default=dict)
    incidence = models.FloatField(_("incidence"), default=0)
    fgt0 = models.FloatField("FGT0", default=0)
    fgt1 = models.FloatField("FGT1", default=0)
    fgt2 = models.FloatField("FGT2", default=0)
    H = models.FloatField("H", default=0)  # noqa: N815
    A = models.FloatField("A", default=0)  # noqa: N815
    M0 = models.FloatField("M0", default=0)  # noqa: N815
    censored = models.JSONField(_("censored headcounts"), default=dict)
    contribution = models.JSONField(_("contributions"), default=dict)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "division__code"

    class Meta:
        verbose_name = _("division result")
        verbose_name_plural = _("division results")
        constraints = [models.UniqueConstraint(fields=["run", "division"], name="measure_divresult_unique")]
        indexes = [models.Index(fields=["run", "parent_code"])]

    def __str__(self) -> str:
        return f"{self.run_id} {self.division_id}"

    def audit_division_code(self) -> str:
        return self.division_id


class UnitResult(models.Model):
    """A designated poor village's or county's judgement in a run (`engine.units`): may it exit, and each
    criterion with its value and limit (`criteria`: [{"name", "value", "limit", "passed", "reason"}])."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="unit_results")
    division = models.ForeignKey("geo.Division", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(_("level"), max_length=10)
    may_exit = models.BooleanField(_("may exit"), default=False)
    criteria = models.JSONField(_("criteria"), default=list)
    reasons = models.CharField(_("reason codes"), max_length=400, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "division__code"

    class Meta:
        verbose_name = _("poor village or county result")
        verbose_name_plural = _("poor village and county results")
        constraints = [models.UniqueConstraint(fields=["run", "division"], name="measure_unitresult_unique")]
        indexes = [models.Index(fields=["run", "level", "may_exit"], name="measure_unitresult_level_idx")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.division_id} {'may exit' if self.may_exit else 'not yet'}"

    def audit_division_code(self) -> str:
        return self.division_id
