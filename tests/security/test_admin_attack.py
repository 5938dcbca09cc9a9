"""Issue 12, item 1: the admin is for administrators only.

The attack: a county-scoped staff user holding every model permission (the case the scope
tests assume) read every user's API token in the admin, created a household in another
county's village, moved a household there and changed another county's rural population.
"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_scoped_staff_cannot_open_the_admin(two_counties, divisions, staff_user, make_user):
    from xiezuo.accounts.services import token_create

    root = make_user("root", role="admin", is_staff=True, is_superuser=True)
    token = token_create(user=root)
    client = _client(staff_user("lz-staff", "county_staff", divisions["lizhou"]))
    for url in ("/admin/", "/admin/accounts/apitoken/", "/admin/accounts/user/", "/admin/auth/group/",
                "/admin/geo/division/", "/admin/geo/divisionpopulation/", "/admin/registry/household/add/"):
        response = client.get(url)
        assert response.status_code in (302, 403), (url, response.status_code)
        assert token not in response.content.decode()


def _household_form(village, number: str) -> dict:
    data = {"number": number, "village": village.pk, "head_name": "越权户主", "attribute": "general",
            "standard": "national", "status": "identified", "other_causes": "[]", "cultivated_mu": "1",
            "forest_mu": "0", "road_distance_km": "1", "housing_area_m2": "60"}
    for prefix in ("members", "years"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def test_scoped_staff_cannot_write_another_countys_records(two_counties, divisions, staff_user):
    from xiezuo.geo.models import DivisionPopulation
    from xiezuo.registry.models import Household

    population = DivisionPopulation.objects.create(division=divisions["wangcang"], year=2019,
                                                   rural_population=300000)
    own = two_counties["a"]["household"]
    client = _client(staff_user("lz-staff", "county_staff", divisions["lizhou"]))
    # a household created in county B's village
    client.post("/admin/registry/household/add/", _household_form(divisions["wangcang_village"], "X-0001"))
    # an own household moved into county B
    client.post(f"/admin/registry/household/{own.pk}/change/",
                {**_household_form(divisions["wangcang_village"], own.number)})
    # county B's rural population (the denominator of its incidence)
    client.post(f"/admin/geo/divisionpopulation/{population.pk}/change/",
                {"division": divisions["wangcang"].pk, "year": 2019, "rural_population": 1})
    assert not Household.objects.filter(number="X-0001").exists()
    own.refresh_from_db()
    assert own.village_id == divisions["lizhou_village"].code
    population.refresh_from_db()
    assert population.rural_population == 300000


def test_east_office_cannot_create_a_household(divisions, staff_user):
    from xiezuo.registry.models import Household

    client = _client(staff_user("hz-office", "east_office", divisions["huzhou"]))
    client.post("/admin/registry/household/add/", _household_form(divisions["lizhou_village"], "X-0002"))
    assert not Household.objects.filter(number="X-0002").exists()


def test_administrators_keep_the_admin(two_counties, divisions, make_user):
    """The control: the same form, posted by an administrator, does create the household."""
    from xiezuo.registry.models import Household

    client = _client(make_user("ops", role="admin", is_staff=True))
    assert client.get("/admin/").status_code == 200
    root = _client(make_user("root", role="admin", is_staff=True, is_superuser=True))
    assert root.get("/admin/registry/household/").status_code == 200
    response = root.post("/admin/registry/household/add/", _household_form(divisions["wangcang_village"], "X-0003"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Household.objects.filter(number="X-0003").exists()


def test_admin_writes_are_checked_as_they_will_be_saved(two_counties, divisions, make_user, rf):
    """Second line, should the admin ever be opened to scoped users again: the admin's save checks
    the record's division after the change, not before it."""
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied

    from xiezuo.registry.models import Household

    request = rf.post("/")
    request.user = make_user("lz", division=divisions["lizhou"])
    model_admin = admin.site._registry[Household]
    moved = Household.objects.get(pk=two_counties["a"]["household"].pk)
    moved.village = divisions["wangcang_village"]
    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, moved, form=None, change=True)
    created = Household(number="X-0004", village=divisions["wangcang_village"], head_name="越权")
    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, created, form=None, change=False)
    assert not Household.objects.filter(number="X-0004").exists()
    assert Household.objects.get(pk=moved.pk).village_id == divisions["lizhou_village"].code
    own = Household.objects.get(pk=moved.pk)
    own.head_name = "甲户主赵改"
    model_admin.save_model(request, own, form=None, change=True)  # within scope: saved
    assert Household.objects.get(pk=own.pk).head_name == "甲户主赵改"
