"""Project lifecycle: reserve → approved → in progress → completed → accepted; no skipping,
going back only with a reason; places inside the county."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.projects import services
from xiezuo.projects.models import ProjectTransition

pytestmark = pytest.mark.django_db
DAY = dt.date(2019, 5, 1)


def test_forward_one_step_at_a_time_with_history(make_project, admin_user):
    project = make_project(status="reserve")
    for status in ("approved", "in_progress", "completed", "accepted"):
        project = services.project_transition(user=admin_user, project=project, to_status=status, on=DAY)
    assert project.status == "accepted"
    assert list(ProjectTransition.objects.filter(project=project).values_list("to_status", flat=True)) == [
        "reserve", "approved", "in_progress", "completed", "accepted"]


def test_skipping_a_step_is_refused(make_project, admin_user):
    project = make_project(status="reserve")
    with pytest.raises(ValidationError, match="cannot skip a step.*next status is Approved"):
        services.project_transition(user=admin_user, project=project, to_status="in_progress", on=DAY)
    project.refresh_from_db()
    assert project.status == "reserve"


def test_going_back_needs_a_reason(make_project, admin_user):
    project = make_project()
    services.project_transition(user=admin_user, project=project, to_status="in_progress", on=DAY)
    with pytest.raises(ValidationError, match="needs a reason"):
        services.project_transition(user=admin_user, project=project, to_status="approved", on=DAY)
    project = services.project_transition(user=admin_user, project=project, to_status="reserve", on=DAY,
                                          reason="funding withdrawn")
    assert project.status == "reserve"
    assert project.transitions.last().reason == "funding withdrawn"


def test_same_status_and_earlier_date_are_refused(make_project, admin_user):
    project = make_project()
    with pytest.raises(ValidationError, match="already"):
        services.project_transition(user=admin_user, project=project, to_status="approved", on=DAY)
    with pytest.raises(ValidationError, match="before the last change"):
        services.project_transition(user=admin_user, project=project, to_status="in_progress",
                                    on=dt.date(2018, 1, 1))


def test_place_must_lie_in_the_county(make_project, coop_world):
    with pytest.raises(ValidationError, match="not a village of"):
        make_project(village=coop_world["wangcang_village"])
    project = make_project(village=coop_world["qingchuan_village"])
    assert project.place_id == "510822220201"
    assert project.township_id == "510822220000"


def test_last_year_not_before_first(make_project):
    with pytest.raises(ValidationError, match="last year"):
        make_project(end_year=2018)


def test_county_staff_cannot_create_elsewhere(make_project, make_user, coop_world):
    wc_staff = make_user("wc", division=coop_world["wangcang"])
    with pytest.raises(PermissionDenied):
        make_project(user=wc_staff, status="reserve")
