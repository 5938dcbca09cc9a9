"""Administrative divisions (行政区划) as one tree keyed by 12-digit statistical codes.

A division's code is also its scope key: every descendant's code starts with the
parent's significant prefix (province 2 digits, city 4, county 6, township 9,
village 12), so "is X inside Y" is a prefix test that databases index well.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

PREFIX_LENGTH = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


def code_prefix(code: str, level: str) -> str:
    """The significant digits of a 12-digit code at `level` (`PPCCDD000000`, county -> `PPCCDD`)."""
    return code[: PREFIX_LENGTH[level]]


def full_code(code: str) -> str:
    """A 2/4/6/9/12-digit code padded to the 12-digit statistical form."""
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        raise ValueError(f"not a division code: {code!r}")
    return code.ljust(12, "0")


class Division(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")

    class Side(models.TextChoices):
        EAST = "east", _("East (helping)")
        WEST = "west", _("West (helped)")

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    side = models.CharField(_("side"), max_length=4, choices=Side.choices, default=Side.WEST)
    valid_from = models.PositiveSmallIntegerField(_("valid from (year)"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("valid to (year)"), null=True, blank=True)
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated for the demo, not an official division.")
    )

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        return code_prefix(self.code, self.level)

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)

    def ancestors(self) -> list[Division]:
        """Root first, self last."""
        chain: list[Division] = []
        node: Division | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


class DivisionPopulation(models.Model):
    """A division's registered rural population in a year: the denominator of incidence."""

    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="populations")
    year = models.PositiveSmallIntegerField(_("year"))
    rural_population = models.PositiveIntegerField(_("registered rural population"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("rural population")
        verbose_name_plural = _("rural populations")
        constraints = [models.UniqueConstraint(fields=["division", "year"], name="geo_population_unique_year")]

    def __str__(self) -> str:
        return f"{self.division} {self.year}: {self.rural_population}"
