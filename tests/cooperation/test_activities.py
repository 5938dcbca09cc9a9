"""Visits, meetings and enterprise investment: scope, money, pairing link, and the assessment
indicators that count and sum them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from xiezuo.accounts.models import AuditEntry
from xiezuo.assessment.values import Query, value
from xiezuo.cooperation import services
from xiezuo.cooperation.models import Enterprise, Meeting, Organisation, Pairing, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def qc_staff(coop_world, make_user):
    return make_user("qc-staff", division=coop_world["qingchuan"])


def test_visit_links_the_county_pairing_and_is_audited(coop_world, qc_staff):
    v = services.visit_create(user=qc_staff, date=dt.date(2019, 5, 6), kind="e2w", title="吴兴区党政代表团考察",
                              leader="区委书记", west_division=coop_world["qingchuan"],
                              east_division=coop_world["wuxing"])
    assert v.pairing_id == coop_world["pairing"].pk
    assert AuditEntry.objects.filter(action="cooperation.visit.created").count() == 1
    # Before the pairing started there is nothing to link.
    early = services.visit_create(user=qc_staff, date=dt.date(2017, 5, 6), kind="w2e", title="考察",
                                  west_division=coop_world["qingchuan"], east_division=coop_world["wuxing"])
    assert early.pairing is None
    # Without an eastern partner the pairing cannot be known either.
    unknown = services.visit_create(user=qc_staff, date=dt.date(2019, 5, 6), kind="w2e", title="考察",
                                    west_division=coop_world["qingchuan"])
    assert unknown.pairing is None


def test_given_pairing_must_join_the_same_county(coop_world, admin_user):
    other = Pairing.objects.create(level="county", east_division=coop_world["wuxing"],
                                   west_division=coop_world["wangcang"], round="2018", valid_from=dt.date(2018, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(user=admin_user, date=dt.date(2019, 3, 1), kind="joint", title="联席会议",
                                west_division=coop_world["qingchuan"], pairing=other)
    assert "pairing" in exc.value.error_dict
    m = services.meeting_create(user=admin_user, date=dt.date(2019, 3, 1), kind="joint", title="联席会议",
                                west_division=coop_world["qingchuan"], pairing=coop_world["pairing"])
    assert (m.pairing_id, m.east_division_id) == (coop_world["pairing"].pk, "330502000000")


def test_writes_outside_the_users_county_are_refused(coop_world, qc_staff):
    with pytest.raises(PermissionDenied):
        services.visit_create(user=qc_staff, date=dt.date(2019, 5, 6), kind="e2w", title="x",
                              west_division=coop_world["wangcang"])
    with pytest.raises(PermissionDenied):
        services.meeting_create(user=qc_staff, date=dt.date(2019, 5, 6), kind="joint", title="x",
                                west_division=coop_world["wangcang"])
    with pytest.raises(PermissionDenied):
        services.enterprise_create(user=qc_staff, name="x", year=2019, west_division=coop_world["wangcang"],
                                   investment_arrived=Decimal("1"))
    mine = services.enterprise_create(user=qc_staff, name="青川茶业", year=2019,
                                      west_division=coop_world["qingchuan"])
    with pytest.raises(PermissionDenied):  # nor may a record be moved out of the county
        services.enterprise_update(user=qc_staff, enterprise=mine, west_division=coop_world["wangcang"])
    assert not Visit.objects.exists() and not Meeting.objects.exists()
    assert Enterprise.objects.get().west_division_id == "510822000000"


def test_west_division_must_be_a_western_county(coop_world, admin_user):
    with pytest.raises(ValidationError) as exc:
        services.visit_create(user=admin_user, date=dt.date(2019, 5, 6), kind="e2w", title="x",
                              west_division=coop_world["qingchuan_town"])
    assert "west_division" in exc.value.error_dict


@pytest.mark.parametrize("field,amount", [("investment_arrived", Decimal("-0.01")),
                                          ("investment_planned", Decimal("-5")),
                                          ("investment_arrived", Decimal("1.005")),
                                          ("investment_arrived", 1.5)])
def test_bad_money_is_refused(coop_world, admin_user, field, amount):
    with pytest.raises(ValidationError) as exc:
        services.enterprise_create(user=admin_user, name="x", year=2019, west_division=coop_world["qingchuan"],
                                   **{field: amount})
    assert field in exc.value.error_dict
    assert not Enterprise.objects.exists()


def test_database_refuses_negative_money(coop_world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enterprise.objects.create(name="x", year=2019, west_division=coop_world["qingchuan"],
                                  investment_arrived=Decimal("-1"))


def test_enterprise_takes_the_organisations_code_and_the_years_pairing(coop_world, admin_user):
    org = Organisation.objects.create(name="吴兴茶业有限公司", kind="enterprise", division=coop_world["wuxing"],
                                      side="east", uscc="91110000600037341L")
    e = services.enterprise_create(user=admin_user, name="", organisation=org, year=2019,
                                   west_division=coop_world["qingchuan"], east_division=coop_world["wuxing"],
                                   investment_planned=Decimal("50000000"), investment_arrived="26300000.50",
                                   in_production=True, poor_people_driven=120)
    assert (e.name, e.uscc, e.pairing_id) == ("吴兴茶业有限公司", "91110000600037341L", coop_world["pairing"].pk)
    assert e.investment_arrived == Decimal("26300000.50")
    with pytest.raises(ValidationError) as exc:
        services.enterprise_update(user=admin_user, enterprise=e, uscc="91110000600037341A")
    assert "uscc" in exc.value.error_dict


def test_assessment_indicators_compute_from_the_rows(coop_world, admin_user, make_user):
    qc, wx = coop_world["qingchuan"], coop_world["wuxing"]
    q = Query(year=2019, prefix="510822", user=None)
    for code in ("visits", "joint_meetings", "enterprises", "investment"):
        assert value(code, q).value in (0, Decimal("0.00"))  # recorded, and zero: not None
    for day in (dt.date(2019, 3, 1), dt.date(2019, 9, 1), dt.date(2020, 1, 5)):
        services.visit_create(user=admin_user, date=day, kind="e2w", title="互访", west_division=qc, east_division=wx)
    services.visit_create(user=admin_user, date=dt.date(2019, 4, 1), kind="w2e", title="互访",
                          west_division=coop_world["wangcang"])
    services.meeting_create(user=admin_user, date=dt.date(2019, 6, 1), kind="joint", title="联席会议",
                            west_division=qc, east_division=wx)
    services.meeting_create(user=admin_user, date=dt.date(2019, 7, 1), kind="signing", title="签约",
                            west_division=qc, east_division=wx)  # recorded, not a joint meeting
    for arrived, producing in (("1000000.25", True), ("2500000.50", False), ("0", True)):
        services.enterprise_create(user=admin_user, name=f"企业{arrived}", year=2019, west_division=qc,
                                   east_division=wx, investment_planned=Decimal("9000000"),
                                   investment_arrived=Decimal(arrived), in_production=producing)
    services.enterprise_create(user=admin_user, name="2018企业", year=2018, west_division=qc,
                               investment_arrived=Decimal("7"))
    assert value("visits", q).value == 2
    assert value("visits", Query(year=2019, prefix="5108")).value == 3
    assert value("joint_meetings", q).value == 1
    assert value("enterprises", q).value == 2  # the two in production (投产), not the one still building
    assert value("investment", q).value == Decimal("3500000.75")
    by_pairing = Query(year=2019, prefix="510822", pairing=coop_world["pairing"].pk)
    assert value("visits", by_pairing).value == 2 and value("investment", by_pairing).value == Decimal("3500000.75")
    # A user of another county sees none of 青川's rows.
    wc_staff = make_user("wc-staff", division=coop_world["wangcang"])
    assert value("visits", Query(year=2019, prefix="5108", user=wc_staff)).value == 1
    assert value("investment", Query(year=2019, prefix="5108", user=wc_staff)).value == Decimal("0.00")


def test_list_and_detail_pages_are_scoped(coop_world, admin_user, make_user, client):
    from django.urls import reverse

    qc, wc = coop_world["qingchuan"], coop_world["wangcang"]
    mine = services.visit_create(user=admin_user, date=dt.date(2019, 3, 1), kind="e2w", title="青川互访",
                                 west_division=qc, east_division=coop_world["wuxing"])
    other = services.visit_create(user=admin_user, date=dt.date(2019, 3, 1), kind="e2w", title="旺苍互访",
                                  west_division=wc)
    services.enterprise_create(user=admin_user, name="青川茶业", year=2019, west_division=qc,
                               investment_arrived=Decimal("1234.50"))
    client.force_login(make_user("qc-viewer", division=qc))
    page = client.get(reverse("cooperation:visit_list"), {"year": "2019"}).content.decode()
    assert "青川互访" in page and "旺苍互访" not in page
    assert client.get(reverse("cooperation:visit_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("cooperation:visit_detail", args=[other.pk])).status_code == 404
    assert "1234.50" in client.get(reverse("cooperation:enterprise_list")).content.decode()
    assert client.get(reverse("cooperation:meeting_list")).status_code == 200
