"""The scope layer: prefixes, fail-closed, view versus change, personal data."""

import pytest
from django.http import Http404

from xiezuo.accounts.access import get_scoped_or_404, scope_prefixes
from xiezuo.registry.models import Household, Member

pytestmark = pytest.mark.django_db


def test_county_staff_sees_own_county_only(divisions, make_user, make_household):
    mine = make_household(divisions["lizhou_village"])
    theirs = make_household(divisions["wangcang_village"], members=(("510821199001011232", "01"),))
    user = make_user("lz", division=divisions["lizhou"])
    assert list(Household.objects.restrict(user, "view")) == [mine]
    assert list(Member.objects.restrict(user, "view")) == list(mine.members.all())
    with pytest.raises(Http404):
        get_scoped_or_404(Household.objects.all(), user, pk=theirs.pk)


def test_no_grant_means_no_rows(divisions, make_user, make_household):
    make_household(divisions["lizhou_village"])
    user = make_user("nobody")
    assert scope_prefixes(user) == []
    assert not Household.objects.restrict(user).exists()


def test_view_grant_does_not_allow_change(divisions, make_user, make_household):
    make_household(divisions["lizhou_village"])
    user = make_user("viewer", division=divisions["lizhou"], kind="view")
    assert Household.objects.restrict(user, "view").count() == 1
    assert Household.objects.restrict(user, "change").count() == 0


def test_auditor_reads_all_and_changes_nothing(divisions, make_user, make_household):
    make_household(divisions["lizhou_village"])
    make_household(divisions["wangcang_village"], members=(("510821199001011232", "01"),))
    auditor = make_user("aud", role="auditor")
    assert Household.objects.restrict(auditor, "view").count() == 2
    assert Household.objects.restrict(auditor, "change").count() == 0


def test_east_office_never_sees_households(divisions, make_user, make_household):
    make_household(divisions["lizhou_village"])
    east = make_user("hz", role="east_office", division=divisions["huzhou"])
    assert Household.objects.restrict(east, "view").count() == 0


def test_city_grant_covers_its_counties(divisions, make_user, make_household):
    make_household(divisions["lizhou_village"])
    make_household(divisions["wangcang_village"], members=(("510821199001011232", "01"),))
    city = make_user("gy", role="city_staff", division=divisions["guangyuan"])
    assert scope_prefixes(city) == ["5108"]
    assert Household.objects.restrict(city).count() == 2
