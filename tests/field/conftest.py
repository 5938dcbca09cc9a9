"""Field fixtures: a clerk in each county, a household in county A with 2019 facts."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def staff_a(divisions, make_user):
    return make_user("clerk_a", division=divisions["lizhou"])


@pytest.fixture
def staff_b(divisions, make_user):
    return make_user("clerk_b", division=divisions["wangcang"])


@pytest.fixture
def household_a(divisions, make_household):
    return make_household(divisions["lizhou_village"], year=2019, income=Decimal("5200"))


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids); the UI default is zh-hans."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def walk():
    """Move a case along a list of stages with dated steps."""
    from xiezuo.monitoring import services

    def run(case, stages, user, start, **kwargs):
        day = start
        for stage in stages:
            extra = dict(kwargs.get(stage, {}))
            case = services.case_advance(case=case, to_stage=stage, user=user, on=extra.pop("on", day), **extra)
            day = case.stage_entered_on
        return case

    return run
