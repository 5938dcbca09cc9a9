"""Organisations, pairings and agreements: validation, dates, scope for an eastern office."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.accounts.models import AuditEntry
from xiezuo.cooperation import selectors, services
from xiezuo.cooperation.models import Agreement, Organisation, Pairing

pytestmark = pytest.mark.django_db


def test_organisation_with_valid_uscc(coop_world, admin_user):
    org = services.organisation_create(user=admin_user, name="青川茶业", kind="enterprise",
                                       division=coop_world["qingchuan"], side="west", uscc="91110000600037341l")
    assert org.uscc == "91110000600037341L"
    assert AuditEntry.objects.filter(action="cooperation.organisation.created").count() == 1


def test_organisation_bad_uscc_is_refused(coop_world, admin_user):
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(user=admin_user, name="x", kind="enterprise", division=coop_world["qingchuan"],
                                     side="west", uscc="91110000600037341A")
    assert "uscc" in exc.value.error_dict
    assert not Organisation.objects.exists()


def test_organisation_side_must_match_division(coop_world, admin_user):
    with pytest.raises(ValidationError, match="other side"):
        services.organisation_create(user=admin_user, name="x", kind="school", division=coop_world["wuxing"],
                                     side="west")


def test_pairing_dates_and_sides(coop_world, admin_user):
    with pytest.raises(ValidationError, match="before it starts"):
        services.pairing_create(user=admin_user, level="county", east_division=coop_world["wuxing"],
                                west_division=coop_world["wangcang"], round="2018",
                                valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2019, 1, 1))
    with pytest.raises(ValidationError, match="eastern party"):
        services.pairing_create(user=admin_user, level="county", east_division=coop_world["lizhou"],
                                west_division=coop_world["wangcang"], round="2018", valid_from=dt.date(2020, 1, 1))
    p = services.pairing_create(user=admin_user, level="county", east_division=coop_world["wuxing"],
                                west_division=coop_world["wangcang"], round="2018", valid_from=dt.date(2018, 1, 1),
                                valid_to=dt.date(2020, 12, 31))
    assert p.valid_on(dt.date(2019, 6, 1)) and not p.valid_on(dt.date(2021, 1, 1))


def test_pairing_with_organisations_takes_their_divisions(coop_world, admin_user):
    school_e = Organisation.objects.create(name="吴兴职校", kind="school", division=coop_world["wuxing"], side="east")
    school_w = Organisation.objects.create(name="青川职中", kind="school", division=coop_world["qingchuan"],
                                           side="west")
    p = services.pairing_create(user=admin_user, level="school", east_organisation=school_e,
                                west_organisation=school_w, round="2018", valid_from=dt.date(2018, 9, 1))
    assert (p.east_division_id, p.west_division_id) == ("330502000000", "510822000000")


def test_west_prefixes_for_east_user(coop_world, make_user):
    east = make_user("hz", role="east_office", division=coop_world["huzhou"])
    assert selectors.west_prefixes_for_east_user(user=east, on=dt.date(2019, 1, 1)) == ["510822"]
    assert selectors.west_prefixes_for_east_user(user=east, on=dt.date(2017, 1, 1)) == []
    assert Pairing.objects.restrict(east, "view").count() == 1
    assert selectors.west_prefixes_for_east_user(user=make_user("nobody", role="east_office")) == []


def test_agreement_targets(coop_world, admin_user, make_user):
    a = services.agreement_create(user=admin_user, title="广元–湖州 东西部扶贫协作框架协议",
                                  east_division=coop_world["huzhou"], west_division=coop_world["guangyuan"],
                                  round="2018", signed_on=dt.date(2018, 3, 1), valid_from=dt.date(2018, 1, 1),
                                  valid_to=dt.date(2020, 12, 31))
    t = services.agreement_target_set(user=admin_user, agreement=a, year=2019, indicator="fiscal_aid",
                                      target=Decimal("33000000"))
    assert (t.unit, t.target) == ("yuan", Decimal("33000000.00"))
    t2 = services.agreement_target_set(user=admin_user, agreement=a, year=2019, indicator="fiscal_aid",
                                       target=Decimal("35000000"))
    assert t2.pk == t.pk and a.targets.count() == 1
    with pytest.raises(ValidationError, match="outside the agreement"):
        services.agreement_target_set(user=admin_user, agreement=a, year=2021, indicator="fiscal_aid",
                                      target=Decimal("1"))
    staff = make_user("wc", division=coop_world["wangcang"])
    with pytest.raises(PermissionDenied):
        services.agreement_target_set(user=staff, agreement=a, year=2019, indicator="visits", target=Decimal("3"))
    assert Agreement.objects.restrict(staff, "view").count() == 0
