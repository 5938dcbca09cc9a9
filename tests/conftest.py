"""Shared fixtures: a small division tree in two counties, and users scoped to them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet


@pytest.fixture(autouse=True, scope="session")
def _field_keys():
    from django.conf import settings

    settings.XIEZUO_FIELD_KEYS = [Fernet.generate_key().decode()]
    yield


@pytest.fixture
def divisions(db):
    """四川 > 广元 > 利州区 / 旺苍县, each with one township and one village."""
    from xiezuo.geo.models import Division

    def make(code, name, level, parent=None, side="west"):
        return Division.objects.create(code=code, name=name, level=level, parent=parent, side=side)

    sc = make("510000000000", "四川省", "province")
    gy = make("510800000000", "广元市", "city", sc)
    lz = make("510802000000", "利州区", "county", gy)
    wc = make("510821000000", "旺苍县", "county", gy)
    lz_t = make("510802101000", "宝轮镇", "township", lz)
    wc_t = make("510821100000", "东河镇", "township", wc)
    lz_v = make("510802101201", "甲村", "village", lz_t)
    wc_v = make("510821100201", "乙村", "village", wc_t)
    zj = make("330000000000", "浙江省", "province", side="east")
    hz = make("330500000000", "湖州市", "city", zj, side="east")
    return {"sichuan": sc, "guangyuan": gy, "lizhou": lz, "wangcang": wc, "lizhou_town": lz_t,
            "wangcang_town": wc_t, "lizhou_village": lz_v, "wangcang_village": wc_v, "zhejiang": zj, "huzhou": hz}


@pytest.fixture
def make_user(db):
    from xiezuo.accounts.models import Grant, User

    def make(username, role="county_staff", division=None, kind="edit", **extra):
        user = User.objects.create_user(username=username, password="pw-for-tests-only", role=role, **extra)
        if division is not None:
            Grant.objects.create(user=user, division=division, kind=kind)
        return user

    return make


@pytest.fixture
def make_household(db):
    from xiezuo.registry.models import Household, HouseholdYear, Member
    from xiezuo.registry.services import member_identity_fields

    counter = {"n": 0}

    def make(village, *, members=(("510802199001011236", "01"),), year=2013, income=Decimal("2000"), **fields):
        counter["n"] += 1
        hh = Household.objects.create(number=f"T{counter['n']:06d}", village=village,
                                      head_name=fields.pop("head_name", f"户主{counter['n']}"), **fields)
        for id_number, relation in members:
            Member.objects.create(household=hh, name=f"成员{id_number[-4:]}", sex="M",
                                  birth_date=dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
                                  relation=relation, **member_identity_fields(id_number))
        HouseholdYear.objects.create(household=hh, year=year, size=len(members), wage=income)
        return hh

    return make
