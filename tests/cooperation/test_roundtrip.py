"""The template round trip (tests/dataio/roundtrip.py) for visits, meetings, enterprises and projects."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dataio.roundtrip import template_round_trip

pytestmark = pytest.mark.django_db


def test_visits_template(client, coop_world, admin_user, tmp_path):
    template_round_trip(client, admin_user, "visits", {"visits": [
        {"日期": dt.date(2019, 4, 2), "方向": "东部到西部", "事由": "吴兴区党政代表团考察青川", "带队领导": "区委书记",
         "西部县代码": "510822000000", "东部结对方代码": "330502000000"}]}, tmp_path)


def test_meetings_template(client, coop_world, admin_user, tmp_path):
    template_round_trip(client, admin_user, "meetings", {"meetings": [
        {"日期": dt.date(2019, 3, 1), "会议类型": "联席会议", "会议名称": "吴兴青川东西部扶贫协作联席会议",
         "西部县代码": "510822000000", "东部结对方代码": "330502000000"}]}, tmp_path)


def test_enterprises_template(client, coop_world, admin_user, tmp_path):
    template_round_trip(client, admin_user, "enterprises", {"enterprises": [
        {"年度": 2019, "企业名称": "青川白茶有限公司", "西部县代码": "510822000000", "东部结对方代码": "330502000000",
         "行业": "茶叶", "计划投资（元）": 30000000, "到位投资（元）": 12000000.5, "是否投产": "是",
         "带动贫困人口（人）": 120}]}, tmp_path)


def test_projects_template(client, coop_world, admin_user, tmp_path):
    from xiezuo.registry.models import Cadre

    Cadre.objects.create(name="张三", division=coop_world["qingchuan_town"])
    template_round_trip(client, admin_user, "projects", {"projects": [
        {"项目编号": "QC-001", "项目名称": "七佛乡茶园", "县代码": "510822000000", "村代码": "510822220201",
         "项目类型": "产业帮扶", "年度": 2019, "东部协作财政援助资金（元）": 1000000, "地方配套资金（元）": 200000.5,
         "责任人": "张三"}]}, tmp_path)
