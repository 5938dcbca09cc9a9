"""Hidden rows and merged cells in the files LibreOffice writes as .xls and .ods, read as for .xlsx:
a hidden row stops the import (named, as in .xlsx; calamine reports none in .xls or .ods) and a
户编号 merged down a family's rows applies to each of them (calamine reports no merges in .ods)."""

from __future__ import annotations

import openpyxl
import pytest

from xiezuo.dataio import odf, xlsscan
from xiezuo.dataio.importer import run_import

from .conftest import HH_HEAD, M_HEAD, VILLAGE, counts, ids, libreoffice_convert, write_xlsx

pytestmark = pytest.mark.django_db


def _roster(tmp_path, *, hidden_rows=()):
    people = ids(5)
    path = write_xlsx(tmp_path / "roster.xlsx", {
        "户": [HH_HEAD, ["M1", VILLAGE, "甲", "因病"], ["M2", VILLAGE, "乙", "因病"]],
        "成员": [M_HEAD, ["M1", "甲", people[0], "户主"], [None, "甲妻", people[1], "配偶"],
               [None, "甲子", people[2], "之子"], ["M2", "乙", people[3], "户主"], [None, "乙妻", people[4], "配偶"]],
    }, text_columns=("C",), hidden_rows=hidden_rows)
    wb = openpyxl.load_workbook(path)
    wb["成员"].merge_cells("A2:A4")
    wb["成员"].merge_cells("A5:A6")
    wb.save(path)
    return path


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_a_merged_household_number_applies_to_its_rows(tmp_path, admin, divisions, fmt):
    (tmp_path / "lo").mkdir()
    saved = libreoffice_convert(_roster(tmp_path), tmp_path / "lo", fmt)
    result = run_import(saved, user=admin, dry_run=False)
    assert (result.errors, result.new) == ([], 7) and counts() == (2, 5, 0)
    from xiezuo.registry.models import Member

    assert Member.objects.filter(household__number="M1").count() == 3


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_a_hidden_row_stops_the_import_as_in_xlsx(tmp_path, admin, divisions, fmt):
    (tmp_path / "lo").mkdir()
    saved = libreoffice_convert(_roster(tmp_path, hidden_rows=(3,)), tmp_path / "lo", fmt)
    result = run_import(saved, user=admin, dry_run=False)
    # write_xlsx hides row 3 on both sheets (M2's members then have no household: errors too)
    assert {(p.sheet, p.row) for p in result.errors if "隐藏" in p.message} == {("户", 3), ("成员", 3)}
    assert not result.committed and counts() == (0, 0, 0)


def test_the_scans_themselves(tmp_path):
    (tmp_path / "lo").mkdir()
    source = _roster(tmp_path, hidden_rows=(4, 6))
    xls = libreoffice_convert(source, tmp_path / "lo", "xls")
    assert xlsscan.hidden_rows(xls) == {"户": {4, 6}, "成员": {4, 6}}
    ods = odf.scan(libreoffice_convert(source, tmp_path / "lo", "ods"))
    assert ods["成员"].merged == [((1, 0), (3, 0)), ((4, 0), (5, 0))] and ods["户"].merged == []
    assert ods["成员"].hidden == {4, 6}
    # not an OLE file, or damaged: no hidden rows, calamine decides whether it is readable
    assert xlsscan.hidden_rows(source) == {}
    broken = tmp_path / "broken.xls"
    broken.write_bytes(xls.read_bytes()[:3000])
    assert xlsscan.hidden_rows(broken) == {}
