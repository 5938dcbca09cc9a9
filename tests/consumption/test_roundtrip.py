"""The template round trip (tests/dataio/roundtrip.py) for sales."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dataio.roundtrip import template_round_trip

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(staff, divisions, wuxing, make_user):
    from xiezuo.consumption import services

    supplier = services.supplier_create(user=staff["wangcang"], name="旺苍农场", kind="farm",
                                        county=divisions["wangcang"])
    services.product_create(user=staff["wangcang"], name="米仓山茶", category="tea", supplier=supplier)
    services.buyer_create(user=make_user("boss", role="admin"), name="吴兴区总工会", kind="trade_union",
                          division=wuxing)


def test_sales_template(client, staff, catalogue, tmp_path):
    template_round_trip(client, staff["wangcang"], "sales", {"sales": [
        {"产品名称": "米仓山茶", "供应商": "旺苍农场", "采购方": "吴兴区总工会", "销售日期": dt.date(2020, 5, 1),
         "销售金额": 1000.5, "数量": 20, "销售渠道": "以购代帮"}]}, tmp_path, duplicate="可能已录入")
