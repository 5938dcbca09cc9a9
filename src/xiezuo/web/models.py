"""Facts about the database itself."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DatabaseMark(models.Model):
    """A named mark on this database: "demo" means `xiezuo demo` built it (and may rebuild it)."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    set_at = models.DateTimeField(_("set"), auto_now=True)

    class Meta:
        verbose_name = _("database mark")
        verbose_name_plural = _("database marks")

    def __str__(self) -> str:
        return self.name
