"""The template round trip (tests/dataio/roundtrip.py) for placements."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dataio.roundtrip import template_round_trip
from xiezuo.registry.services import member_id_number

pytestmark = pytest.mark.django_db


def test_placements_template(client, divisions, make_user, make_member, tmp_path):
    a = make_member(divisions["wangcang_village"])
    template_round_trip(client, make_user("rt-admin", role="admin"), "placements", {"placements": [
        {"身份证号": member_id_number(a), "姓名": a.name, "就业单位": "湖州某厂", "就业地点": "浙江",
         "就业开始日期": dt.date(2020, 3, 1), "月工资（元）": 4200.5}]}, tmp_path)
