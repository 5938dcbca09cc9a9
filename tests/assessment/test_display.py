"""The dashboard's JSON carries each figure as shown (xiezuo.web.numformat), so the page formats nothing itself."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_cards_carry_display_strings_in_the_requests_language(admin_client, poverty):
    from django.core.cache import cache

    cache.clear()
    data = admin_client.get("/assessment/data.json?year=2013", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    cards = {c["code"]: c for c in data["cards"]}
    assert cards["poor_people"]["display"] == "4"
    assert cards["incidence_pct"]["display"] == "8.00%"
    assert cards["fund_pool"]["display"].endswith("元")  # money with its unit, 元/万元/亿元


def test_a_money_figure_reads_in_wan_and_yi_yuan():
    from xiezuo.assessment.catalogue import CATALOGUE
    from xiezuo.assessment.values import Value

    v = Value(indicator=CATALOGUE["sales_cumulative"], value=Decimal("477654441.40"), trace_url="",
              target=Decimal("3410000"))
    with translation.override("zh-hans"):
        shown = v.as_dict("zh-hans")
        assert (shown["display"], shown["target_display"]) == ("4.78亿元", "341.00万元")
        assert (v.figure, v.unit_label) == ("477,654,441.40", "元")
    assert v.as_dict("en")["display"] == "477.65 million yuan"
