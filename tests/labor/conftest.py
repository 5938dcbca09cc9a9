"""Fixtures for the labour, consumption and talent tests: an eastern county and registry members."""

from __future__ import annotations

import pytest
from stdnum.cn import ric


def id_number(area: str, birth: str, seq: int) -> str:
    """A valid 18-digit resident identity number (GB 11643) for `birth` (YYYYMMDD)."""
    body = f"{area}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body)


@pytest.fixture
def wuxing(divisions):
    from xiezuo.geo.models import Division

    return Division.objects.create(code="330502000000", name="吴兴区", level="county", parent=divisions["huzhou"],
                                   side="east")


@pytest.fixture
def make_member(make_household):
    """A living member in `village`, born on `birth` (YYYYMMDD)."""
    counter = {"n": 0}

    def make(village, birth="19900101", **fields):
        counter["n"] += 1
        hh = make_household(village, members=((id_number(village.code[:6], birth, counter["n"]), "01"),), **fields)
        return hh.members.get()

    return make


@pytest.fixture
def staff(make_user, divisions):
    """Edit-scoped county staff of 利州 and 旺苍."""
    return {"lizhou": make_user("lz-staff", division=divisions["lizhou"]),
            "wangcang": make_user("wc-staff", division=divisions["wangcang"])}
