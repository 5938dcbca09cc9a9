"""Monitoring fixtures: a county-A clerk and a county-B clerk, a household with yearly facts."""

from __future__ import annotations

import datetime as dt
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
    """A household in county A whose 2025 per-capita income (3,000) is below the threshold."""
    return make_household(divisions["lizhou_village"], year=2025, income=Decimal("3000"))


@pytest.fixture
def walk():
    """Move a case along a list of stages with dated steps."""
    from xiezuo.monitoring import services

    def run(case, stages, user, start: dt.date, **kwargs):
        day = start
        for stage in stages:
            extra = dict(kwargs.get(stage, {}))
            case = services.case_advance(case=case, to_stage=stage, user=user, on=extra.pop("on", day), **extra)
            day = case.stage_entered_on
        return case

    return run


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids); the UI default is zh-hans."""
    from django.utils import translation

    with translation.override("en"):
        yield
