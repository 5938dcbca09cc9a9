"""Assessment fixtures: two counties of Guangyuan with populations and poor households."""

from __future__ import annotations

import pytest


@pytest.fixture
def poverty(divisions, make_household):
    """2013: 利州区 2 poor households (3 people) of 30 rural people; 旺苍县 1 household (1 person) of 20."""
    from xiezuo.geo.models import DivisionPopulation

    DivisionPopulation.objects.create(division=divisions["lizhou"], year=2013, rural_population=30)
    DivisionPopulation.objects.create(division=divisions["wangcang"], year=2013, rural_population=20)
    DivisionPopulation.objects.create(division=divisions["guangyuan"], year=2013, rural_population=50)
    make_household(divisions["lizhou_village"], members=(("510802199001011231", "01"), ("510802199201011239", "02")))
    make_household(divisions["lizhou_village"], members=(("510802195001011232", "01"),))
    make_household(divisions["wangcang_village"], members=(("510821198001011239", "01"),))
    return divisions
