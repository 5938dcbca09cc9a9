"""Cooperation fixtures: 青川 (west) paired with 吴兴 (east, under the shared 湖州), a 6 % pool rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest


@pytest.fixture
def coop_world(divisions):
    from xiezuo.cooperation.models import Pairing
    from xiezuo.geo.models import Division
    from xiezuo.projects.models import FundPoolRule

    def make(code, name, level, parent, side="west"):
        return Division.objects.create(code=code, name=name, level=level, parent=parent, side=side)

    qc = make("510822000000", "青川县", "county", divisions["guangyuan"])
    qc_t = make("510822220000", "七佛乡", "township", qc)
    qc_v = make("510822220201", "丙村", "village", qc_t)
    wx = make("330502000000", "吴兴区", "county", divisions["huzhou"], side="east")
    pairing = Pairing.objects.create(level="county", east_division=wx, west_division=qc, round="2018",
                                     valid_from=dt.date(2018, 1, 1))
    FundPoolRule.objects.create(share=Decimal("0.06"), valid_from=dt.date(2018, 1, 1), note="book: 6 %")
    return {**divisions, "qingchuan": qc, "qingchuan_town": qc_t, "qingchuan_village": qc_v, "wuxing": wx,
            "pairing": pairing}


@pytest.fixture
def admin_user(make_user):
    return make_user("coop-admin", role="admin")


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are asserted in English (the msgids); the UI default is zh-hans."""
    from django.conf import settings
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield
