"""Hostile and careless workbooks: each file is generated here (openpyxl, LibreOffice), and what it
costs is measured and printed. The reader's memory is measured in a child process (calamine's
allocations are Rust's, invisible to tracemalloc), the import's time in this one."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from xiezuo.dataio.importer import run_import

from .conftest import HH_HEAD, M_HEAD, VILLAGE, counts, ids, libreoffice_convert, write_xlsx

pytestmark = pytest.mark.django_db
GiB = 1024**3
LAST_ROW = 1_048_576


def read_in_child(path: Path) -> dict:
    """Read `path` with dataio's reader in a fresh process: seconds, peak memory, what was read."""
    code = (
        "import json, resource, sys, time, django; django.setup()\n"
        "from xiezuo.dataio import readers\n"
        "t = time.perf_counter()\n"
        "try:\n"
        "    sheets = readers.read(sys.argv[1], min_cells=3)\n"
        "    out = {'rows': [len(s.rows) for s in sheets], 'cuts': [c.kind for s in sheets for c in s.cuts]}\n"
        "except readers.FileError as exc:\n"
        "    out = {'error': str(exc)}\n"
        "out['seconds'] = time.perf_counter() - t\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
        "out['peak_bytes'] = int(hwm[0].split()[1]) * 1024 if hwm else "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "print(json.dumps(out))\n"
    )
    import os

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "xiezuo.settings"),
           "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=600,
                          env=env)
    assert done.returncode == 0, done.stderr[-2000:]  # before the fix: SIGABRT, "memory allocation ... failed"
    out = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\n{path.name}: read in {out['seconds']:.2f} s, peak {out['peak_bytes'] / 2**20:.0f} MiB (child process)")
    return out


def timed_import(path: Path, user, **kw):
    t = time.perf_counter()
    result = run_import(path, user=user, **kw)
    print(f"{path.name}: import {time.perf_counter() - t:.2f} s, {len(result.problems)} problem(s)")
    return result


def add_rows(path: Path, rows_xml, *, sheet: str = "xl/worksheets/sheet1.xml", dimension: str | None = None) -> Path:
    """Append raw rows to an openpyxl workbook's sheet XML (a million rows through openpyxl take
    minutes; the XML is what Excel would write for them)."""
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == sheet:
                head, tail = data.split(b"</sheetData>")
                data = head + b"".join(rows_xml) + b"</sheetData>" + tail
                if dimension:
                    data = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>'.encode(), data)
            out.writestr(info, data)
    tmp.replace(path)
    return path


def households(tmp_path: Path, name: str, n: int = 3, **kw) -> Path:
    return write_xlsx(tmp_path / name, {"户": [HH_HEAD] + [[f"H{i}", VILLAGE, f"户主{i}", "因病"] for i in range(n)]},
                      **kw)


