"""A county manages its persons responsible from a page: a county staff user holding the permission creates a
cadre with a sign-in in their own county and assigns them households; nothing of another county, whatever is
posted; no one else may."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.accounts.models import AuditEntry, Grant, User
from xiezuo.field import services
from xiezuo.field.models import CadreAccount
from xiezuo.registry.models import Cadre, Household

PASSWORD = "Kx9!field-cadre-2026"


@pytest.fixture
def manager(make_user, divisions):
    user = make_user("lz_manager", role="county_staff", division=divisions["lizhou"])
    user.user_permissions.add(Permission.objects.get(codename="add_cadreaccount", content_type__app_label="field"))
    return User.objects.get(pk=user.pk)  # fresh: permissions are cached on the instance


def _create(client, division, username="cadre_new", **extra):
    return client.post("/field/cadres/", {"division": division.code, "name": "帮扶人丙", "work_unit": "区民政局",
                                          "post": "科员", "phone": "13800001111", "username": username,
                                          "password": PASSWORD, **extra})


def test_a_county_manager_creates_a_cadre_who_can_sign_in(client, manager, divisions):
    client.force_login(manager)
    assert client.get("/field/cadres/").status_code == 200
    response = _create(client, divisions["lizhou_village"])
    account = CadreAccount.objects.select_related("user", "cadre").get()
    assert response.status_code == 302 and response["Location"] == f"/field/cadres/{account.cadre_id}/"
    assert account.cadre.division_id == divisions["lizhou_village"].code and account.cadre.phone_masked
    assert account.user.role == "village_staff" and account.user.check_password(PASSWORD)
    assert list(Grant.objects.filter(user=account.user).values_list("division_id", "kind")) == [
        (divisions["lizhou_village"].code, "edit")]
    assert {"registry.cadre.created", "accounts.user.created", "field.cadre_account.created"} <= set(
        AuditEntry.objects.values_list("action", flat=True))
    client.logout()
    assert client.login(username="cadre_new", password=PASSWORD)
    assert client.get("/field/api/households").json()["households"] == []
    # a taken user name and a weak password are refused on the form, nothing created
    client.force_login(manager)
    page = _create(client, divisions["lizhou_village"], username="CADRE_NEW").content.decode()
    assert 'class="errorlist' in page and "CADRE_NEW" in page
    assert 'class="errorlist' in _create(client, divisions["lizhou_village"], username="other",
                                         password="123").content.decode()
    assert Cadre.objects.count() == 1 and User.objects.filter(username="other").count() == 0


def test_another_countys_village_is_refused(client, manager, divisions):
    client.force_login(manager)
    page = client.get("/field/cadres/").content.decode()
    assert divisions["wangcang_village"].code not in page
    response = _create(client, divisions["wangcang_village"])
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    with pytest.raises(PermissionDenied):  # the service re-checks, whatever the page offered
        services.cadre_account_create(actor=manager, division=divisions["wangcang_village"], name="x",
                                      username="x1", password=PASSWORD)
    assert not Cadre.objects.exists() and not CadreAccount.objects.exists()
    assert not User.objects.filter(username__in=["cadre_new", "x1"]).exists()


def test_a_field_sign_in_cannot_be_a_peer_or_above(manager, divisions):
    from xiezuo.accounts.services import field_user_create

    with pytest.raises(ValidationError):
        field_user_create(actor=manager, username="boss", password=PASSWORD, display_name="", role="county_staff",
                          division=divisions["lizhou_village"])
    assert not User.objects.filter(username="boss").exists()


def test_assigning_households_is_scoped_attack(client, manager, divisions, make_household):
    mine_a = make_household(divisions["lizhou_village"], members=(("510802199001011236", "01"),))
    mine_b = make_household(divisions["lizhou_village"], members=(("510802198001011231", "01"),))
    far = make_household(divisions["wangcang_village"], members=(("510821197003030019", "01"),))
    client.force_login(manager)
    _create(client, divisions["lizhou_village"])
    cadre = Cadre.objects.get()
    page = client.get(f"/field/cadres/{cadre.pk}/").content.decode()
    assert mine_a.number in page and far.number not in page
    client.post(f"/field/cadres/{cadre.pk}/", {"household": [mine_a.pk]})
    assert Household.objects.get(pk=mine_a.pk).cadre_id == cadre.pk
    # attack: another county's household by id (with one of ours), then by number: nothing is assigned
    client.post(f"/field/cadres/{cadre.pk}/", {"household": [mine_b.pk, far.pk]})
    client.post(f"/field/cadres/{cadre.pk}/", {"numbers": f"{mine_b.number} {far.number}"})
    assert Household.objects.get(pk=far.pk).cadre_id is None and Household.objects.get(pk=mine_b.pk).cadre_id is None
    with pytest.raises(ValidationError):
        services.cadre_households_assign(actor=manager, cadre=cadre, household_ids=[far.pk])
    # another county's cadre is not ours to give households to
    other = Cadre.objects.create(name="乙", division=divisions["wangcang_village"])
    assert client.post(f"/field/cadres/{other.pk}/", {"household": [mine_b.pk]}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.cadre_households_assign(actor=manager, cadre=other, household_ids=[mine_b.pk])
    assert Household.objects.get(pk=mine_b.pk).cadre_id is None


def test_only_county_managers_with_the_permission(client, make_user, divisions):
    plain = make_user("lz_plain", role="county_staff", division=divisions["lizhou"])
    township = make_user("lz_town", role="township_staff", division=divisions["lizhou_town"])
    township.user_permissions.add(Permission.objects.get(codename="add_cadreaccount", content_type__app_label="field"))
    for user in (plain, township):
        client.force_login(user)
        assert client.get("/field/cadres/").status_code == 404
        assert _create(client, divisions["lizhou_village"]).status_code == 404
    assert not CadreAccount.objects.exists()


def test_releasing_households_is_scoped_and_audited_attack(client, manager, divisions, make_household):
    from xiezuo.accounts.models import AuditEntry

    mine_a = make_household(divisions["lizhou_village"], members=(("510802199001011236", "01"),))
    mine_b = make_household(divisions["lizhou_village"], members=(("510802198001011231", "01"),))
    client.force_login(manager)
    _create(client, divisions["lizhou_village"])
    cadre = Cadre.objects.get()
    client.post(f"/field/cadres/{cadre.pk}/", {"household": [mine_a.pk, mine_b.pk]})
    page = client.get(f"/field/cadres/{cadre.pk}/").content.decode()
    assert f'name="release" value="{mine_a.pk}"' in page and f'name="release" value="{mine_b.pk}"' in page
    response = client.post(f"/field/cadres/{cadre.pk}/", {"action": "release", "release": [mine_a.pk]}, follow=True)
    assert "已将 1 户从" in response.content.decode()
    assert Household.objects.get(pk=mine_a.pk).cadre_id is None
    assert Household.objects.get(pk=mine_b.pk).cadre_id == cadre.pk
    assert AuditEntry.objects.filter(action="registry.household.cadre_released", target_id=str(mine_a.pk)).exists()
    # attack: releasing another cadre's household (with one of ours) releases nothing
    other = Cadre.objects.create(name="乙", division=divisions["lizhou_village"])
    client.post(f"/field/cadres/{other.pk}/", {"household": [mine_a.pk]})
    client.post(f"/field/cadres/{cadre.pk}/", {"action": "release", "release": [mine_a.pk, mine_b.pk]})
    assert Household.objects.get(pk=mine_a.pk).cadre_id == other.pk
    assert Household.objects.get(pk=mine_b.pk).cadre_id == cadre.pk
    with pytest.raises(ValidationError):
        services.cadre_households_release(actor=manager, cadre=cadre, household_ids=[mine_a.pk])
