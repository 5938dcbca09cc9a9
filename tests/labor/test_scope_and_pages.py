"""Scope: a county sees its own placements only; an eastern office sees aggregates, no rows.
Pages: list, filter, create through the form (service + audit), edit, detail; API read-only."""

import datetime as dt
from decimal import Decimal

import pytest

from xiezuo.accounts.models import AuditEntry
from xiezuo.labor import selectors, services
from xiezuo.labor.models import Placement


@pytest.fixture
def placements(staff, make_member, divisions):
    lz = make_member(divisions["lizhou_village"], birth="19850101")
    wc = make_member(divisions["wangcang_village"], birth="19880101")
    common = dict(employer="某公司", place="in_province", start_date=dt.date(2019, 4, 1), monthly_wage=Decimal("3000"))
    return {"lizhou": services.placement_create(user=staff["lizhou"], member=lz, **common),
            "wangcang": services.placement_create(user=staff["wangcang"], member=wc, **common)}


def test_county_staff_see_only_their_county(staff, placements):
    assert list(selectors.placement_list(user=staff["lizhou"])) == [placements["lizhou"]]
    assert list(selectors.placement_list(user=staff["wangcang"])) == [placements["wangcang"]]


def test_east_office_sees_no_rows_but_the_aggregates(make_user, divisions, placements, client):
    # given an eastern office with a view grant on Guangyuan
    east = make_user("east", role="east_office", division=divisions["guangyuan"], kind="view")
    # then no placement rows, on pages or API
    assert not selectors.placement_list(user=east).exists()
    client.force_login(east)
    assert client.get("/api/labor/placements/").json()["count"] == 0
    assert client.get(f"/labor/placements/{placements['lizhou'].pk}/").status_code == 404
    # but the aggregates by county and year
    rows = selectors.placements_by_county_year(user=east)
    assert {(r["county"], r["year"], r["people"]) for r in rows} == {("510802", 2019, 1), ("510821", 2019, 1)}


def test_another_countys_placement_answers_404(client, staff, placements):
    client.force_login(staff["wangcang"])
    assert client.get(f"/labor/placements/{placements['lizhou'].pk}/").status_code == 404
    assert client.get(f"/labor/placements/{placements['lizhou'].pk}/edit/").status_code == 404
    assert client.get(f"/api/labor/placements/{placements['lizhou'].pk}/").status_code == 404


def test_list_filters_by_year_and_county(client, make_user, placements):
    client.force_login(make_user("root", role="admin"))
    page = client.get("/labor/placements/?year=2019&county=510821")
    assert page.status_code == 200
    assert list(page.context["page"]) == [placements["wangcang"]]
    assert not list(client.get("/labor/placements/?year=2018").context["page"])


def test_create_and_edit_through_the_pages(client, staff, make_member, divisions):
    member = make_member(divisions["lizhou_village"], birth="19920101")
    client.force_login(staff["lizhou"])
    assert client.get("/labor/placements/new/").status_code == 200
    form = {"member": member.pk, "employer": "湖州某纺织公司", "place": "partner_province", "start_date": "2020-02-01",
            "end_date": "2020-01-01", "monthly_wage": "3800.00"}
    refused = client.post("/labor/placements/new/", form)
    assert refused.status_code == 200 and "end_date" in refused.context["form"].errors
    form["end_date"] = "2020-07-31"
    done = client.post("/labor/placements/new/", form)
    p = Placement.objects.get()
    assert done.status_code == 302 and p.months_employed == 6
    form["monthly_wage"] = "3900.00"
    assert client.post(f"/labor/placements/{p.pk}/edit/", form).status_code == 302
    p.refresh_from_db()
    assert p.monthly_wage == Decimal("3900.00")
    assert AuditEntry.objects.filter(action__in=("labor.placement.created", "labor.placement.updated")).count() == 2
    assert client.get(f"/labor/placements/{p.pk}/").status_code == 200


def test_other_lists_render(client, make_user, divisions):
    client.force_login(make_user("root", role="admin"))
    for url in ("/labor/students/", "/labor/workshops/", "/labor/workstations/", "/labor/workshops/new/",
                "/labor/workstations/new/", "/labor/students/new/", "/api/labor/workshops/?county=510821"):
        assert client.get(url).status_code == 200, url