def test_a_stray_cell_at_the_far_corner_is_reported_once_and_the_rest_imports(tmp_path, admin, divisions):
    # given a 2 KB workbook with one stray cell at XFD1048576 (calamine asked for 549,755,813,888 bytes)
    import openpyxl

    path = households(tmp_path, "far.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["户"]["XFD1048576"] = "x"
    wb.save(path)
    assert path.stat().st_size < 10_000
    out = read_in_child(path)
    assert out["rows"] == [4] and out["cuts"] == ["right"] and out["peak_bytes"] < GiB
    result = timed_import(path, admin, dry_run=False)
    assert result.committed and counts() == (3, 0, 0)
    (warning,) = result.warnings
    assert warning.row == LAST_ROW and "XFD1048576" in warning.message


def test_a_stray_cell_at_the_bottom_is_one_warning_not_a_million(tmp_path, admin, divisions):
    import openpyxl

    path = households(tmp_path, "bottom.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["户"]["A1048576"] = "x"
    wb.save(path)
    out = read_in_child(path)
    assert out["rows"] == [4] and out["peak_bytes"] < GiB
    result = timed_import(path, admin, dry_run=True)
    assert result.errors == [] and result.new == 3
    (warning,) = result.warnings
    assert "A1048576" in warning.message


def test_a_fill_down_to_the_last_row_costs_seconds_and_is_one_warning(tmp_path, admin, divisions):
    # given the coded column 主要致贫原因 dragged from row 5 to the sheet's last row
    path = households(tmp_path, "fill.xlsx")
    add_rows(path, (f'<row r="{r}"><c r="D{r}" t="inlineStr"><is><t>因病</t></is></c></row>'.encode()
                    for r in range(5, LAST_ROW + 1)))
    out = read_in_child(path)
    assert out["rows"] == [4] and out["cuts"] == ["tail"]
    assert out["peak_bytes"] < GiB  # before: 7.3 GB and 3 minutes for 3.1 million errors
    result = timed_import(path, admin, dry_run=False)
    assert result.committed and counts() == (3, 0, 0)
    (warning,) = result.problems
    assert warning.level == "warning" and warning.column == "主要致贫原因"
    assert "5–1,048,576" in warning.message and "1,048,572" in warning.message


def test_a_short_fill_down_is_reported_once_too(tmp_path, admin, divisions):
    rows = [HH_HEAD] + [[f"S{i}", VILLAGE, f"户主{i}", "因病"] for i in range(3)] + [[None, None, None, "因病"]] * 40
    path = write_xlsx(tmp_path / "short.xlsx", {"户": rows})
    result = timed_import(path, admin, dry_run=True)
    assert result.errors == [] and result.new == 3
    (warning,) = result.warnings
    assert warning.row == 5 and "5–44" in warning.message and "主要致贫原因" in warning.message


def test_a_claimed_dimension_is_not_believed(tmp_path, admin, divisions):
    path = add_rows(households(tmp_path, "dim.xlsx"), [], dimension="A1:XFD1048576")
    assert read_in_child(path)["rows"] == [4]
    assert run_import(path, user=admin, dry_run=True).new == 3


def test_rows_far_below_the_table_are_an_error_when_they_look_like_data(tmp_path, admin, divisions):
    path = households(tmp_path, "below.xlsx")
    add_rows(path, [f'<row r="900000"><c r="A900000" t="inlineStr"><is><t>Z1</t></is></c>'
                    f'<c r="B900000" t="inlineStr"><is><t>{VILLAGE}</t></is></c>'
                    f'<c r="C900000" t="inlineStr"><is><t>远</t></is></c></row>'.encode()])
    result = timed_import(path, admin, dry_run=False)
    (error,) = result.errors
    assert error.row == 900_000 and "900,000" in error.message
    assert not result.committed and counts() == (0, 0, 0)


def test_a_workbook_past_the_cell_limit_gets_one_message(tmp_path, admin, divisions, monkeypatch):
    from xiezuo.dataio import xlsxscan

    monkeypatch.setattr(xlsxscan, "MAX_CELLS", 10)
    result = run_import(households(tmp_path, "big.xlsx"), user=admin, dry_run=True)
    (error,) = result.problems
    assert error.row == 0 and "16" in error.message and "10" in error.message


def test_an_ods_fill_down_is_refused_before_calamine_builds_it(tmp_path, admin, divisions):
    path = households(tmp_path, "fill-ods.xlsx")
    add_rows(path, (f'<row r="{r}"><c r="D{r}" t="inlineStr"><is><t>因病</t></is></c></row>'.encode()
                    for r in range(5, 5_001)))
    (tmp_path / "out").mkdir()
    ods = libreoffice_convert(path, tmp_path / "out", "ods")
    out = read_in_child(ods)
    assert "D5" in out["error"] and out["peak_bytes"] < GiB
    (error,) = run_import(ods, user=admin, dry_run=True).errors
    assert error.row == 0 and ".xlsx" in error.message


def test_a_far_cell_uploaded_through_the_web_leaves_the_server_up(client, admin, divisions, tmp_path, settings):
    import openpyxl

    from xiezuo.dataio.models import Job

    settings.DATAIO_RUN_JOBS = "inline"
    path = households(tmp_path, "web-far.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["户"]["XFD1048576"] = "x"
    wb.save(path)
    client.force_login(admin)
    with path.open("rb") as fh:
        client.post(reverse("dataio:upload"), {"file": fh})
    job = Job.objects.get()
    assert job.status == "done" and job.result["new"] == 3
    assert len(job.result["warnings"]) == 1
    # and a fill-down to the last row: the preview and its problem report (which reads the file
    # again) both work from the trimmed sheet
    fill = households(tmp_path, "web-fill.xlsx")
    add_rows(fill, (f'<row r="{r}"><c r="D{r}" t="inlineStr"><is><t>因病</t></is></c></row>'.encode()
                    for r in range(5, LAST_ROW + 1)))
    t = time.perf_counter()
    with fill.open("rb") as fh:
        client.post(reverse("dataio:upload"), {"file": fh})
    print(f"web-fill.xlsx: upload and preview {time.perf_counter() - t:.2f} s")
    job = Job.objects.latest("pk")
    assert job.status == "done" and job.result["new"] == 3 and len(job.result["warnings"]) == 1
    assert client.get(reverse("dataio:job_report", args=[job.pk])).status_code == 200


# -- numbers a spreadsheet changed -------------------------------------------------------

def test_a_16_digit_household_number_typed_as_a_number_is_refused(tmp_path, admin, divisions):
    # given 5108021012010001 typed into a number cell: a spreadsheet keeps 5108021012010000
    path = write_xlsx(tmp_path / "n.xlsx", {"户": [HH_HEAD, [5108021012010001, VILLAGE, "甲", "因病"],
                                                 ["5108021012010002", VILLAGE, "乙", "因病"],
                                                 [510802101201003, VILLAGE, "丙", "因病"]]})
    result = run_import(path, user=admin, dry_run=False)
    (error,) = result.errors
    assert (error.row, error.column) == (2, "户编号")
    assert "5108021012010000" in error.message and "15" in error.message
    assert counts() == (0, 0, 0)


def test_a_csv_opened_by_libreoffice_names_the_household_number_not_the_masks(tmp_path, admin, divisions):
    csv = tmp_path / "lo.csv"
    csv.write_text(f"户编号,村代码,户主姓名,联系电话\n5108021012010001,{VILLAGE},甲,138****5678\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    result = run_import(libreoffice_convert(csv, tmp_path / "out"), user=admin, dry_run=True)
    assert [(p.row, p.column) for p in result.errors] == [(2, "户编号")]
    assert "15" in result.errors[0].message


def test_an_identity_number_stored_as_a_number_is_shown_as_the_spreadsheet_shows_it(tmp_path, admin,
                                                                                    household_file):
    run_import(household_file, user=admin, dry_run=False)
    number = "510802199001011234"
    path = write_xlsx(tmp_path / "m.xlsx", {"成员": [M_HEAD, ["A001", "数字", float(number), "之子"]]})
    (error,) = run_import(path, user=admin, dry_run=True).errors
    assert "510802199001011000" in error.message  # the 15 digits kept, not 510802199001011200


def _ending_in_000() -> str:
    """A valid identity number ending in 000 (sequence x00, check digit 0): 1 number in 11 whose last
    digits a spreadsheet zeroed still passes the check."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    for day in range(1, 29):
        for x in range(10):
            n17 = f"5108021980{1:02d}{day:02d}{x}00"
            if "10X98765432"[sum(int(a) * w for a, w in zip(n17, weights, strict=True)) % 11] == "0":
                return n17 + "0"
    raise AssertionError("no such number")


def test_a_valid_identity_number_ending_in_000_gets_a_warning(tmp_path, admin, household_file):
    run_import(household_file, user=admin, dry_run=False)
    number = _ending_in_000()
    path = write_xlsx(tmp_path / "z.xlsx", {"成员": [M_HEAD, ["A001", "零", number, "之子"]]}, text_columns=("C",))
    result = run_import(path, user=admin, dry_run=True)
    assert result.errors == [] and result.new == 1
    (warning,) = result.warnings
    assert warning.column == "身份证号" and "000" in warning.message


# -- layouts -----------------------------------------------------------------------------

def test_household_numbers_merged_down_each_familys_rows(tmp_path, admin, divisions):
    people = ids(5)
    path = write_xlsx(tmp_path / "roster.xlsx", {
        "户": [HH_HEAD, ["M1", VILLAGE, "甲", "因病"], ["M2", VILLAGE, "乙", "因病"]],
        "成员": [M_HEAD, ["M1", "甲", people[0], "户主"], [None, "甲妻", people[1], "配偶"],
               [None, "甲子", people[2], "之子"], ["M2", "乙", people[3], "户主"], [None, "乙妻", people[4], "配偶"]],
    }, merges=(), text_columns=("C",))
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb["成员"].merge_cells("A2:A4")
    wb["成员"].merge_cells("A5:A6")
    wb.save(path)
    result = run_import(path, user=admin, dry_run=False)
    assert result.errors == [] and counts() == (2, 5, 0)
    from xiezuo.registry.models import Member

    assert Member.objects.filter(household__number="M1").count() == 3


def test_year_month_dates(tmp_path, admin, household_file):
    run_import(household_file, user=admin, dry_run=False)
    born = ids(50)[45]  # not yet registered; the test ids encode their birth date
    ym = f"{born[6:10]}.{born[10:12]}"
    path = write_xlsx(tmp_path / "ym.xlsx", {
        "户": [HH_HEAD + ["识别时间"], ["Y1", VILLAGE, "甲", "因病", 2014.05], ["Y2", VILLAGE, "乙", "因病", "2014.10"],
              ["Y3", VILLAGE, "丙", "因病", 2014.1]],
        "成员": [M_HEAD + ["出生日期"], ["Y1", "甲", born, "户主", ym]],
    }, text_columns=("C",))
    result = run_import(path, user=admin, dry_run=True)
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [("户", 4, "识别时间")]
    assert "2014-01" in result.errors[0].message and "2014-10" in result.errors[0].message
    ok = write_xlsx(tmp_path / "ok.xlsx", {
        "户": [HH_HEAD + ["识别时间"], ["Y1", VILLAGE, "甲", "因病", 2014.05], ["Y2", VILLAGE, "乙", "因病", "2014.10"]],
        "成员": [M_HEAD + ["出生日期"], ["Y1", "甲", born, "户主", ym]]}, text_columns=("C",))
    assert run_import(ok, user=admin, dry_run=False).committed
    from xiezuo.registry.models import Household, Member

    assert str(Household.objects.get(number="Y1").identified_on) == "2014-05-01"
    assert str(Household.objects.get(number="Y2").identified_on) == "2014-10-01"
    m = Member.objects.get(name="甲", household__number="Y1")
    assert m.birth_date.isoformat() == f"{born[6:10]}-{born[10:12]}-{born[12:14]}"


# -- the smaller items -------------------------------------------------------------------

def test_a_headers_only_file_is_an_error_not_a_success(tmp_path, admin, divisions):
    result = run_import(write_xlsx(tmp_path / "h.xlsx", {"户": [HH_HEAD]}), user=admin, dry_run=False)
    (error,) = result.errors
    assert error.row == 0 and not result.committed


def test_hidden_rows_in_an_ods_stop_the_import(tmp_path, admin, divisions):
    path = households(tmp_path, "hidden.xlsx", hidden_rows=(3,))
    (tmp_path / "out").mkdir()
    ods = libreoffice_convert(path, tmp_path / "out", "ods")
    result = run_import(ods, user=admin, dry_run=False)
    assert [(p.row, p.level) for p in result.problems] == [(3, "error")]
    assert counts() == (0, 0, 0)


def test_a_row_holding_only_its_serial_number_is_skipped(tmp_path, admin, divisions):
    path = write_xlsx(tmp_path / "s.xlsx", {"户": [["序号"] + HH_HEAD, [1, "S1", VILLAGE, "甲", "因病"], [2, None, None, None, None],
                                                 [3, "S3", VILLAGE, "丙", "因病"], [4], [5], [6]]})
    result = run_import(path, user=admin, dry_run=True)
    assert result.errors == [] and result.new == 2
    assert [(p.row, p.level) for p in result.problems] == [(3, "warning")]


def test_a_sex_error_shows_what_the_clerk_typed(tmp_path, admin, household_file):
    run_import(household_file, user=admin, dry_run=False)
    number = ids(40)[30]  # a woman's number (sequence 000)
    path = write_xlsx(tmp_path / "sex.xlsx", {"成员": [M_HEAD + ["性别"], ["A001", "错", number, "之子", "男"]]},
                      text_columns=("C",))
    (error,) = run_import(path, user=admin, dry_run=True).errors
    assert (error.column, error.value) == ("性别", "男")  # not the code M


def test_the_no_header_message_names_the_sheets_as_the_clerk_knows_them(tmp_path, admin, divisions):
    path = write_xlsx(tmp_path / "x.xlsx", {"Sheet1": [["甲", "乙"], [1, 2]]})
    (error,) = run_import(path, user=admin, dry_run=True).errors
    assert "贫困户" in error.message and "households" not in error.message


def test_problems_follow_the_workbooks_order_of_sheets(tmp_path, admin, divisions):
    path = write_xlsx(tmp_path / "o.xlsx", {
        "乙表": [HH_HEAD, ["O1", "510802101999", "甲", "因病"]],
        "甲表": [HH_HEAD, ["O2", "510802101998", "乙", "因病"]],
    })
    result = run_import(path, user=admin, dry_run=True)
    assert [p.sheet for p in result.errors] == ["乙表", "甲表"]
