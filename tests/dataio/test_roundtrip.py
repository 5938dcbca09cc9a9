"""The template round trip (see roundtrip.py) for the registry's sheets: households (whose
template carries the members and yearly-facts sheets), members and facts on their own."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import VILLAGE, ids
from .roundtrip import template_round_trip

pytestmark = pytest.mark.django_db


def _households(numbers):
    return [{"户编号": n, "村代码": VILLAGE, "户主姓名": f"户主{n}", "贫困户属性": "一般贫困户", "主要致贫原因": "因病",
             "识别时间": dt.date(2014, 6, 30), "是否军烈属": "否", "联系电话": "13800001234",
             "耕地面积（亩）": 2.5} for n in numbers]


def _members(pairs):
    return [{"户编号": n, "姓名": name, "证件号码": number, "与户主关系": relation, "民族": "汉族",
             "是否享受低保": "是"} for n, name, number, relation in pairs]


def _facts(numbers):
    return [{"户编号": n, "年度": 2019, "家庭人口数": 2, "工资性收入": 12000.5, "生产经营性支出": 300,
             "不愁吃": "是", "住房安全等级": "A级"} for n in numbers]


def test_households_template_with_its_members_and_facts_sheets(client, admin, divisions, tmp_path):
    people = ids(4)
    template_round_trip(client, admin, "households", {
        "households": _households(["R001", "R002"]),
        "members": _members([("R001", "甲", people[0], "户主"), ("R001", "甲妻", people[1], "配偶"),
                             ("R002", "乙", people[2], "户主"), ("R002", "乙子", people[3], "之子")]),
        "facts": _facts(["R001", "R002"]),
    }, tmp_path)


def _household(number):
    from xiezuo.registry.models import Household

    Household.objects.create(number=number, village_id=VILLAGE, head_name="户主")


def test_members_template(client, admin, divisions, tmp_path):
    _household("RM01")
    people = ids(12)[10:]
    template_round_trip(client, admin, "members", {
        "members": _members([("RM01", "丙", people[0], "户主"), ("RM01", "丙女", people[1], "之女")])}, tmp_path)


def test_facts_template(client, admin, divisions, tmp_path):
    _household("RF01")
    template_round_trip(client, admin, "facts", {"facts": _facts(["RF01"])}, tmp_path)
