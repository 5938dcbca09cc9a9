"""Dates and transitions found on the demo: household status changes and ledger postings dated
0001-01-01 and 9999-12-31 were accepted, and a household's status could move to any other."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.test import Client

from tests.cooperation.conftest import _english, admin_user, coop_world  # noqa: F401  (fixtures)
from tests.projects.conftest import make_project  # noqa: F401
from xiezuo import dates
from xiezuo.registry import lifecycle
from xiezuo.registry.choices import HouseholdStatus
from xiezuo.registry.models import Household, StatusChange

pytestmark = pytest.mark.django_db
ABSURD = ("0001-01-01", "9999-12-31", "2012-12-31")


@pytest.fixture
def clerk_client(divisions, make_user):
    client = Client()
    client.force_login(make_user("clerk", role="county_staff", division=divisions["lizhou"]))
    return client


def _status(client, household, to_status, on):
    return client.post(f"/api/registry/households/{household.pk}/status/",
                       {"to_status": to_status, "on": on, "reason": "attack"}, content_type="application/json")


@pytest.mark.parametrize("on", ABSURD)
def test_a_status_change_on_an_absurd_date_is_refused(clerk_client, make_household, divisions, on):
    household = make_household(divisions["lizhou_village"])
    response = _status(clerk_client, household, "assisted", on)
    assert response.status_code == 400 and "on" in response.json()["errors"]
    assert not StatusChange.objects.exists()
    assert Household.objects.get(pk=household.pk).status == "identified"


def test_tomorrow_is_the_margin(clerk_client, make_household, divisions):
    household = make_household(divisions["lizhou_village"])
    too_late = dates.latest() + dt.timedelta(days=1)
    assert _status(clerk_client, household, "assisted", too_late.isoformat()).status_code == 400
    assert _status(clerk_client, household, "assisted", dates.latest().isoformat()).status_code == 200


@pytest.mark.parametrize(("path", "to_status"), [
    ((), "exited"),  # identified straight to exited, skipping assistance
    ((), "identified"),  # to itself
    (("assisted",), "identified"),  # backwards
    (("removed",), "assisted"),  # out of removal
    (("monitored",), "exited"),
])
def test_a_status_can_only_follow_the_lifecycle(clerk_client, make_household, divisions, path, to_status):
    household = make_household(divisions["lizhou_village"])
    for step in path:
        assert _status(clerk_client, household, step, "2020-06-01").status_code == 200
    response = _status(clerk_client, household, to_status, "2020-07-01")
    assert response.status_code == 400 and "to_status" in response.json()["errors"]
    assert StatusChange.objects.filter(household=household).count() == len(path)


def test_the_lifecycle_walks_forward(clerk_client, make_household, divisions):
    household = make_household(divisions["lizhou_village"])
    for step in ("assisted", "exited", "monitored", "risk_eliminated", "monitored", "removed"):
        assert _status(clerk_client, household, step, "2021-03-01").status_code == 200, step
    assert Household.objects.get(pk=household.pk).status == "removed"


def test_the_lifecycle_covers_every_status():
    assert set(lifecycle.TRANSITIONS) == set(HouseholdStatus.values) == set(lifecycle.STATUSES)
    assert all(set(targets) <= set(HouseholdStatus.values) for targets in lifecycle.TRANSITIONS.values())


def test_an_import_cannot_move_a_status_outside_the_lifecycle(divisions, make_user, tmp_path):
    from django.core.management import call_command

    from xiezuo.dataio import sample

    user = make_user("importer", division=divisions["lizhou"])
    households, members, facts = sample.registry_rows(1, villages=[divisions["lizhou_village"].code], prefix="LC")
    call_command("import", str(sample.write_workbook(tmp_path / "a.xlsx", {"户": households, "成员": members,
                                                                            "年度": facts})), "--user", user.username)
    household = Household.objects.get()
    Household.objects.filter(pk=household.pk).update(status="removed")
    households[0]["户状态"] = "identified"
    out = io.StringIO()
    with contextlib.suppress(CommandError, SystemExit):  # the file is refused with the row's message
        call_command("import", str(sample.write_workbook(tmp_path / "b.xlsx", {"户": households})),
                     "--user", user.username, "--lang", "en", stdout=out, stderr=out)
    assert Household.objects.get(pk=household.pk).status == "removed"
    assert "cannot move from" in out.getvalue()


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_a_ledger_posting_on_an_absurd_date_is_refused(make_project, admin_user, day):  # noqa: F811
    from xiezuo.projects import services
    from xiezuo.projects.forms import PostingForm
    from xiezuo.projects.models import LedgerEntry

    project = make_project()
    budget = project.budgets.get(source="east_fiscal")
    with pytest.raises(ValidationError) as exc:
        services.allocation_post(user=admin_user, budget=budget, amount=Decimal("100.00"), date=day)
    assert "date" in exc.value.message_dict
    assert not LedgerEntry.objects.exists()
    form = PostingForm({"kind": "allocation", "source": "east_fiscal", "amount": "100", "date": day.isoformat()})
    assert not form.is_valid() and "date" in form.errors
