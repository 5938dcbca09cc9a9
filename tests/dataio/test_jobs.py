"""The job mechanism, the pages, and the CLI."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from xiezuo.dataio import jobs
from xiezuo.dataio.models import Job

from .conftest import HH_HEAD, VILLAGE, counts, write_xlsx

pytestmark = pytest.mark.django_db


@jobs.register("test.steps")
def _steps(handle, params):
    for i in range(params["n"]):
        if params.get("cancel_at") == i:
            jobs.request_cancel(handle.job)
        handle.progress(i / params["n"], f"step {i}")
    if params.get("fail"):
        raise RuntimeError("boom")
    return {"steps": params["n"]}


def test_a_job_runs_reports_progress_and_result(admin):
    seen = []
    job = jobs.run(jobs.submit("test.steps", params={"n": 3}, user=admin), echo=lambda p, m: seen.append((p, m)))
    assert (job.status, job.progress, job.result) == ("done", 100, {"steps": 3})
    assert seen == [(0, "step 0"), (33, "step 1"), (66, "step 2")]
    assert job.started_at and job.finished_at


def test_a_job_can_be_cancelled_and_a_failure_is_recorded(admin):
    job = jobs.run(jobs.submit("test.steps", params={"n": 5, "cancel_at": 2}, user=admin))
    assert job.status == "cancelled"
    failed = jobs.run(jobs.submit("test.steps", params={"n": 1, "fail": True}, user=admin))
    assert failed.status == "failed" and "boom" in failed.message


@pytest.mark.django_db(transaction=True)  # the worker commits its claims, as in its own process
def test_a_queued_job_cancelled_never_runs_and_the_worker_runs_the_rest(admin):
    from django_tasks_db.models import DBTaskResult

    a = jobs.submit("test.steps", params={"n": 1}, user=admin)
    b = jobs.submit("test.steps", params={"n": 2}, user=admin)
    jobs.start(a)
    jobs.start(b)
    # started jobs are django-tasks tasks in the database, for a worker
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    assert Job.objects.get(pk=b.pk).task_id
    jobs.request_cancel(a)
    assert jobs.work(once=True) == 1
    assert Job.objects.get(pk=a.pk).status == "cancelled" and Job.objects.get(pk=b.pk).status == "done"
    assert DBTaskResult.objects.get(id=Job.objects.get(pk=b.pk).task_id).status == "SUCCESSFUL"
    # a job that fails fails its task too, with the job's message
    c = jobs.submit("test.steps", params={"n": 1, "fail": True}, user=admin)
    jobs.start(c)
    assert jobs.work(once=True) == 1
    task = DBTaskResult.objects.get(id=Job.objects.get(pk=c.pk).task_id)
    assert task.status == "FAILED" and "JobFailed" in task.exception_class_path and "boom" in task.traceback


def test_stale_running_jobs_are_marked_failed(admin):
    import subprocess
    import sys

    from django.utils import timezone, translation

    # a job of another host whose heartbeat stopped, and one of a process here that has ended
    other = jobs.submit("test.steps", params={"n": 1}, user=admin)
    Job.objects.filter(pk=other.pk).update(status="running", runner="elsewhere:1:1",
                                           heartbeat_at=timezone.now() - jobs.STALE_AFTER * 2)
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    identity = jobs.process_identity(proc.pid)
    proc.wait()
    gone = jobs.submit("test.steps", params={"n": 1}, user=admin)
    Job.objects.filter(pk=gone.pk).update(status="running", runner=identity, heartbeat_at=timezone.now())
    # and one of this process, alive
    mine = jobs.submit("test.steps", params={"n": 1}, user=admin)
    Job.objects.filter(pk=mine.pk).update(status="running", runner=jobs.process_identity(),
                                          heartbeat_at=timezone.now() - jobs.STALE_AFTER * 2)
    assert jobs.recover_stale() == 2
    assert Job.objects.get(pk=other.pk).status == "failed" and Job.objects.get(pk=gone.pk).status == "failed"
    assert Job.objects.get(pk=gone.pk).message.startswith("the worker running this job stopped")
    with translation.override("en"):
        assert "stopped (killed or crashed)" in jobs.status(Job.objects.get(pk=gone.pk))["message"]
    with translation.override("zh-hans"):
        assert "后台进程已停止" in jobs.status(Job.objects.get(pk=gone.pk))["message"]
    assert Job.objects.get(pk=mine.pk).status == "running"


def test_upload_preview_then_commit_through_the_pages(client, admin, divisions, tmp_path, settings):
    settings.DATAIO_RUN_JOBS = "inline"
    client.force_login(admin)
    listing = client.get(reverse("dataio:job_list"))
    assert listing.status_code == 200 and reverse("dataio:template", args=["households"]) in listing.content.decode()
    path = write_xlsx(tmp_path / "w.xlsx", {"户": [HH_HEAD, ["W1", VILLAGE, "甲", "因病"]]})
    with path.open("rb") as fh:
        response = client.post(reverse("dataio:upload"), {"file": fh})
    preview = Job.objects.get()
    assert response.status_code == 302 and preview.result["new"] == 1 and counts() == (0, 0, 0)
    page = client.get(reverse("dataio:job_detail", args=[preview.pk]))
    assert page.status_code == 200
    status = client.get(reverse("dataio:job_status", args=[preview.pk])).json()
    assert status["finished"] and status["progress"] == 100
    client.post(reverse("dataio:job_commit", args=[preview.pk]))
    assert counts() == (1, 0, 0)
    assert Job.objects.latest("pk").result["committed"] is True


def test_problem_report_download_and_other_users_jobs_are_404(client, admin, make_user, divisions, tmp_path,
                                                              settings):
    settings.DATAIO_RUN_JOBS = "inline"
    client.force_login(admin)
    path = write_xlsx(tmp_path / "bad.xlsx", {"户": [HH_HEAD, ["W1", "510802101999", "甲", "因病"]]})
    with path.open("rb") as fh:
        client.post(reverse("dataio:upload"), {"file": fh})
    job = Job.objects.get()
    report = client.get(reverse("dataio:job_report", args=[job.pk]))
    assert report.status_code == 200
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    original = wb[wb.sheetnames[1]]
    assert [c.value for c in original[2]][:3] == [2, original.cell(2, 2).value, "W1"]
    assert "510802101999" in [c.value for c in original[2]]
    other = make_user("someone", role="county_staff", division=divisions["lizhou"])
    client.force_login(other)
    assert client.get(reverse("dataio:job_detail", args=[job.pk])).status_code == 404


def test_template_download_and_export_view(client, admin, divisions, make_household):
    make_household(divisions["lizhou_village"])
    client.force_login(admin)
    t = client.get(reverse("dataio:template", args=["members"]))
    assert t.status_code == 200 and t["Content-Disposition"].endswith('members-template.xlsx"')
    e = client.get(reverse("dataio:export"), {"entity": "households", "format": "csv", "status": "identified"})
    body = b"".join(e.streaming_content).decode("utf-8-sig")
    assert e.status_code == 200 and body.count("\n") == 2
    assert client.get(reverse("dataio:export"), {"entity": "members", "format": "csv", "unmask": "1"}).status_code == 405


def test_a_long_export_runs_as_a_job_and_only_its_owner_downloads_the_file(client, admin, make_user, divisions,
                                                                           make_household, settings):
    import os
    import time

    from xiezuo.accounts.models import AuditEntry

    settings.DATAIO_RUN_JOBS = "inline"
    settings.DATAIO_EXPORT_INLINE_ROWS = 1
    stale, recent = jobs.job_dir() / "900001-export.csv", jobs.job_dir() / "900002-export.csv"
    for path, age_days in ((stale, 8), (recent, 6)):
        path.write_text("old", encoding="utf-8")
        os.utime(path, (time.time() - age_days * 86400,) * 2)
    make_household(divisions["lizhou_village"])
    make_household(divisions["lizhou_village"], members=(("510802199001011252", "01"),))
    client.force_login(admin)
    # given an export longer than the inline limit, when it is asked for
    e = client.get(reverse("dataio:export"), {"entity": "households", "format": "csv"})
    # then the browser goes to a job's page, which offers the finished file
    assert e.status_code == 302
    job = Job.objects.get(kind="export")
    assert e["Location"] == reverse("dataio:job_detail", args=[job.pk])
    assert job.status == "done" and job.result["rows"] == 2
    page = client.get(e["Location"]).content.decode()
    assert reverse("dataio:job_file", args=[job.pk]) in page and "households.csv" in page
    f = client.get(reverse("dataio:job_file", args=[job.pk]))
    body = b"".join(f.streaming_content).decode("utf-8-sig")
    assert f.status_code == 200 and f["Content-Disposition"].endswith('households.csv"') and body.count("\n") == 3
    assert AuditEntry.objects.filter(action="dataio.export", data__rows=2).exists()
    # an export file older than a week was removed by this export, a six-day-old one kept
    assert not stale.exists() and recent.exists()
    # and another user cannot fetch it; a list within the limit still downloads at once
    client.force_login(make_user("someone", role="county_staff", division=divisions["lizhou"]))
    assert client.get(reverse("dataio:job_file", args=[job.pk])).status_code == 404
    settings.DATAIO_EXPORT_INLINE_ROWS = 10
    assert client.get(reverse("dataio:export"), {"entity": "households", "format": "csv"}).status_code == 200


def test_template_has_text_id_column_drop_downs_and_frozen_header(tmp_path):
    import openpyxl

    path = tmp_path / "m.xlsx"
    call_command("template", "members", "-o", str(path))
    ws = openpyxl.load_workbook(path)["家庭成员"]
    headers = [c.value for c in ws[1]]
    id_col = headers.index("证件号码*") + 1
    assert any(d.min <= id_col <= d.max and d.number_format == "@" for d in ws.column_dimensions.values())
    assert ws.freeze_panes == "A2"
    assert ws.cell(1, id_col).comment is not None
    assert any("代码表" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation)
    en = tmp_path / "en.xlsx"
    call_command("template", "households", "-o", str(en), "--lang", "en")
    assert openpyxl.load_workbook(en).active["A1"].value == "Household number*"


def test_cli_import_json_and_exit_code(tmp_path, divisions, capsys):
    good = write_xlsx(tmp_path / "g.xlsx", {"户": [HH_HEAD, ["K1", VILLAGE, "甲", "因病"]]})
    call_command("import", str(good), "--json", "--quiet")
    out = json.loads(capsys.readouterr().out)
    assert {k: out[k] for k in ("rows", "new", "changed", "unchanged", "errors")} == {
        "rows": 1, "new": 1, "changed": 0, "unchanged": 0, "errors": []}
    bad = write_xlsx(tmp_path / "b.xlsx", {"户": [HH_HEAD, ["K2", "510802101999", "甲", "因病"]]})
    with pytest.raises(SystemExit) as exit_:
        call_command("import", str(bad), "--json", "--quiet", "--entity", "households")
    assert exit_.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0]["row"] == 2 and out["errors"][0]["column"] == "村代码"
    assert set(out["errors"][0]) == {"sheet", "row", "column", "value", "message"}
    assert counts() == (1, 0, 0)


def _dead_worker(name: str):
    """A worker row as a worker killed mid-way leaves it: its process has ended."""
    import subprocess
    import sys

    from xiezuo.dataio.models import Worker

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    identity = jobs.process_identity(proc.pid)
    proc.wait()
    return Worker.objects.create(name=name, runner=identity)


@pytest.mark.django_db(transaction=True)  # the worker commits its claims, as in its own process
def test_a_job_whose_worker_died_between_task_and_job_claim_is_queued_again_then_failed(admin):
    from django.utils import translation
    from django_tasks_db.models import DBTaskResult

    from xiezuo.dataio.models import Worker

    # given a started job whose task a worker took (django-tasks-db's claim) and which died before the job began
    job = jobs.submit("test.steps", params={"n": 2}, user=admin)
    jobs.start(job)
    first_task = Job.objects.get(pk=job.pk).task_id
    _dead_worker("dead-1")
    DBTaskResult.objects.get(id=first_task).claim("dead-1")
    # and another whose task a live worker (this process) has just taken: it must be left alone
    busy = jobs.submit("test.steps", params={"n": 1}, user=admin)
    jobs.start(busy)
    Worker.objects.create(name="alive", runner=jobs.process_identity())
    DBTaskResult.objects.get(id=Job.objects.get(pk=busy.pk).task_id).claim("alive")

    # when the next worker starts (or the job page is polled): the job is queued again, on a new task
    assert jobs.status(Job.objects.get(pk=job.pk))["status"] == "queued"
    job.refresh_from_db()
    assert job.task_id != first_task and job.params["requeued"] == 1
    assert DBTaskResult.objects.get(id=first_task).status == "FAILED"
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"
    jobs.recover_stale()
    assert Job.objects.get(pk=busy.pk).status == "queued"
    assert DBTaskResult.objects.get(id=Job.objects.get(pk=busy.pk).task_id).status == "RUNNING"
    # and a worker runs it to the end
    Worker.objects.filter(name="alive").delete()
    DBTaskResult.objects.filter(id=Job.objects.get(pk=busy.pk).task_id).update(status="READY", worker_ids=[])
    assert jobs.work(once=True) == 2
    assert Job.objects.get(pk=job.pk).status == "done" and Job.objects.get(pk=busy.pk).status == "done"

    # a job lost that way a second time is failed, with a message saying so
    again = jobs.submit("test.steps", params={"n": 1, "requeued": jobs.REQUEUE_LIMIT}, user=admin)
    jobs.start(again)
    _dead_worker("dead-2")
    DBTaskResult.objects.get(id=Job.objects.get(pk=again.pk).task_id).claim("dead-2")
    jobs.recover_stale()
    again.refresh_from_db()
    assert again.status == "failed" and again.message.startswith("the worker that took this job stopped")
    with translation.override("zh-hans"):
        assert jobs.status(again)["message"] != again.message  # shown translated

    # and so is a queued job whose task ended without starting it
    orphan = jobs.submit("test.steps", params={"n": 1}, user=admin)
    jobs.start(orphan)
    DBTaskResult.objects.filter(id=Job.objects.get(pk=orphan.pk).task_id).update(status="FAILED")
    assert jobs.recover_unstarted() == 1
    assert Job.objects.get(pk=orphan.pk).status == "failed"
