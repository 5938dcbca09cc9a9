"""Beneficiary links (带贫): households in the project's county, counts and income."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.projects import selectors, services
from xiezuo.projects.models import ProjectBeneficiary

pytestmark = pytest.mark.django_db
QC_IDS = (("510822199001011235", "01"), ("510822199202021220", "02"))


def test_link_a_household_in_the_county(make_project, make_household, admin_user, coop_world):
    project = make_project()
    household = make_household(coop_world["qingchuan_village"], members=QC_IDS)
    link = services.beneficiary_link(user=admin_user, project=project, household=household, people=2, year=2019,
                                     income_added=Decimal("1800.50"))
    assert selectors.project_beneficiary_totals(project=project) == {
        "households": 1, "people": 2, "income": Decimal("1800.50")}
    assert link.income_added == Decimal("1800.50")


def test_household_outside_the_county_is_refused(make_project, make_household, admin_user, coop_world):
    project = make_project()
    household = make_household(coop_world["wangcang_village"], members=(("510821199001011232", "01"),))
    with pytest.raises(ValidationError, match="outside 青川县"):
        services.beneficiary_link(user=admin_user, project=project, household=household, people=1, year=2019)
    assert not ProjectBeneficiary.objects.exists()


@pytest.mark.parametrize("people", [0, 3])
def test_people_between_one_and_living_members(make_project, make_household, admin_user, coop_world, people):
    project = make_project()
    household = make_household(coop_world["qingchuan_village"], members=QC_IDS)
    with pytest.raises(ValidationError, match="between 1 and the household's 2 living members"):
        services.beneficiary_link(user=admin_user, project=project, household=household, people=people, year=2019)


def test_linked_once_and_income_in_fen(make_project, make_household, admin_user, coop_world):
    project = make_project()
    household = make_household(coop_world["qingchuan_village"], members=QC_IDS)
    with pytest.raises(ValidationError, match="more than two decimals"):
        services.beneficiary_link(user=admin_user, project=project, household=household, people=1, year=2019,
                                  income_added=Decimal("1.001"))
    services.beneficiary_link(user=admin_user, project=project, household=household, people=1, year=2019)
    with pytest.raises(ValidationError, match="already linked"):
        services.beneficiary_link(user=admin_user, project=project, household=household, people=1, year=2019)


def test_east_office_cannot_link_households(make_project, make_household, make_user, coop_world):
    project = make_project()
    household = make_household(coop_world["qingchuan_village"], members=QC_IDS)
    east = make_user("hz-east", role="east_office", division=coop_world["huzhou"])
    with pytest.raises(PermissionDenied):
        services.beneficiary_link(user=east, project=project, household=household, people=1, year=2019)
