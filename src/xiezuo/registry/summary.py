"""Precomputed year-end counts per village (`VillageYear`), kept in step with the household-years.

Every registry figure the division pages, the indicator table and the dashboard show is a sum of
household-years grouped by the household's village code cut to a prefix. At a million households
that GROUP BY reads ~14 M rows per request; the summary holds one row per village and year
(a few tens of thousands), so a division is a prefix sum over its villages. `stats` and the
assessment values read it through `counts()`; the figures are the same as the direct grouping
(tests compare both).

Keeping it current:
- `refresh()` rebuilds everything in one GROUP BY: after the demo load and a committed import that
  touched many villages; an import of a few villages recomputes those only (`after_import`);
- `save()`/`delete()` of a HouseholdYear, a household moving village or being deleted mark the
  village stale (signals below), and the next read recomputes the stale villages only;
- household-years inserted without signals (bulk_create) are found by id: rows above the
  `SummaryState.last_year_id` the summary has seen mark their villages stale on the next read.
Bulk `QuerySet.update()` of household-years sends no signal: call `refresh()` (or `mark_stale`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr

from xiezuo.accounts.access import EVERYTHING, prefixes_q

from .models import HouseholdYear, StaleVillage, SummaryState, VillageYear

POOR_STATUSES = ("poor", "pre_exit", "returned")
INCREMENTAL_MAX_VILLAGES = 300  # an import touching more villages rebuilds the whole summary  # stats.POOR_STATUSES (kept here to avoid an import cycle)
_CHUNK = 500


def _grouped(qs):
    poor = Q(year_status__in=POOR_STATUSES)
    return (qs.values("household__village_id", "year")
            .annotate(households=Count("id"), people=Coalesce(Sum("size"), Value(0)),
                      poor_households=Count("id", filter=poor),
                      poor_people=Coalesce(Sum("size", filter=poor), Value(0), output_field=IntegerField()))
            .order_by())


def _insert(qs) -> int:
    """INSERT … SELECT of the grouped counts: the rows never pass through Python."""
    sql, params = _grouped(qs).query.sql_with_params()
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in ("village_code", "year", *FIELDS))
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {q(VillageYear._meta.db_table)} ({cols}) {sql}", params)  # noqa: S608
        return cur.rowcount


def _last_year_id() -> int:
    return HouseholdYear.objects.aggregate(m=Max("id"))["m"] or 0


@transaction.atomic
def refresh() -> int:
    """Rebuild the whole summary (one GROUP BY over the household-years); returns its row count."""
    last = _last_year_id()
    VillageYear.objects.all().delete()
    n = _insert(HouseholdYear.objects.filter(id__lte=last))
    StaleVillage.objects.all().delete()
    SummaryState.objects.update_or_create(pk=1, defaults={"last_year_id": last})
    return n


def after_import(plan: Iterable[tuple[Any, list]]) -> None:
    """dataio's commit hook, in the import's transaction: its bulk writes send no signals. Only the
    villages it touched are recomputed (a file for a few villages costs milliseconds, not a rebuild of
    the whole summary: 13-19 s at 1 M households); a file touching more than INCREMENTAL_MAX_VILLAGES
    villages rebuilds everything in one GROUP BY. `plan` is (spec, committed rows) per sheet."""
    from .models import Household

    villages: set[str] = set()
    numbers: set[str] = set()
    relevant = False
    for spec, rows in plan:
        model = getattr(spec, "model", None)
        if model is Household:  # a household moving village takes its years along
            relevant = True
            villages.update(c for r in rows if r.action == "changed" and "village" in r.diff for c in r.diff["village"])
        elif model is HouseholdYear:
            relevant = True
            numbers.update(r.values["household_number"] for r in rows if r.action in ("new", "changed"))
    if not relevant:
        return
    found = sorted(numbers)
    for i in range(0, len(found), _CHUNK):
        villages.update(Household.objects.filter(number__in=found[i:i + _CHUNK]).values_list("village_id", flat=True))
        if len(villages) > INCREMENTAL_MAX_VILLAGES:
            break
    if len(villages) > INCREMENTAL_MAX_VILLAGES:
        refresh()
        return
    mark_stale(villages)
    ensure_fresh()


def mark_stale(village_codes: Iterable[str]) -> None:
    codes = {c for c in village_codes if c}
    if codes:
        StaleVillage.objects.bulk_create([StaleVillage(village_code=c) for c in codes], ignore_conflicts=True)


def _check() -> tuple[int | None, int, bool]:
    """(the summary's last HouseholdYear id or None if never built, the current last id, any stale
    village) in one query: the whole cost of a read when nothing changed."""
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"SELECT (SELECT last_year_id FROM {q(SummaryState._meta.db_table)} WHERE id = 1), "  # noqa: S608
                    f"(SELECT MAX(id) FROM {q(HouseholdYear._meta.db_table)}), "
                    f"EXISTS (SELECT 1 FROM {q(StaleVillage._meta.db_table)})")
        seen, last, stale = cur.fetchone()
    return seen, last or 0, bool(stale)


def ensure_fresh() -> None:
    """Bring the summary up to date before a read: one cheap query when nothing changed."""
    seen, last, stale = _check()
    if seen is not None and seen == last and not stale:
        return
    with transaction.atomic():
        state = SummaryState.objects.select_for_update().filter(pk=1).first()
        last = _last_year_id()
        if state is None or last < state.last_year_id:  # never built, or rows deleted by raw SQL
            refresh()
            return
        if last > state.last_year_id:  # inserted without signals (bulk_create, COPY)
            mark_stale(HouseholdYear.objects.filter(id__gt=state.last_year_id)
                       .values_list("household__village_id", flat=True).distinct())
        codes = list(StaleVillage.objects.values_list("village_code", flat=True))
        for i in range(0, len(codes), _CHUNK):
            part = codes[i:i + _CHUNK]
            VillageYear.objects.filter(village_code__in=part).delete()
            _insert(HouseholdYear.objects.filter(household__village_id__in=part))
        StaleVillage.objects.filter(village_code__in=codes).delete()
        SummaryState.objects.filter(pk=1).update(last_year_id=last)


FIELDS = ("households", "people", "poor_households", "poor_people")


def summary_rows(*, years: Iterable[int] | int, prefix: str = "", prefixes: list[str] | None = EVERYTHING):
    """VillageYear rows of `years` under `prefix`, limited to the scope `prefixes` (None: all)."""
    ensure_fresh()
    qs = VillageYear.objects.filter(year=years) if isinstance(years, int) else \
        VillageYear.objects.filter(year__in=list(years))
    if prefix:
        qs = qs.filter(village_code__startswith=prefix)
    if prefixes is not EVERYTHING:
        qs = qs.filter(prefixes_q("village_code", prefixes))
    return qs


def totals(*, year: int, prefix: str = "", prefixes: list[str] | None = EVERYTHING) -> dict[str, int]:
    """The four counts summed over the villages under `prefix` (within the scope)."""
    agg = summary_rows(years=year, prefix=prefix, prefixes=prefixes).aggregate(**{f: Sum(f) for f in FIELDS})
    return {f: agg[f] or 0 for f in FIELDS}


def by_prefix(*, year: int, key_length: int, prefix: str = "",
              prefixes: list[str] | None = EVERYTHING) -> dict[str, dict[str, int]]:
    """The four counts per division cut at `key_length` digits of the village code."""
    rows = (summary_rows(years=year, prefix=prefix, prefixes=prefixes)
            .annotate(_key=Substr("village_code", 1, key_length)).values("_key")
            .annotate(**{f: Sum(f) for f in FIELDS}).order_by())
    return {r["_key"]: {f: r[f] or 0 for f in FIELDS} for r in rows}


def by_year(*, years: Iterable[int], prefix: str = "", prefixes: list[str] | None = EVERYTHING) -> dict[int, dict]:
    rows = (summary_rows(years=years, prefix=prefix, prefixes=prefixes).values("year")
            .annotate(**{f: Sum(f) for f in FIELDS}).order_by())
    return {r["year"]: {f: r[f] or 0 for f in FIELDS} for r in rows}


# --- signals: writes through save()/delete() mark their village stale ------------------------

def _hy_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    village = getattr(instance.household, "village_id", None) if instance.household_id else None
    mark_stale([village] if village else [])


def _hy_deleted(sender, instance, **kwargs):
    from .models import Household

    mark_stale(Household.objects.filter(pk=instance.household_id).values_list("village_id", flat=True))


def _household_pre_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and "village" not in update_fields
                                      and "village_id" not in update_fields):
        return
    old = sender.objects.filter(pk=instance.pk).values_list("village_id", flat=True).first()
    if old is not None and old != instance.village_id:
        mark_stale([old, instance.village_id])


def _household_deleted(sender, instance, **kwargs):
    mark_stale([instance.village_id])


def connect() -> None:
    from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

    from .models import Household

    post_save.connect(_hy_saved, sender=HouseholdYear, dispatch_uid="registry.summary.hy_saved")
    post_delete.connect(_hy_deleted, sender=HouseholdYear, dispatch_uid="registry.summary.hy_deleted")
    pre_save.connect(_household_pre_save, sender=Household, dispatch_uid="registry.summary.household_moved")
    pre_delete.connect(_household_deleted, sender=Household, dispatch_uid="registry.summary.household_deleted")
