"""Background jobs: one table for every long task (imports, exports, engine runs, reports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# Messages the job mechanism itself stores (English in the database, translated when shown).
WORKER_LOST = gettext_noop("the worker running this job stopped (killed or crashed); nothing it was saving was kept")
# A job whose task was taken by a worker that died before starting it (or whose task ended without it).
NEVER_STARTED = gettext_noop("the worker that took this job stopped before starting it; submit it again")
MESSAGES = (WORKER_LOST, NEVER_STARTED)  # stored in English, shown in the reader's language


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = ("done", "failed", "cancelled")
    # Kinds are registered by code (jobs.register), not choices; these are their names on a page.
    KINDS = {"import": _("Import"), "export": _("Export"), "measure.run": _("Measurement run"),
             "measure.publish": _("Publication of a run"), "measure.snapshot": _("Snapshot of the inputs"),
             "measure.what_if": _("What-if run"), "assessment.annual": _("Annual report")}

    kind = models.CharField(_("kind"), max_length=50, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # 0–100
    message = models.CharField(_("message"), max_length=300, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    # The process running it (host:pid:start time), so a killed worker's job can be told apart.
    runner = models.CharField(max_length=200, blank=True)
    task_id = models.CharField(max_length=64, blank=True)  # the django-tasks result behind it

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def kind_label(self) -> str:
        return str(self.KINDS.get(self.kind, self.kind))

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def display_message(self) -> str:
        return gettext(self.message) if self.message in MESSAGES else self.message


class Worker(models.Model):
    """A running `xiezuo worker`, so the web server (`serve`, /healthz) knows one is there."""

    name = models.CharField(max_length=64, unique=True)
    runner = models.CharField(max_length=200)  # host:pid:start time, like Job.runner
    started_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(auto_now_add=True)  # heartbeat (PostgreSQL; SQLite reads the process table)

    def __str__(self) -> str:
        return self.name
