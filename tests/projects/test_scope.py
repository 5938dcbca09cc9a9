"""Scope: an eastern office sees the paired western projects, never households; county staff
see their own county only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from xiezuo.accounts.access import get_scoped_or_404
from xiezuo.cooperation.models import Pairing
from xiezuo.projects.models import LedgerEntry, Project, ProjectBeneficiary
from xiezuo.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_projects(make_project, make_household, admin_user, coop_world):
    from xiezuo.projects import services

    qc = make_project()
    wc = make_project(county=coop_world["wangcang"])
    household = make_household(coop_world["qingchuan_village"], members=(("510822199001011235", "01"),))
    services.beneficiary_link(user=admin_user, project=qc, household=household, people=1, year=2019)
    services.allocation_post(user=admin_user, budget=qc.budgets.get(source="east_fiscal"), amount="100.00",
                             date=dt.date(2019, 3, 1))
    return qc, wc


def test_huzhou_east_office_sees_qingchuan_projects_but_no_households(two_projects, make_user, coop_world):
    qc, wc = two_projects
    east = make_user("huzhou", role="east_office", division=coop_world["huzhou"])
    assert list(Project.objects.restrict(east, "view")) == [qc]
    assert LedgerEntry.objects.restrict(east, "view").count() == 1
    assert not Household.objects.restrict(east, "view").exists()
    assert not ProjectBeneficiary.objects.restrict(east, "view").exists()
    assert not Project.objects.restrict(east, "change").exists()
    with pytest.raises(Http404):
        get_scoped_or_404(Project.objects.all(), east, pk=wc.pk)


def test_expired_pairing_gives_no_view(two_projects, make_user, coop_world):
    Pairing.objects.update(valid_to=dt.date(2020, 12, 31))
    east = make_user("huzhou", role="east_office", division=coop_world["huzhou"])
    assert not Project.objects.restrict(east, "view").exists()


def test_county_staff_see_their_own_county(two_projects, make_user, coop_world):
    qc, wc = two_projects
    staff = make_user("wc", division=coop_world["wangcang"])
    assert list(Project.objects.restrict(staff, "view")) == [wc]
    assert not LedgerEntry.objects.restrict(staff, "view").exists()
