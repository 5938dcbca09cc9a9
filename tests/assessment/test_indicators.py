"""The indicator catalogue: declared data, values from the records, scope, targets and traces."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xiezuo.assessment.catalogue import AREAS, CATALOGUE, HIGHER, LOWER, Metric
from xiezuo.assessment.values import Query, metric_value, trace_rows, value, values, values_by_child

pytestmark = pytest.mark.django_db


def test_catalogue_is_declared_data_covering_the_assessment_areas():
    # Given the catalogue, then every indicator has names in both languages, a unit, a direction
    # and an area, and every area of domain brief §6.2–6.4 has at least one indicator.
    for ind in CATALOGUE.values():
        assert ind.name_zh and ind.name_en and ind.unit
        assert ind.direction in (HIGHER, LOWER) and ind.area in AREAS
    assert {ind.area for ind in CATALOGUE.values()} == set(AREAS)


def test_registry_values_per_city_and_county(poverty):
    # Given 4 poor people in 3 households, 50 rural people in the city
    q = Query(year=2013, prefix="5108")
    # Then the city's values are the registry's counts and the incidence is 4 / 50 = 8.00 %
    assert value("poor_people", q).value == 4
    assert value("poor_households", q).value == 3
    assert value("incidence_pct", q).value == Decimal("8.00")
    # And per county in one grouped query: 利州 3 / 30 = 10 %, 旺苍 1 / 20 = 5 %
    assert values_by_child("poor_people", q, 6) == {"510802": 3, "510821": 1}
    assert values_by_child("incidence_pct", q, 6) == {"510802": Decimal("10.00"), "510821": Decimal("5.00")}


def test_values_respect_the_users_scope(poverty, make_user):
    # Given a county user of 旺苍
    user = make_user("wc", division=poverty["wangcang"], kind="view")
    # When the city's figure is asked, then only 旺苍's people are counted
    assert value("poor_people", Query(year=2013, prefix="5108", user=user)).value == 1
    # And an east-office user (no personal data) sees none
    east = make_user("east", role="east_office", division=poverty["huzhou"], kind="view")
    assert value("poor_people", Query(year=2013, prefix="5108", user=east)).value == 0


def test_a_metric_over_a_missing_model_or_field_is_not_recorded(poverty):
    assert metric_value(Metric("nosuch.Model"), Query(year=2013)) is None
    assert metric_value(Metric("registry.Household", year="no_such_field"), Query(year=2013)) is None
    # and a real metric counts rows by year through the model's scope field
    assert metric_value(Metric("registry.HouseholdYear", year="year"), Query(year=2013, prefix="510802")) == 2


def test_every_value_carries_a_trace_that_lists_its_rows(poverty, make_user):
    admin = make_user("boss", role="admin")
    q = Query(year=2013, prefix="510802", user=admin)
    v = value("poor_households", q)
    assert "indicator=poor_households" in v.trace_url and "division=510802" in v.trace_url
    rows, total = trace_rows("poor_households", q)
    assert total == v.value == 2
    assert {r.household.village_id for r in rows} == {"510802101201"}


def test_completion_against_a_target():
    # Given a value of 306 placed against the 2019 路桥–朝天 figure of 300 (domain brief §6.5)
    from xiezuo.assessment.values import Value

    v = Value(indicator=CATALOGUE["placements"], value=306, trace_url="", target=300)
    # Then completion is 102.0 %
    assert v.completion_pct == Decimal("102.0")


def test_all_values_compute_without_error_on_an_empty_year(poverty):
    out = values(Query(year=2030, prefix="5108"))
    assert len(out) == len(CATALOGUE)
    assert {v.indicator.code: v.value for v in out}["poor_people"] == 0


def test_a_net_fund_figure_traces_to_its_postings_and_the_reversals_it_subtracts(ledger, make_user):
    admin = make_user("auditor_t", role="auditor")
    q = Query(year=2019, prefix="510821", user=admin)
    assert value("aid_disbursed", q).value == Decimal("250000.50")  # 300,000 - 300,000 + 250,000.50
    rows, total = trace_rows("aid_disbursed", q)
    assert total == 3
    assert sorted((r.kind, r.amount) for r in rows) == [
        ("disbursement", Decimal("250000.50")), ("disbursement", Decimal("300000.00")),
        ("reversal", Decimal("300000.00"))]
    rows, total = trace_rows("aid_committed", q)  # no reversal of the allocation: its one row
    assert total == 1 and [r.kind for r in rows] == ["allocation"]
