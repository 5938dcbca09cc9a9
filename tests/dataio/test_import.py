"""Import: real files (openpyxl, csv, LibreOffice), each problem reported where it is, nothing partial saved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xiezuo.dataio.importer import run_import

from .conftest import (
    F_HEAD,
    HH_HEAD,
    M_HEAD,
    OTHER_VILLAGE,
    VILLAGE,
    counts,
    ids,
    libreoffice_convert,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def messages(result):
    return [(p.sheet, p.row, p.column, p.message) for p in result.errors]


def test_a_workbook_commits_and_reimporting_it_changes_nothing(household_file, admin):
    # given a clean workbook of households, members and facts
    # when it is checked, then committed
    preview = run_import(household_file, user=admin, dry_run=True)
    assert (preview.rows, preview.new, preview.errors) == (13, 13, [])
    assert counts() == (0, 0, 0)
    done = run_import(household_file, user=admin, dry_run=False, job_id="job-1")
    # then every row is saved, with the identity number encrypted and masked
    assert done.committed and counts() == (3, 7, 3)
    from xiezuo.registry.models import HouseholdYear, Member

    m = Member.objects.get(name="人0")
    assert m.id_number_masked == "*" * 14 + ids(1)[0][-4:]
    assert ids(1)[0] not in m.id_number_enc
    from xiezuo.registry.services import member_id_number, member_identity_fields

    assert member_id_number(m) == ids(1)[0]
    assert m.id_number_hash == member_identity_fields(ids(1)[0])["id_number_hash"]
    assert HouseholdYear.objects.get(household__number="A002").wage == Decimal("8000.50")
    # and every created record is in the audit log under the job id: a row per household, and the
    # members and yearly facts listed by pk in one row per village
    from xiezuo.accounts.models import AuditEntry

    entries = AuditEntry.objects.filter(request_id="job-1", source="import")
    assert entries.filter(action="registry.household.imported").count() == 3
    for action, model in (("registry.member.imported", Member), ("registry.householdyear.imported", HouseholdYear)):
        (entry,) = entries.filter(action=action)
        assert entry.division_code == VILLAGE and entry.data["job"] == "job-1"
        assert entry.data["created"] == sorted(model.objects.values_list("pk", flat=True))
    # when the same file is imported again, then nothing changes
    again = run_import(household_file, user=admin, dry_run=False)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 13)


def test_a_changed_cell_is_previewed_as_a_field_diff(household_file, admin, tmp_path):
    run_import(household_file, user=admin, dry_run=False)
    changed = write_xlsx(tmp_path / "c.xlsx", {"户": [HH_HEAD, ["A001", VILLAGE, "新户主", "因病"]]})
    result = run_import(changed, user=admin, dry_run=True)
    assert (result.changed, result.unchanged) == (1, 0)
    assert result.changes[0]["diff"] == {"户主姓名": ["户主A001", "新户主"]}
    # when committed, only that field changes, and the audit row holds before and after
    run_import(changed, user=admin, dry_run=False, job_id="job-2")
    from xiezuo.accounts.models import AuditEntry
    from xiezuo.registry.models import Household

    h = Household.objects.get(number="A001")
    assert (h.head_name, h.main_cause, h.village_id) == ("新户主", "illness", VILLAGE)
    entry = AuditEntry.objects.get(request_id="job-2")
    assert (entry.action, entry.before, entry.after) == ("registry.household.import_changed",
                                                        {"head_name": "户主A001"}, {"head_name": "新户主"})
    facts = write_xlsx(tmp_path / "f.xlsx", {"年度": [F_HEAD, ["A002", 2019, 2, 9000, 0]]})
    run_import(facts, user=admin, dry_run=False)
    from xiezuo.registry.models import HouseholdYear

    assert HouseholdYear.objects.get(household__number="A002").wage == Decimal("9000.00")


def test_gbk_csv_is_decoded(tmp_path, admin, divisions):
    # given a CSV saved by Excel in GBK
    path = tmp_path / "hh.csv"
    path.write_bytes(f"户编号,村代码,户主姓名,主要致贫原因\r\nG1,{VILLAGE},张三,因病\r\nG2,{VILLAGE},李四,缺技术\r\n"
                     .encode("gbk"))
    result = run_import(path, user=admin, dry_run=False)
    assert (result.new, result.errors) == (2, [])
    from xiezuo.registry.models import Household

    assert Household.objects.get(number="G2").head_name == "李四"


def test_gbk_csv_with_an_error_saves_nothing(tmp_path, admin, divisions):
    path = tmp_path / "hh.csv"
    path.write_bytes(f"户编号,村代码,户主姓名\nG1,{VILLAGE},张三\nG2,999999999999,李四\n".encode("gb18030"))
    result = run_import(path, user=admin, dry_run=False)
    assert messages(result) == [("hh", 3, "村代码", result.errors[0].message)]
    assert "village code" in result.errors[0].message.lower() or "村" in result.errors[0].message
    assert counts() == (0, 0, 0)


def test_two_row_merged_header_and_full_width_headers(tmp_path, admin, divisions):
    # given a government-style header: group headings merged over sub-headings, full-width brackets
    path = write_xlsx(tmp_path / "facts.xlsx", {"收入": [
        ["户编号", "年度", "家庭人口数", "收入情况", None, "支出"],
        [None, None, None, "工资性收入", "生产经营性收入", "生产经营性支出"],
        ["A1", 2019, 2, 5000, 1000, 200],
    ]}, merges=("A1:A2", "B1:B2", "C1:C2", "D1:E1"))
    hh = write_xlsx(tmp_path / "hh.xlsx", {"户": [["户　编　号", "村代码（必填）", "户主姓名*"], ["A1", VILLAGE, "王五"]]})
    assert run_import(hh, user=admin, dry_run=False).new == 1
    result = run_import(path, user=admin, dry_run=False)
    assert (result.new, result.errors) == (1, [])
    assert result.sheets[0]["header_rows"] == 2
    from xiezuo.registry.models import HouseholdYear

    hy = HouseholdYear.objects.get()
    assert (hy.wage, hy.business, hy.production_cost) == (Decimal("5000.00"), Decimal("1000.00"), Decimal("200.00"))


def test_identity_numbers_stored_as_numbers_are_refused(tmp_path, admin, household_file):
    run_import(household_file, user=admin, dry_run=False)
    before = counts()
    number = next(n for n in ids(40)[10:] if n[-1].isdigit())
    path = write_xlsx(tmp_path / "m.xlsx", {"成员": [M_HEAD, ["A001", "数字", int(number), "之子"],
                                                   ["A001", "文本", "5.10802E+17", "之子"],
                                                   ["A001", "零", number[:15] + "000", "之子"]]})
    result = run_import(path, user=admin, dry_run=False)
    rows = {p.row: p.message for p in result.errors}
    assert set(rows) == {2, 3, 4}
    assert "Text" in rows[2] or "文本" in rows[2]
    assert "文本" in rows[3] or "Text" in rows[3]
    assert "0" in rows[4] and ("文本" in rows[4] or "Text" in rows[4])
    assert all(p.column == "身份证号" for p in result.errors)
    assert counts() == before


def test_formulas_without_a_computed_value_are_refused(tmp_path, admin, divisions):
    path = write_xlsx(tmp_path / "f.xlsx", {"户": [HH_HEAD, ["F1", VILLAGE, "=\"张\"&\"三\"", "因病"]]})
    result = run_import(path, user=admin, dry_run=False)
    assert [(p.row, p.column) for p in result.errors] == [(2, "户主姓名")]
    assert "formula" in result.errors[0].message or "公式" in result.errors[0].message
    assert counts() == (0, 0, 0)


def test_formulas_saved_by_libreoffice_use_their_cached_values(tmp_path, admin, divisions):
    source = write_xlsx(tmp_path / "lo.xlsx", {"户": [HH_HEAD, ["L1", VILLAGE, "=\"张\"&\"三\"", "因病"]]})
    (tmp_path / "out").mkdir()
    converted = libreoffice_convert(source, tmp_path / "out")
    result = run_import(converted, user=admin, dry_run=False)
    assert (result.new, result.errors) == (1, [])
    from xiezuo.registry.models import Household

    assert Household.objects.get(number="L1").head_name == "张三"


def test_a_csv_converted_by_libreoffice_imports(tmp_path, admin, divisions):
    csv = tmp_path / "lo-hh.csv"
    csv.write_text(f"户编号,村代码,户主姓名\nC1,{VILLAGE},赵六\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    converted = libreoffice_convert(csv, tmp_path / "out")
    result = run_import(converted, user=admin, dry_run=False)
    assert (result.new, result.errors) == (1, [])


def test_blank_rows_are_skipped_and_hidden_rows_stop_the_import(tmp_path, admin, divisions):
    path = write_xlsx(tmp_path / "b.xlsx", {"户": [HH_HEAD, ["B1", VILLAGE, "甲", "因病"], [None, None, None, None],
                                                 ["B2", VILLAGE, "乙", "因病"], ["B3", VILLAGE, "丙", "因病"]]},
                      hidden_rows=(5,))
    result = run_import(path, user=admin, dry_run=False)
    assert [(p.row, p.level) for p in result.problems] == [(3, "warning"), (5, "error")]
    assert "hidden" in result.errors[0].message or "隐藏" in result.errors[0].message
    assert counts() == (0, 0, 0)
    # on explicit choice, the valid rows alone are saved
    valid = run_import(path, user=admin, dry_run=False, valid_only=True)
    assert valid.committed and counts() == (2, 0, 0)


@pytest.mark.parametrize("content", [b"", "EMPTY_XLSX"])
def test_an_empty_file(tmp_path, admin, divisions, content):
    path = tmp_path / "empty.xlsx"
    if content == "EMPTY_XLSX":
        write_xlsx(path, {"Sheet": []})
    else:
        path.write_bytes(content)
    result = run_import(path, user=admin, dry_run=False)
    assert len(result.errors) == 1 and result.errors[0].row == 0
    assert "empty" in result.errors[0].message or "空" in result.errors[0].message


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, b"PK\x03\x04garbage zip"])
def test_a_file_that_is_not_a_spreadsheet(tmp_path, admin, divisions, content):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(content)
    result = run_import(path, user=admin, dry_run=False)
    assert len(result.errors) == 1 and result.errors[0].row == 0
    assert counts() == (0, 0, 0)


def test_a_huge_cell(tmp_path, admin, divisions):
    path = write_xlsx(tmp_path / "h.xlsx", {"户": [HH_HEAD, ["H1", VILLAGE, "名" * 30000, "因病"]]})
    result = run_import(path, user=admin, dry_run=False)
    assert [(p.row, p.column) for p in result.errors] == [(2, "户主姓名")]
    assert "30000" in result.errors[0].message
    assert counts() == (0, 0, 0)


def test_row_level_checks(tmp_path, admin, household_file):
    run_import(household_file, user=admin, dry_run=False)
    before = counts()
    existing = ids(1)[0]
    fresh = ids(30)[29]
    path = write_xlsx(tmp_path / "bad.xlsx", {
        "户": [HH_HEAD, ["X1", "510802101999", "甲", "因病"], ["X2", VILLAGE, "乙", "因病"], ["X2", VILLAGE, "丙", ""],
               ["X3", VILLAGE, "丁", "因穷"]],
        "成员": [M_HEAD + ["出生日期"],
               ["NOPE", "无户", ids(31)[30], "户主", None],
               ["A002", "重复库", existing, "之子", None],
               ["A001", "甲", ids(33)[32], "之子", "1800-01-01"],
               ["A001", "乙", fresh, "之子", None],
               ["A001", "丙", "510802199001011231", "之子", None],
               ["A001", "丁", fresh, "之子", None]],
        "年度": [F_HEAD, ["A001", 2020, 3, -5, 0], ["A002", 2020, 1, 200000, 0], ["A003", 2020, 2, 100, 500]],
    }, text_columns=("C",))
    result = run_import(path, user=admin, dry_run=False)
    got = {(p.sheet, p.row, p.column) for p in result.errors}
    assert ("户", 2, "村代码") in got  # unknown village
    assert ("户", 5, "主要致贫原因") in got  # not a listed cause
    assert ("户", 4, "户编号") in got  # duplicate number in the file
    assert ("成员", 2, "户编号") in got  # member without a household
    assert ("成员", 3, "身份证号") in got  # already registered to another household
    assert ("成员", 4, "出生日期") in got  # impossible date
    assert ("成员", 7, "身份证号") in got  # same number twice in the file (first on row 5)
    assert ("成员", 6, "身份证号") in got  # bad check digit
    assert ("年度", 2, "工资性收入") in got  # negative income
    per_capita = [p for p in result.errors if p.sheet == "年度" and p.row in (3, 4)]
    assert len(per_capita) == 2  # > 100,000 and <= 0 per person
    assert not result.committed and counts() == before


def test_dates_from_serial_numbers_and_text(tmp_path, admin, household_file):
    run_import(household_file, user=admin, dry_run=False)
    number = ids(40)[39]  # born 1940-02-09
    path = write_xlsx(tmp_path / "d.xlsx", {"成员": [M_HEAD + ["出生日期"], ["A001", "序号日期", number, "之子", 14650]]},
                      text_columns=("C",))
    result = run_import(path, user=admin, dry_run=True)
    assert result.errors == [] and result.new == 1
    from xiezuo.dataio.cells import to_date

    assert str(to_date("1940年2月9日")) == str(to_date(14650)) == "1940-02-09"


def test_english_messages_on_request(tmp_path, admin, divisions):
    path = write_xlsx(tmp_path / "e.xlsx", {"户": [HH_HEAD, ["E1", "510802101999", "甲", "因病"]]})
    result = run_import(path, user=admin, dry_run=True, lang="en")
    assert result.errors[0].message.startswith("Unknown village code")
    zh = run_import(path, user=admin, dry_run=True)
    assert zh.errors[0].message != result.errors[0].message


def test_scope_is_checked_on_import(tmp_path, county_user):
    path = write_xlsx(tmp_path / "s.xlsx", {"户": [HH_HEAD, ["S1", VILLAGE, "甲", "因病"], ["S2", OTHER_VILLAGE, "乙", "因病"]]})
    result = run_import(path, user=county_user, dry_run=False)
    assert [(p.row, p.column) for p in result.errors] == [(3, "村代码")]
    assert counts() == (0, 0, 0)


def test_identity_numbers_that_libreoffice_read_as_numbers(tmp_path, admin, household_file):
    # given a CSV opened with default (number-guessing) settings and saved as xlsx by LibreOffice
    run_import(household_file, user=admin, dry_run=False)
    before = counts()
    number = next(n for n in ids(60)[40:] if n[-1].isdigit())
    csv = tmp_path / "lo-members.csv"
    csv.write_text(f"户编号,姓名,身份证号,与户主关系\nA001,新人,{number},之子\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    converted = libreoffice_convert(csv, tmp_path / "out")
    # then the number cell is refused with the fix, and nothing is saved
    result = run_import(converted, user=admin, dry_run=False)
    assert [(p.row, p.column) for p in result.errors] == [(2, "身份证号")]
    assert "文本" in result.errors[0].message
    assert counts() == before
