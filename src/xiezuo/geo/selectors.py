"""Reads of the division tree. Divisions themselves are public reference data."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import PREFIX_LENGTH, Division, DivisionPopulation


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
    """Infer the level from a 12-digit code's trailing zeros (`PPCCDD000000` -> county)."""
    for level in ("province", "city", "county", "township"):
        if code[PREFIX_LENGTH[level]:].strip("0") == "":
            return level
    return "village"


def _within(prefix: str, prefixes: list[str] | None) -> list[str]:
    """The parts of the division `prefix` inside the scope `prefixes` (None = everything)."""
    if prefixes is None or any(prefix.startswith(p) for p in prefixes):
        return [prefix]
    inner = sorted(p for p in prefixes if p.startswith(prefix))
    return [p for i, p in enumerate(inner) if not any(p.startswith(q) for q in inner[:i])]


def parts_within(*, prefix: str, scope: list[str] | None) -> list[str]:
    """The prefixes of the parts of division `prefix` inside `scope` (None = everything; [] = none of it)."""
    return _within(prefix, scope)


def populations_within(*, prefixes_asked: list[str], scope: list[str] | None, year: int) -> dict[str, int | None]:
    """Rural population of the part of each division (by prefix) that lies inside `scope`: the
    denominator that matches a numerator counted in the same scope. A division wholly inside the
    scope has its own figure (else its children's sum); one that only contains part of the scope
    (广元市 for a 青川 user) has the sum of those parts; one outside it has None."""
    parts = {p: _within(p, scope) for p in prefixes_asked}
    codes = sorted({q.ljust(12, "0") for qs in parts.values() for q in qs})
    own = dict(DivisionPopulation.objects.filter(year=year, division_id__in=codes)
               .values_list("division_id", "rural_population"))
    missing = [c for c in codes if c not in own]
    for division in Division.objects.filter(code__in=missing):
        own[division.code] = rural_population(division=division, year=year)
    out: dict[str, int | None] = {}
    for p, qs in parts.items():
        found = [own.get(q.ljust(12, "0")) for q in qs]
        out[p] = sum(v for v in found if v is not None) if any(v is not None for v in found) else None
    return out


def population_within(*, prefix: str, scope: list[str] | None, year: int) -> int | None:
    return populations_within(prefixes_asked=[prefix], scope=scope, year=year)[prefix]
