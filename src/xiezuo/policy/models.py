"""Versioned policy parameters (poverty line, exit rule, monitoring categories, MPI) per year and province.

The parameters are a JSON document validated by the engine (`xiezuo.measure.engine.spec`).
A version is a draft until published; a published version that a published measurement run
used is frozen for good (services refuse edits, the admin shows it read-only).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.access import RestrictedQuerySet


class PolicyVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    name = models.CharField(_("name"), max_length=60, unique=True)
    province = models.ForeignKey("geo.Division", verbose_name=_("province"), on_delete=models.PROTECT,
                                 related_name="+")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    parameters = models.JSONField(_("parameters"))
    notes = models.TextField(_("notes"), blank=True)
    based_on = models.ForeignKey("self", verbose_name=_("based on"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    shipped = models.BooleanField(_("shipped with Xiezuo"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "province__code"

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return self.name

    def audit_division_code(self) -> str:
        return self.province_id

    @property
    def frozen(self) -> bool:
        """Used by a published run: never to be changed again."""
        runs = getattr(self, "runs", None)
        return bool(runs is not None and runs.filter(published=True).exists())

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT and not self.frozen

    def spec(self):
        from xiezuo.measure.engine import Spec

        return Spec.from_dict(self.parameters)
