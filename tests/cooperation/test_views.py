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


def test_county_staff_record_a_visit_and_an_enterprise_through_the_forms(client, make_user, coop_world):
    from xiezuo.accounts.models import AuditEntry
    from xiezuo.cooperation.models import Enterprise, Visit

    staff = make_user("qc", role="county_staff", division=coop_world["qingchuan"])
    client.force_login(staff)
    assert reverse("cooperation:visit_create") in client.get(reverse("cooperation:visit_list")).content.decode()
    # a visit with its eastern partner: saved through the services, the county pairing linked, audited
    r = client.post(reverse("cooperation:visit_create"), {
        "date": "2019-04-02", "kind": "e2w", "title": "吴兴区党政代表团考察", "leader": "区委书记",
        "west_division": "510822", "east_division": "330502", "note": ""})
    visit = Visit.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("cooperation:visit_detail", args=[visit.pk])
    assert visit.pairing == coop_world["pairing"]
    assert AuditEntry.objects.filter(action="cooperation.visit.created", actor=staff).exists()
    # an enterprise with a refused credit code stays on the form with the service's message, nothing saved
    data = {"name": "青川白茶", "uscc": "91110000600037341A", "year": "2019", "industry": "茶叶",
            "west_division": "510822", "east_division": "330502", "investment_planned": "30000000",
            "investment_arrived": "12000000.50", "in_production": "on", "poor_people_driven": "120", "note": ""}
    r = client.post(reverse("cooperation:enterprise_create"), data)
    assert r.status_code == 200 and "position 18" in r.content.decode() and not Enterprise.objects.exists()
    r = client.post(reverse("cooperation:enterprise_create"), {**data, "uscc": "91110000600037341L"})
    e = Enterprise.objects.get()
    assert r.status_code == 302 and str(e.investment_arrived) == "12000000.50" and e.in_production
    # the edit page changes it in place
    r = client.post(reverse("cooperation:enterprise_edit", args=[e.pk]), {**data, "uscc": "", "year": "2020"})
    assert r.status_code == 302 and Enterprise.objects.get().year == 2020


def test_another_county_cannot_add_or_edit_its_neighbours_visits(client, make_user, coop_world):
    import datetime as dt

    from xiezuo.cooperation import services
    from xiezuo.cooperation.models import Visit

    admin = make_user("root", role="admin")
    visit = services.visit_create(user=admin, date=dt.date(2019, 4, 2), kind="e2w", title="考察",
                                  west_division=coop_world["qingchuan"])
    client.force_login(make_user("lz", role="county_staff", division=coop_world["lizhou"]))
    assert client.get(reverse("cooperation:visit_edit", args=[visit.pk])).status_code == 404
    r = client.post(reverse("cooperation:visit_create"), {
        "date": "2019-05-01", "kind": "e2w", "title": "越权", "west_division": "510822"})
    assert r.status_code == 403 and Visit.objects.count() == 1
