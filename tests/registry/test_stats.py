"""registry.stats on a hand-made tree: grouping by level, incidence, year status, scope."""

from decimal import Decimal

import pytest

from xiezuo.geo.models import DivisionPopulation
from xiezuo.registry import stats, summary
from xiezuo.registry.models import HouseholdYear

pytestmark = pytest.mark.django_db

# two members each: valid numbers (GB 11643 check characters)
PAIR_A = (("510802199001011236", "01"), ("510802199201011237", "10"))


@pytest.fixture
def registry(divisions, make_household):
    """利州: 2 poor households (4 people) + 1 exited; 旺苍: 1 poor household (1 person)."""
    for division, pop in ((divisions["guangyuan"], 100), (divisions["lizhou"], 40), (divisions["wangcang"], 60),
                          (divisions["lizhou_town"], 40), (divisions["lizhou_village"], 40)):
        DivisionPopulation.objects.create(division=division, year=2013, rural_population=pop)
    a = make_household(divisions["lizhou_village"], members=PAIR_A)
    b = make_household(divisions["lizhou_village"], members=(("510802198001011238", "01"),
                                                             ("510802198201011239", "10")))
    gone = make_household(divisions["lizhou_village"], members=(("51080219700101123X", "01"),))
    HouseholdYear.objects.filter(household=gone).update(year_status="exited")
    HouseholdYear.objects.filter(household=b).update(year_status="pre_exit")
    c = make_household(divisions["wangcang_village"], members=(("510821196001011231", "01"),),
                       income=Decimal("1500"))
    return {"a": a, "b": b, "gone": gone, "c": c}


def test_city_rows_group_by_county_and_compute_incidence(registry, divisions):
    rows = stats.division_rows(parent_code="510800000000", year=2013)
    assert [r["code"] for r in rows] == ["510802000000", "510821000000"]
    lizhou, wangcang = rows
    assert lizhou == {"code": "510802000000", "name": "利州区", "level": "county", "rural_population": 40,
                      "poor_households": 2, "poor_people": 4, "incidence_pct": 10.0}
    assert (wangcang["poor_households"], wangcang["poor_people"], wangcang["incidence_pct"]) == (1, 1, 1.67)


def test_township_and_village_levels_and_missing_population(registry, divisions):
    towns = stats.division_rows(parent_code="510802000000", year=2013)
    assert [(r["code"], r["level"], r["poor_people"]) for r in towns] == [("510802101000", "township", 4)]
    villages = stats.division_rows(parent_code="510821100000", year=2013)
    assert villages[0]["poor_people"] == 1 and villages[0]["incidence_pct"] is None  # no population row


def test_other_years_and_statuses_are_not_counted(registry):
    assert stats.division_total(code="510800000000", year=2014)["poor_people"] == 0
    total = stats.division_total(code="510800000000", year=2013)
    assert (total["poor_households"], total["poor_people"], total["incidence_pct"]) == (3, 5, 5.0)


def test_top_level_lists_the_provinces(registry):
    rows = stats.division_rows(parent_code=None, year=2013)
    assert [r["code"] for r in rows] == ["330000000000", "510000000000"]
    # 四川 has no population row of its own: the sum of its children's (广元 100)
    assert (rows[1]["poor_people"], rows[1]["rural_population"], rows[1]["incidence_pct"]) == (5, 100, 5.0)
    assert rows[0]["poor_people"] == 0 and rows[0]["incidence_pct"] is None


def test_a_county_user_counts_only_its_county(registry, divisions, make_user):
    user = make_user("lz-stats", division=divisions["lizhou"])
    rows = stats.division_rows(parent_code="510800000000", year=2013, user=user)
    assert [r["code"] for r in rows] == ["510802000000"]
    assert stats.division_total(code="510800000000", year=2013, user=user)["poor_people"] == 4
    assert [r["code"] for r in stats.division_rows(parent_code=None, year=2013, user=user)] == ["510000000000"]
    assert stats.division_rows(parent_code="510821000000", year=2013, user=user) == []


def test_no_grant_sees_nothing_and_east_office_sees_no_households(registry, divisions, make_user):
    nobody = make_user("nobody")
    assert stats.division_rows(parent_code="510800000000", year=2013, user=nobody) == []
    assert stats.division_total(code="510800000000", year=2013, user=nobody)["poor_people"] == 0
    east = make_user("hz-stats", role="east_office", division=divisions["huzhou"])
    assert stats.division_total(code="510800000000", year=2013, user=east)["poor_households"] == 0


def test_one_grouped_query_per_call(registry, django_assert_max_num_queries):
    summary.ensure_fresh()
    with django_assert_max_num_queries(5):  # summary check, parent, children, grouped counts, populations
        stats.division_rows(parent_code="510800000000", year=2013)
