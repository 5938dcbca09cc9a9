"""registry.summary: the per-village year-end counts equal the direct grouping of household-years,
and stay equal after writes through save()/delete(), bulk inserts, moves and raw deletes."""

from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum

from xiezuo.registry import stats, summary
from xiezuo.registry.models import Household, HouseholdYear, StaleVillage, VillageYear

pytestmark = pytest.mark.django_db

POOR = Q(year_status__in=stats.POOR_STATUSES)


def direct() -> dict[tuple[str, int], tuple[int, int, int, int]]:
    """What the pages computed before the summary: a GROUP BY over every household-year."""
    rows = (HouseholdYear.objects.values("household__village_id", "year")
            .annotate(h=Count("id"), p=Sum("size"), ph=Count("id", filter=POOR), pp=Sum("size", filter=POOR))
            .order_by())
    return {(r["household__village_id"], r["year"]): (r["h"], r["p"] or 0, r["ph"], r["pp"] or 0) for r in rows}


def stored() -> dict[tuple[str, int], tuple[int, int, int, int]]:
    summary.ensure_fresh()
    return {(v.village_code, v.year): (v.households, v.people, v.poor_households, v.poor_people)
            for v in VillageYear.objects.all()}


@pytest.fixture
def households(divisions, make_household):
    a = make_household(divisions["lizhou_village"], members=(("510802199001011236", "01"),
                                                             ("510802199201011237", "10")))
    b = make_household(divisions["lizhou_village"], members=(("510802198001011238", "01"),))
    c = make_household(divisions["wangcang_village"], members=(("510821196001011231", "01"),),
                       income=Decimal("1500"))
    return {"a": a, "b": b, "c": c}


def test_the_summary_equals_the_direct_grouping(households):
    assert stored() == direct() == {("510802101201", 2013): (2, 3, 2, 3), ("510821100201", 2013): (1, 1, 1, 1)}


def test_saves_deletes_and_moves_mark_their_villages_stale(households, divisions):
    stored()
    hy = HouseholdYear.objects.get(household=households["a"])
    hy.year_status = "exited"
    hy.save()
    assert StaleVillage.objects.filter(village_code="510802101201").exists()
    assert stored() == direct() and stored()[("510802101201", 2013)] == (2, 3, 1, 1)
    b = households["b"]
    b.village = divisions["wangcang_village"]
    b.save()  # a household moving village changes two villages' counts
    assert stored() == direct() and stored()[("510821100201", 2013)] == (2, 2, 2, 2)
    HouseholdYear.objects.create(household=households["c"], year=2014, size=3, year_status="returned")
    assert stored() == direct() and stored()[("510821100201", 2014)] == (1, 3, 1, 3)
    households["c"].delete()  # cascades to its household-years
    assert stored() == direct() and ("510821100201", 2014) not in stored()


def test_bulk_inserts_without_signals_are_found_by_id(households):
    stored()
    HouseholdYear.objects.bulk_create([HouseholdYear(household=households["b"], year=2015, size=4)])
    assert not StaleVillage.objects.exists()  # no signal: the next read finds the new id instead
    assert stored() == direct() and stored()[("510802101201", 2015)] == (1, 4, 1, 4)


def test_bulk_updates_need_refresh_and_raw_deletes_are_caught(households):
    from django.db import connection

    stored()
    HouseholdYear.objects.filter(household=households["a"]).update(year_status="exited")  # no signal
    assert stored() != direct()  # documented: bulk update() needs a refresh (the import calls it)
    summary.refresh()
    assert stored() == direct()
    Household.objects.filter(pk=households["b"].pk).delete()  # a queryset delete still sends signals
    assert stored() == direct()
    last = HouseholdYear.objects.order_by("-id").first()
    with connection.cursor() as cur:  # raw SQL, as the demo's delete_previous does
        cur.execute("DELETE FROM registry_householdyear WHERE id = %s", [last.id])
    assert stored() == direct()


def test_scoped_totals_match_the_scoped_rows(households, divisions, make_user):
    lizhou = make_user("lz", division=divisions["lizhou"], kind="view")
    prefixes = stats.registry_prefixes(lizhou)
    t = summary.totals(year=2013, prefix="5108", prefixes=prefixes)
    rows = stats.poor_years(year=2013, prefix="5108", user=lizhou)
    assert (t["poor_households"], t["poor_people"]) == (rows.count(), rows.aggregate(p=Sum("size"))["p"]) == (2, 3)
    assert summary.by_prefix(year=2013, key_length=6, prefix="5108", prefixes=prefixes).keys() == {"510802"}
