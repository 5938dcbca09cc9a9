"""Registered poor people and households by division and year, and incidence.

All counts are database aggregates read from the precomputed per-village year-end counts
(`registry.summary`, refreshed after bulk loads and kept current on writes), summed by the
village code cut to the child level's prefix (village codes are 12-digit strings, so a
township is its first 9 digits, a county its first 6), never a Python loop over rows. Registered poor at the end
of a year = a `HouseholdYear` of that year whose `year_status` is in `POOR_STATUSES`.

Scoping: with `user`, counts include only households that user may view (the same rule
as `Household.objects.restrict(user)`, personal data), and child divisions outside that
scope are left out; a division that only contains the user's scope (the city above a county
user) is kept, with the counts the user may see and the rural population of the same part
(`geo.selectors.populations_within`), so incidence is never a county's poor over a city's
people. The rural population is the division's own `DivisionPopulation` row, else the sum of
its children's; None when there is none.
"""

from __future__ import annotations

from django.db.models import Q

from xiezuo.accounts.access import EVERYTHING, figure_prefixes, prefixes_q
from xiezuo.geo.models import PREFIX_LENGTH, Division, code_prefix
from xiezuo.geo.selectors import populations_within

from . import summary
from .models import HouseholdYear

POOR_STATUSES = summary.POOR_STATUSES

ROW_KEYS = ("code", "name", "level", "rural_population", "poor_households", "poor_people", "incidence_pct")


def registry_prefixes(user) -> list[str] | None:
    # Counts are aggregates, not personal data: an eastern cooperation office sees the
    # figures of the western divisions paired with it, though never their households.
    return figure_prefixes(user)


_prefixes = registry_prefixes


def _visible(prefix: str, prefixes: list[str] | None) -> bool:
    """The division is inside the scope, or contains part of it."""
    if prefixes is EVERYTHING:
        return True
    return any(prefix.startswith(p) or p.startswith(prefix) for p in prefixes)


def poor_years(*, year: int, prefix: str = "", user=None):
    """HouseholdYear rows of registered poor households at the end of `year`, scoped."""
    qs = HouseholdYear.objects.filter(year=year, year_status__in=POOR_STATUSES)
    if prefix:
        # the range (codes are digits; ":" follows "9") lets SQLite walk the village index,
        # which its case-insensitive LIKE for startswith cannot
        qs = qs.filter(household__village__code__startswith=prefix, household__village_id__gte=prefix,
                       household__village_id__lt=prefix + ":")
    prefixes = _prefixes(user)
    if prefixes is not EVERYTHING:
        qs = qs.filter(prefixes_q("household__village__code", prefixes))
    return qs


def poor_page(*, year: int, prefix: str = "", user, offset: int = 0, limit: int = 100) -> list[HouseholdYear]:
    """One page of the registered poor household-years under `prefix`, in village-code order, for
    listing them (personal data: the rows scope). The households are walked through the village
    index and each one's year row looked up by (household, year), stopping at the page, so the
    cost does not grow with the county's size; `poor_years(...)` ordered would sort them all."""
    from django.db.models import Exists, OuterRef

    from .models import Household

    poor = HouseholdYear.objects.filter(household=OuterRef("pk"), year=year, year_status__in=POOR_STATUSES)
    households = Household.objects.restrict(user, "view").filter(Exists(poor))
    if prefix:
        households = households.filter(village__code__startswith=prefix, village_id__gte=prefix,
                                       village_id__lt=prefix + ":")
    ids = list(households.order_by("village_id", "id").values_list("id", flat=True)[offset:offset + limit])
    rows = {hy.household_id: hy for hy in HouseholdYear.objects.filter(household_id__in=ids, year=year)
            .select_related("household")}
    return [rows[i] for i in ids if i in rows]


def _counts_by_prefix(*, parent_prefix: str, key_length: int, year: int, user) -> dict[str, tuple[int, int]]:
    rows = summary.by_prefix(year=year, key_length=key_length, prefix=parent_prefix, prefixes=_prefixes(user))
    return {k: (r["poor_households"], r["poor_people"]) for k, r in rows.items() if r["poor_households"]}


def _populations(divisions: list[Division], year: int, user=None) -> dict[str, int | None]:
    """Each division's rural population within the user's scope (the counts' scope), by code."""
    pops = populations_within(prefixes_asked=[d.prefix for d in divisions], scope=_prefixes(user), year=year)
    return {d.code: pops[d.prefix] for d in divisions}


def _row(division: Division, population: int | None, households: int, people: int) -> dict:
    return {
        "code": division.code,
        "name": division.name,
        "level": division.level,
        "rural_population": population,
        "poor_households": households,
        "poor_people": people,
        "incidence_pct": round(100 * people / population, 2) if population else None,
    }


def division_rows(*, parent_code: str | None, year: int, user=None) -> list[dict]:
    """One row per child division of `parent_code` (None: the top-level divisions), by code."""
    if parent_code is None:
        children = list(Division.objects.filter(parent__isnull=True).order_by("code"))
        parent_prefix = ""
    else:
        parent = Division.objects.get(code=parent_code)
        children = list(Division.objects.filter(parent=parent).order_by("code"))
        parent_prefix = parent.prefix
    prefixes = _prefixes(user)
    children = [c for c in children if _visible(c.prefix, prefixes)]
    if not children:
        return []
    levels = {c.level for c in children}
    counts: dict[str, tuple[int, int]] = {}
    for level in levels:  # one level in a well-formed tree, so one query
        counts.update(_counts_by_prefix(parent_prefix=parent_prefix, key_length=PREFIX_LENGTH[level],
                                        year=year, user=user))
    populations = _populations(children, year, user)
    return [_row(c, populations.get(c.code), *counts.get(c.prefix, (0, 0))) for c in children]


def division_total(*, code: str, year: int, user=None) -> dict:
    """The same figures for one division (with `user`: what that user may see of it)."""
    division = Division.objects.get(code=code)
    prefix = code_prefix(division.code, division.level)
    agg = summary.totals(year=year, prefix=prefix, prefixes=_prefixes(user))
    population = _populations([division], year, user)[division.code]
    return _row(division, population, agg["poor_households"], agg["poor_people"])


def poor_filter(year: int) -> Q:
    """For other apps' queries over households: registered poor at the end of `year`."""
    return Q(years__year=year, years__year_status__in=POOR_STATUSES)
