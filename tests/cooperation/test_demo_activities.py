"""The cooperation demo's visits, meetings and enterprises: deterministic, the book's 青川 trade totals
(#44–46) exact, 朝天 2019 with the report's 11 visits, and the assessment indicators reading them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import F

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    from xiezuo.geo.loaders import load_tree

    load_tree()


def test_demo_activities(tree):
    from xiezuo.assessment.values import Query, value
    from xiezuo.cooperation import demo, figures
    from xiezuo.cooperation.models import Enterprise, Meeting, Visit

    first = demo.build(seed=7, log=lambda m: None)
    rows = list(Enterprise.objects.order_by("year", "name", "investment_arrived")
                .values_list("name", "year", "investment_planned", "investment_arrived"))
    again = demo.build(seed=7, log=lambda m: None)
    assert first == again and rows == list(Enterprise.objects.order_by("year", "name", "investment_arrived")
                                           .values_list("name", "year", "investment_planned", "investment_arrived"))
    assert Visit.objects.count() == first["visits"]  # the rerun replaced, not added

    # the book's long-term aid (#44-46: 2012-2017) is what is recorded up to 2017; later years add the
    # enterprises of the 2018-2020 pairings
    got = figures.book_figures(year=2017)
    assert got["trade_projects"] == 42
    assert got["trade_investment_planned_yuan"] == Decimal("2090000000.00")
    assert got["trade_investment_arrived_yuan"] == Decimal("1100000000.00")
    later = figures.book_figures(year=2020)
    assert later["trade_projects"] == Enterprise.objects.filter(year__lte=2020).count() > 42
    assert figures.book_figures(year=2011)["trade_projects"] == 0
    assert not Enterprise.objects.filter(investment_arrived__gt=F("investment_planned")).exists()
    amounts = Enterprise.objects.values_list("investment_planned", "investment_arrived")
    assert all(p % 10_000 == 0 and a % 10_000 == 0 for p, a in amounts)  # whole 万元
    assert not Enterprise.objects.filter(pairing__isnull=True).exists()  # every row found its county pairing

    assert value("visits", Query(year=2019, prefix="510812")).value == 11
    for year in (2018, 2019, 2020):
        for county in ("510812", "510822", "510824"):
            q = Query(year=year, prefix=county)
            assert 8 <= value("visits", q).value <= 14
            assert 1 <= value("joint_meetings", q).value <= 3
            landed = Enterprise.objects.filter(year=year, west_division__code__startswith=county)
            assert 2 <= landed.count() <= 5
            assert value("enterprises", q).value == landed.filter(in_production=True).count()  # 投产 only
            assert value("investment", q).value > 0
            assert value("investment", q).value % 10_000 == 0  # whole 万元
    assert Meeting.objects.filter(kind="joint").count() == 6 * 3  # one joint meeting per county and year
