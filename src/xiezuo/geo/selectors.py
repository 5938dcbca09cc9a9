"""Reads of the division tree. Divisions themselves are public reference data."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import PREFIX_LENGTH, Division


def division_children(*, division: Division | None) -> QuerySet[Division]:
    if division is None:
        return Division.objects.filter(parent__isnull=True)
    return Division.objects.filter(parent=division).order_by("code")


def division_descendants(*, division: Division, level: str | None = None) -> QuerySet[Division]:
    qs = Division.objects.filter(code__startswith=division.prefix).exclude(code=division.code)
    return qs.filter(level=level) if level else qs


def rural_population(*, division: Division, year: int) -> int | None:
    """The division's own figure, else the sum of its children's (recursively)."""
    row = division.populations.filter(year=year).first()
    if row:
        return row.rural_population
    total = None
    for child in division_children(division=division):
        value = rural_population(division=child, year=year)
        if value is not None:
            total = (total or 0) + value
    return total


def level_of_code(code: str) -> str:
    """Infer the level from a 12-digit code's trailing zeros (`510822000000` -> county)."""
    for level in ("province", "city", "county", "township"):
        if code[PREFIX_LENGTH[level]:].strip("0") == "":
            return level
    return "village"
