"""Cooperation pages: lists with filters, details, create and edit through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xiezuo.cooperation.models import Agreement, Organisation

pytestmark = pytest.mark.django_db


def test_pairing_list_for_east_office(client, make_user, coop_world):
    east = make_user("hz", role="east_office", division=coop_world["huzhou"])
    client.force_login(east)
    page = client.get(reverse("cooperation:pairing_list"), {"year": "2019", "county": "510822", "level": "county"})
    assert page.status_code == 200 and page.context["page"].paginator.count == 1
    assert client.get(reverse("cooperation:pairing_detail", args=[coop_world["pairing"].pk])).status_code == 200


def test_create_organisation_with_bad_uscc_shows_the_error(client, admin_user, coop_world):
    client.force_login(admin_user)
    r = client.post(reverse("cooperation:organisation_create"), {
        "name": "青川茶业", "kind": "enterprise", "side": "west", "division": "510822", "uscc": "91110000600037341A"})
    assert r.status_code == 200 and "position 18" in r.content.decode()
    r = client.post(reverse("cooperation:organisation_create"), {
        "name": "青川茶业", "kind": "enterprise", "side": "west", "division": "510822", "uscc": "91110000600037341L"})
    assert r.status_code == 302 and Organisation.objects.get().division_id == "510822000000"


def test_agreement_create_and_targets(client, admin_user, coop_world):
    client.force_login(admin_user)
    r = client.post(reverse("cooperation:agreement_create"), {
        "title": "广元–湖州", "round": "2018", "east_division": "330500", "west_division": "510800",
        "signed_on": "2018-03-28", "valid_from": "2018-01-01", "valid_to": "2020-12-31"})
    a = Agreement.objects.get()
    assert r.status_code == 302
    r = client.post(reverse("cooperation:agreement_detail", args=[a.pk]),
                    {"year": "2019", "indicator": "cadres", "target": "3"})
    assert r.status_code == 302 and a.targets.get().unit == "persons"
    for name in ("organisation_list", "agreement_list"):
        assert client.get(reverse(f"cooperation:{name}")).status_code == 200


def test_county_staff_cannot_edit_other_pairings(client, make_user, coop_world):
    staff = make_user("wc", division=coop_world["wangcang"])
    client.force_login(staff)
    assert client.get(reverse("cooperation:pairing_edit", args=[coop_world["pairing"].pk])).status_code == 404
