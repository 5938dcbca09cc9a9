"""What-if runs, attacked as in the finding: an auditor or an eastern office POSTing /measure/what-if/ wrote a
policy version, a run and result rows, synchronously over the whole registry, as often as it liked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from xiezuo.dataio import jobs
from xiezuo.dataio.models import Job
from xiezuo.measure import services
from xiezuo.measure.models import HouseholdResult, Run
from xiezuo.policy import services as policy_services
from xiezuo.policy.models import PolicyVersion


@pytest.fixture
def published(divisions, make_household, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.DATAIO_RUN_JOBS = "queue"  # nothing runs unless the test runs it: proves the POST did not
    policy_services.load_shipped(years=[2021])
    make_household(divisions["lizhou_village"], year=2021, income=Decimal("5000"))
    make_household(divisions["wangcang_village"], members=(("510821197001011232", "01"),), year=2021,
                   income=Decimal("9000"))
    return services.run_execute(year=2021, policy=PolicyVersion.objects.get(name="national-2021"), publish=True)


def counts() -> tuple[int, int, int, int]:
    return (PolicyVersion.objects.count(), Run.objects.count(), HouseholdResult.objects.count(), Job.objects.count())


@pytest.mark.parametrize("role, grant", [("auditor", None), ("east_office", "huzhou"), ("county_staff", "lizhou")])
def test_users_who_may_not_run_measurements_cannot_start_a_what_if(client, make_user, divisions, published, role,
                                                                  grant):
    client.force_login(make_user("attacker", role=role, division=divisions[grant] if grant else None))
    before = counts()
    response = client.post(reverse("measure:what_if"), {"base_run": published.pk, "monitoring_threshold": "99999"})
    assert response.status_code == 403
    assert counts() == before
    page = client.get(reverse("measure:what_if"))
    assert page.status_code == 200 and 'name="monitoring_threshold"' not in page.content.decode()


def test_a_what_if_runs_as_a_background_job_with_progress_then_the_comparison(client, make_user, divisions,
                                                                             published):
    city = make_user("city", role="city_staff", division=divisions["guangyuan"])
    client.force_login(city)
    runs = Run.objects.count()
    response = client.post(reverse("measure:what_if"), {"base_run": published.pk, "monitoring_threshold": "7800"})
    job = Job.objects.get(kind="measure.what_if")
    assert response.status_code == 302 and response["Location"] == reverse("measure:what_if_job", args=[job.pk])
    assert Run.objects.count() == runs  # the request only queued the job
    page = client.get(response["Location"])
    assert page.status_code == 200 and reverse("dataio:job_status", args=[job.pk]) in page.content.decode()
    assert client.get(reverse("dataio:job_status", args=[job.pk])).json()["status"] == "queued"

    done = jobs.run(job)
    assert done.status == "done", done.message
    run = Run.objects.get(pk=done.result["run"])
    assert run.what_if and run.base_run == published and run.created_by == city
    assert client.get(response["Location"])["Location"] == reverse("measure:compare", args=[run.pk])
    # someone else's what-if job is not theirs to watch
    client.force_login(make_user("other", role="city_staff", division=divisions["guangyuan"]))
    assert client.get(response["Location"]).status_code == 404


def test_concurrent_what_ifs_are_limited_with_a_clear_message(client, make_user, divisions, published, settings):
    settings.MEASURE_WHAT_IF_CONCURRENT = 1
    client.force_login(make_user("boss", role="admin"))
    first = client.post(reverse("measure:what_if"), {"base_run": published.pk, "k": "0.25"}, HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == 302
    before = counts()
    second = client.post(reverse("measure:what_if"), {"base_run": published.pk, "k": "0.3"},
                         HTTP_ACCEPT_LANGUAGE="en")
    assert second.status_code == 429
    assert "1 what-if run is already in progress (the limit is 1 at a time)" in second.content.decode()
    assert counts() == before
    jobs.run(Job.objects.get(kind="measure.what_if"))  # the first finishes: the next may start
    assert client.post(reverse("measure:what_if"), {"base_run": published.pk, "k": "0.3"}).status_code == 302


def test_the_service_itself_refuses_who_may_not_run(published, make_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.what_if(base_run=published, changes={"mpi.k": 0.3}, user=make_user("aud", role="auditor"))
