"""A list of problems cut at a limit says so: the problem report's summary and its copied rows end
with "… N more problems not listed", and so do the job page's lists (200 errors, 100 warnings)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from xiezuo.dataio import writers
from xiezuo.dataio.importer import run_import
from xiezuo.dataio.models import Job

from .conftest import HH_HEAD, write_xlsx

pytestmark = pytest.mark.django_db

BAD_VILLAGE = "510802101999"


def _bad_file(tmp_path, n: int):
    return write_xlsx(tmp_path / "bad.xlsx", {"户": [HH_HEAD] + [[f"B{i}", BAD_VILLAGE, "甲", "因病"]
                                                                for i in range(n)]})


def test_the_problem_report_cut_at_its_limit_says_how_many_are_not_listed(tmp_path, admin, divisions):
    path = _bad_file(tmp_path, 12)
    problems = run_import(path, user=admin).problems
    assert len(problems) == 12
    out = writers.write_error_report(path, problems, tmp_path / "report.xlsx", limit=5)
    wb = openpyxl.load_workbook(out)
    summary, rows = wb[wb.sheetnames[0]], wb[wb.sheetnames[1]]
    assert summary.max_row == 1 + 5 + 1 and rows.max_row == 1 + 5 + 1
    assert summary.cell(7, 1).value == "……另有 7 个问题未列出"
    assert rows.cell(7, 2).value == "……另有 7 个问题未列出"
    # under the limit: no such line
    whole = openpyxl.load_workbook(writers.write_error_report(path, problems, tmp_path / "all.xlsx"))
    assert whole[whole.sheetnames[0]].max_row == 13
    assert not any("未列出" in str(c.value) for row in whole[whole.sheetnames[0]].iter_rows() for c in row)


def test_the_job_page_says_how_many_problems_it_does_not_list(client, admin, divisions, tmp_path, settings):
    settings.DATAIO_RUN_JOBS = "inline"
    client.force_login(admin)
    with _bad_file(tmp_path, 230).open("rb") as fh:
        client.post(reverse("dataio:upload"), {"file": fh})
    job = Job.objects.get()
    assert job.result["error_count"] == len(job.result["errors"]) == 230
    page = client.get(reverse("dataio:job_detail", args=[job.pk])).content.decode()
    assert "……另有 30 个问题未列出：详见问题报告。" in page
    # the report itself lists them all
    report = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(
        reverse("dataio:job_report", args=[job.pk])).streaming_content)))
    assert report[report.sheetnames[0]].max_row == 231


def test_a_job_result_keeps_the_first_problems_and_their_count(tmp_path, admin, divisions):
    result = run_import(_bad_file(tmp_path, 15), user=admin)
    data = result.as_json(max_problems=10)
    assert (data["error_count"], len(data["errors"])) == (15, 10)
    assert len(result.as_json()["errors"]) == 15  # the CLI's --json lists every one
