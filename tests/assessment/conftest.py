"""Assessment fixtures: two counties of Guangyuan with populations and poor households."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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


@pytest.fixture
def ledger(divisions):
    """A 2019 project in 旺苍 with an allocation, a disbursement, its reversal and a second disbursement."""
    from xiezuo.cooperation.models import Pairing
    from xiezuo.projects.models import Budget, LedgerEntry, Project

    pairing = Pairing.objects.create(level="county", east_division=divisions["huzhou"],
                                     west_division=divisions["wangcang"], round="2018",
                                     valid_from=dt.date(2018, 1, 1))
    p = Project.objects.create(code="WC-2019-001", name="白叶一号茶园", name_en="White tea garden",
                               county=divisions["wangcang"], place=divisions["wangcang"], category="industry",
                               year=2019, status="in_progress", pairing=pairing)
    b = Budget.objects.create(project=p, source="east_fiscal", amount=Decimal("1000000.00"))
    alloc = LedgerEntry.objects.create(project=p, budget=b, kind="allocation", date=dt.date(2019, 3, 1),
                                       amount=Decimal("1000000.00"))
    pay = LedgerEntry.objects.create(project=p, budget=b, kind="disbursement", date=dt.date(2019, 4, 1),
                                     amount=Decimal("300000.00"), voucher="V-1")
    LedgerEntry.objects.create(project=p, budget=b, kind="reversal", date=dt.date(2019, 5, 1),
                               amount=Decimal("300000.00"), reverses=pay)
    LedgerEntry.objects.create(project=p, budget=b, kind="disbursement", date=dt.date(2019, 5, 2),
                               amount=Decimal("250000.50"))
    return p, alloc
