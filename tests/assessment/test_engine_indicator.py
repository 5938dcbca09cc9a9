"""The poverty indicator of published engine runs reads the run's division results."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from xiezuo.assessment import values
from xiezuo.measure import services
from xiezuo.measure.models import HouseholdResult
from xiezuo.policy import services as policy_services
from xiezuo.policy.models import PolicyVersion

pytestmark = pytest.mark.django_db


def test_engine_poor_people_by_city_and_county(divisions, make_household, settings, tmp_path):
    # given three 2013 households, two of them below the 2013 line (2,736 yuan a head), and a published run
    settings.DATA_DIR = tmp_path
    policy_services.load_shipped(years=[2013])
    identified = {"identified_on": dt.date(2014, 5, 1)}
    make_household(divisions["lizhou_village"], members=(("510802199001011236", "01"),), year=2013,
                   income=Decimal("1500"), **identified)
    make_household(divisions["wangcang_village"], members=(("510821195001011237", "01"), ("510821195202021232", "10")),
                   year=2013, income=Decimal("2000"), **identified)
    make_household(divisions["wangcang_village"], members=(("510821196001011231", "01"),), year=2013,
                   income=Decimal("9000"), **identified)
    run = services.run_execute(year=2013, policy=PolicyVersion.objects.get(name="national-2013"), publish=True)
    poor = HouseholdResult.objects.filter(run=run, status="poor")
    assert poor.aggregate(n=Sum("size"))["n"] == 3
    # when
    query = values.Query(year=2013, prefix="5108", user=None)
    city = values._measure("poor_people", query)
    by_county = values._measure("poor_people", query, 6)
    # then
    assert city == 3
    assert by_county == {"510802": 1, "510821": 2}
    # a year without a published run has no value rather than a wrong one
    assert values._measure("poor_people", values.Query(year=2019, prefix="5108", user=None)) is None
