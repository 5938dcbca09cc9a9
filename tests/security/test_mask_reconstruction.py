"""Issue 12, item 4: a masked identity number cannot be rebuilt from what is shown beside it.

The attack: the mask kept the first 4 and last 4 digits and the full birth date was shown
beside it; with the region codes of the division tree, the 2 unknown region digits were
the only freedom left, and the check digit settled them: every member of a test database
was rebuilt uniquely. Here the attacker is a user who may not unmask (village staff); the
test takes what the API, the household page and a masked export show, and counts the
identity numbers consistent with it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import pytest
from django.test import Client
from stdnum.cn import ric

from xiezuo.accounts.access import can_unmask


def _valid(body: str) -> str:
    return body + ric.calc_check_digit(body)


# Valid numbers (the shared fixtures' are not all valid, and an attacker filters by the check digit).
A_IDS = tuple(_valid(b) for b in ("51080219800101123", "51080219850202001", "51080220120715044"))

pytestmark = pytest.mark.django_db

MIN_CANDIDATES = 10  # with the region known exactly; about 33 with the last 4 and the birth year


def _regions() -> list[str]:
    """Every county-level prefix of the division tree, as an attacker would list them."""
    from xiezuo.geo.models import Division

    return sorted({d.code[:6] for d in Division.objects.filter(level="county")})


def _dates(shown: dict) -> list[dt.date]:
    if shown.get("birth_date"):
        return [dt.date.fromisoformat(shown["birth_date"])]
    year = shown.get("birth_year")
    assert year, f"no birth information shown: {sorted(shown)}"
    return [dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366 if calendar.isleap(year) else 365)]


def candidates(masked: str, regions: list[str], dates: list[dt.date], sex: str) -> list[str]:
    """Valid numbers consistent with the mask (shown characters in place), the birth dates and the sex."""
    assert len(masked) == 18
    shown = {i: c for i, c in enumerate(masked) if c != "*"}
    if all(i in shown for i in (14, 15, 16)):
        sequences = [masked[14:17]]
    else:
        sequences = [f"{n:03d}" for n in range(1000)]
    sequences = [s for s in sequences if (int(s[2]) % 2 == 1) == (sex == "M")]
    out = []
    for region in regions:
        for day in dates:
            for seq in sequences:
                body = f"{region}{day:%Y%m%d}{seq}"
                number = body + ric.calc_check_digit(body)
                if all(number[i] == c for i, c in shown.items()):
                    out.append(number)
    return out


@pytest.fixture
def household(two_counties):
    from xiezuo.registry.models import Member
    from xiezuo.registry.services import member_identity_fields

    hh = two_counties["a"]["household"]
    hh.members.all().delete()
    for i, number in enumerate(A_IDS):
        Member.objects.create(household=hh, name=f"验证成员{i}", relation="01" if i == 0 else "20",
                              sex="M" if int(number[16]) % 2 else "F", birth_date=ric.get_birth_date(number),
                              **member_identity_fields(number))
    return hh


def test_shown_fields_leave_many_candidates(household, divisions, make_user):
    # Given a village clerk of county A, who may not unmask
    user = make_user("clerk", role="village_staff", division=divisions["lizhou_village"], kind="view")
    assert not can_unmask(user)
    client = Client()
    client.force_login(user)
    members = client.get("/api/registry/members/").json()["results"]
    assert len(members) == len(A_IDS)
    for shown in members:
        truth = A_IDS[int(shown["name"][-1])]
        own_county = [household.village_id[:6]]
        # When the attacker combines the mask, the birth information and the sex with the region
        exact = candidates(shown["id_number_masked"], own_county, _dates(shown), shown["sex"])
        anywhere = candidates(shown["id_number_masked"], _regions(), _dates(shown), shown["sex"])
        # Then the true number is among many (even knowing the exact region)
        assert truth in exact
        assert len(exact) >= MIN_CANDIDATES, (shown, exact)
        assert len(anywhere) >= len(exact)


def _full_dates(text: str) -> list[str]:
    found = []
    for number in A_IDS:
        day = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        for form in (day.isoformat(), f"{day.year}年{day.month}月{day.day}日", day.strftime("%Y/%m/%d"),
                     f"{day.year}-{day.month}-{day.day}"):
            if re.search(re.escape(form) + r"(?!\d)", text):
                found.append(form)
    return found


def test_no_full_birth_date_beside_a_mask_on_pages_or_exports(household, divisions, make_user):
    user = make_user("clerk", role="village_staff", division=divisions["lizhou_village"], kind="view")
    client = Client()
    client.force_login(user)
    masked = household.members.first().id_number_masked
    page = client.get(f"/registry/households/{household.pk}/").content.decode()
    assert masked in page
    assert not _full_dates(page)
    export = client.get("/dataio/export/", {"entity": "members", "format": "csv"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert masked in body
    assert not _full_dates(body)


def test_stored_masks_are_migrated_to_the_last_four(household):
    import importlib

    from django.apps import apps

    from xiezuo.registry.models import Member

    migration = importlib.import_module("xiezuo.registry.migrations.0004_id_mask_last_four")
    Member.objects.filter(pk=household.members.first().pk).update(id_number_masked="5108**********1234")
    Member.objects.filter(pk=household.members.last().pk).update(id_number_masked="5108*******0015")  # 15 digits
    migration.last_four(apps, None)
    masks = set(Member.objects.filter(household=household).values_list("id_number_masked", flat=True))
    assert "**************1234" in masks and "***********0015" in masks
    assert not any(m[:4].strip("*") for m in masks)
