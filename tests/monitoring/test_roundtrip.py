"""The template round trip (tests/dataio/roundtrip.py) for department warnings: a warning is an
event (it opens a monitoring case), so the same file again is refused as a duplicate case rather
than "unchanged", and there is no warnings export to re-import."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.dataio.roundtrip import template_round_trip

pytestmark = pytest.mark.django_db


def test_warnings_template(client, household_a, make_user, tmp_path):
    template_round_trip(client, make_user("rt-admin", role="admin"), "warnings", {"warnings": [
        {"户编号": household_a.number, "风险类型": "01", "预警部门": "医保局", "预警内容": "住院自付3.2万元",
         "预警日期": dt.date(2025, 3, 1), "刚性支出": 32000}]}, tmp_path, export=(), reimport=False)
