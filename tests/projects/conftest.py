"""Project fixtures: an approved industry project in 青川 with budget lines by fund source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.cooperation.conftest import _english, admin_user, coop_world  # noqa: F401  (fixtures)


@pytest.fixture
def make_project(coop_world, admin_user):  # noqa: F811
    from xiezuo.projects import services

    counter = {"n": 0}

    def make(*, county=None, category="industry", status="approved", budgets=None, user=None, **extra):
        counter["n"] += 1
        user = user or admin_user
        project = services.project_create(
            user=user, code=f"P{counter['n']:04d}", name=f"项目{counter['n']}", county=county or coop_world["qingchuan"],
            category=category, year=2019, on=dt.date(2019, 1, 1),
            budgets=budgets if budgets is not None else {"east_fiscal": Decimal("1000000.00"),
                                                         "local": Decimal("200000.00")}, **extra)
        if status != "reserve":
            services.project_transition(user=user, project=project, to_status="approved", on=dt.date(2019, 2, 1))
        return project

    return make
