"""Measurement runs, publications and snapshots are background jobs: the pages and `--background` commands only
queue them; the job runs them (here through `jobs.run`, as a worker would), reports each phase, and can be
cancelled before it writes."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from xiezuo.dataio import jobs
from xiezuo.dataio.models import Job
from xiezuo.measure import services, tasks
from xiezuo.measure.models import HouseholdResult, Run
from xiezuo.policy import services as policy_services
from xiezuo.policy.models import PolicyVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(divisions, make_household, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.DATAIO_RUN_JOBS = "queue"  # nothing runs unless the test runs it: proves the request did not
    policy_services.load_shipped(years=[2021])
    make_household(divisions["lizhou_village"], year=2021, income=Decimal("5000"))
    make_household(divisions["wangcang_village"], members=(("510821197001011232", "01"),), year=2021,
                   income=Decimal("9000"))
    return PolicyVersion.objects.get(name="national-2021")


@pytest.fixture
def city(make_user, divisions):
    return make_user("city", role="city_staff", division=divisions["guangyuan"])


def test_a_run_started_on_the_page_is_a_job_whose_page_leads_to_the_published_run(client, city, registry):
    client.force_login(city)
    page = client.get(reverse("measure:run_list"))
    assert 'action="/measure/runs/start/"' in page.content.decode()
    assert 'action="/measure/snapshots/start/"' not in page.content.decode()  # administrators only

    response = client.post(reverse("measure:run_start"), {"policy": registry.pk, "publish": "on"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("dataio:job_detail", args=[job.pk])
    assert (job.kind, job.status, job.created_by, job.params["year"]) == ("measure.run", "queued", city, 2021)
    assert not Run.objects.exists()  # the request only queued it
    assert reverse("dataio:job_status", args=[job.pk]) in client.get(response["Location"]).content.decode()

    phases = []
    done = jobs.run(job, echo=lambda pct, message: phases.append(message))
    assert done.status == "done", done.message
    assert phases == ["reading the registry", "evaluating", "writing the results"]
    run = Run.objects.get(pk=done.result["run"])
    assert run.published and run.created_by == city and HouseholdResult.objects.filter(run=run).count() == 2
    assert reverse("measure:run_detail", args=[run.pk]) in client.get(response["Location"]).content.decode()


def test_one_run_at_a_time_and_only_for_those_who_may(client, city, registry, make_user, divisions):
    clerk = make_user("clerk", role="county_staff", division=divisions["lizhou"])
    client.force_login(clerk)
    assert 'action="/measure/runs/start/"' not in client.get(reverse("measure:run_list")).content.decode()
    assert client.post(reverse("measure:run_start"), {"policy": registry.pk}).status_code == 403
    assert client.post(reverse("measure:snapshot_start"), {"policy": registry.pk}).status_code == 403
    assert not Job.objects.exists()

    client.force_login(city)
    assert client.post(reverse("measure:run_start"), {"policy": registry.pk}).status_code == 302
    second = client.post(reverse("measure:run_start"), {"policy": registry.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert second.status_code == 400
    assert "A measurement run is already in progress" in second.content.decode()
    assert Job.objects.count() == 1


def test_a_run_cancelled_during_its_phases_leaves_a_failed_run_and_no_results(city, registry):
    job = tasks.run_submit(year=2021, policy=registry, user=city, publish=True)

    def cancel_when_evaluating(_pct, message):
        if message == "evaluating":
            jobs.request_cancel(Job.objects.get(pk=job.pk))

    done = jobs.run(job, echo=cancel_when_evaluating)
    assert done.status == "cancelled"
    run = Run.objects.get()
    assert run.status == "failed" and run.message.startswith("Cancelled")
    assert not HouseholdResult.objects.exists() and not run.published
    assert not (services.runs_dir() / str(run.pk)).exists()


def test_publishing_a_finished_run_is_a_job(client, city, registry):
    run = services.run_execute(year=2021, policy=registry)
    client.force_login(city)
    assert f'action="/measure/runs/{run.pk}/publish/"' in client.get(
        reverse("measure:run_detail", args=[run.pk])).content.decode()
    response = client.post(reverse("measure:run_publish", args=[run.pk]))
    job = Job.objects.get(kind="measure.publish")
    assert response["Location"] == reverse("dataio:job_detail", args=[job.pk])
    assert not Run.objects.get(pk=run.pk).published
    assert jobs.run(job).status == "done"
    run.refresh_from_db()
    assert run.published and (services.runs_dir() / str(run.pk) / "manifest.json").exists()
    # published now: no button, and a second publication is refused
    assert "/publish/" not in client.get(reverse("measure:run_detail", args=[run.pk])).content.decode()
    assert client.post(reverse("measure:run_publish", args=[run.pk]))["Location"] == \
        reverse("measure:run_detail", args=[run.pk])
    assert Job.objects.filter(kind="measure.publish").count() == 1


def test_an_administrator_takes_a_snapshot_in_the_background(client, make_user, registry, settings):
    from xiezuo.measure import snapshot

    admin = make_user("boss", role="admin")
    client.force_login(admin)
    assert 'action="/measure/snapshots/start/"' in client.get(reverse("measure:run_list")).content.decode()
    response = client.post(reverse("measure:snapshot_start"), {"policy": registry.pk})
    job = Job.objects.get(kind="measure.snapshot")
    assert response["Location"] == reverse("dataio:job_detail", args=[job.pk])
    done = jobs.run(job)
    assert done.status == "done", done.message
    folder = settings.DATA_DIR / "snapshots" / f"2021-job{job.pk}"
    assert done.result["folder"] == str(folder) and done.result["households"] == 2
    assert snapshot.verify(folder)["tables"]["households"]["rows"] == 2
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no partial folder left
    assert str(folder) in client.get(response["Location"]).content.decode()


def test_a_snapshot_cancelled_midway_leaves_no_folder(make_user, registry, settings):
    job = tasks.snapshot_submit(year=2021, policy=registry, user=make_user("boss", role="admin"))

    def cancel_after_a_table(_pct, message):
        if "rows in" in message:
            jobs.request_cancel(Job.objects.get(pk=job.pk))

    assert jobs.run(job, echo=cancel_after_a_table).status == "cancelled"
    assert list((settings.DATA_DIR / "snapshots").iterdir()) == []


@pytest.mark.django_db(transaction=True)  # the worker commits, as in its own process
def test_commands_run_in_the_foreground_or_queue_with_background(registry, tmp_path):
    out = io.StringIO()
    call_command("monitor", "run", "--year", "2021", "--background", stdout=out, stderr=io.StringIO())
    job_id = int(out.getvalue().strip().splitlines()[-1])
    assert Job.objects.get(pk=job_id).kind == "measure.run" and not Run.objects.exists()
    out = io.StringIO()
    call_command("snapshot", "--year", "2021", "-o", str(tmp_path / "snap"), "--background", stdout=out)
    snap_id = int(out.getvalue().strip().splitlines()[-1])
    out = io.StringIO()
    call_command("report", "annual", "--year", "2021", "--background", stdout=out)
    report_id = int(out.getvalue().strip().splitlines()[-1])
    assert jobs.work(once=True) == 3  # a worker runs all three

    run_job, snap_job, report_job = (Job.objects.get(pk=i) for i in (job_id, snap_id, report_id))
    assert [j.status for j in (run_job, snap_job, report_job)] == ["done", "done", "done"], \
        [j.message for j in (run_job, snap_job, report_job)]
    assert Run.objects.get(pk=run_job.result["run"]).created_by is None  # the system's
    assert (tmp_path / "snap" / "manifest.json").exists()
    shown = io.StringIO()
    call_command("jobs", "show", str(report_id), stdout=shown)
    assert f"file: {report_job.result['file']}" in shown.getvalue()
    listed = io.StringIO()
    call_command("jobs", stdout=listed)
    assert [line.split()[0] for line in listed.getvalue().splitlines()] == [str(report_id), str(snap_id), str(job_id)]
    # and by default the command runs here, as before
    out = io.StringIO()
    call_command("monitor", "run", "--year", "2021", stdout=out)
    assert Run.objects.count() == 2 and Job.objects.count() == 3


def test_recovering_a_dead_workers_job_fails_its_run_and_removes_its_partial_snapshot(city, registry, settings):
    import subprocess
    import sys

    from django.utils import timezone

    # given a worker process that died running a measurement job and a snapshot job
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    identity = jobs.process_identity(proc.pid)
    proc.wait()
    run_job = tasks.run_submit(year=2021, policy=registry, user=city)
    Job.objects.filter(pk=run_job.pk).update(status="running", runner=identity, heartbeat_at=timezone.now())
    run = Run.objects.create(policy=registry, year=2021, worker=services.worker_id(proc.pid))
    assert run.status == "running"
    snap_job = jobs.submit(tasks.SNAPSHOT_JOB, params={"year": 2021, "policy": registry.pk}, user=city)
    Job.objects.filter(pk=snap_job.pk).update(status="running", runner=identity, heartbeat_at=timezone.now())
    partial = tasks.snapshots_dir() / f"2021-job{snap_job.pk}{tasks.PARTIAL_JOB}{snap_job.pk}"
    partial.mkdir(parents=True)
    alive = jobs.submit(tasks.SNAPSHOT_JOB, params={"year": 2021, "policy": registry.pk}, user=city)
    still_writing = tasks.snapshots_dir() / f"2021-job{alive.pk}{tasks.PARTIAL_JOB}{alive.pk}"
    still_writing.mkdir()

    # when a worker recovers
    assert jobs.recover_stale() == 2

    # then the jobs, and the run they left running, are failed; the dead job's partial folder is gone
    assert set(Job.objects.filter(pk__in=[run_job.pk, snap_job.pk]).values_list("status", flat=True)) == {"failed"}
    run.refresh_from_db()
    assert run.status == "failed" and run.message == "the process running this run stopped"
    assert not partial.exists() and still_writing.exists()  # a queued job's folder is left to it
