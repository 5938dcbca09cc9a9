"""`xiezuo cases list --json` and `xiezuo cases import-warnings`."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from xiezuo.monitoring import services
from xiezuo.monitoring.models import Case


def run(*args) -> str:
    out = io.StringIO()
    call_command("cases", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_list_json_with_filters(staff_a, household_a, divisions, make_household):
    other = make_household(divisions["wangcang_village"], members=(("510802199202021234", "01"),))
    services.case_open(household=household_a, risk_types=["01"], source="staff_check", user=staff_a,
                       on=dt.date(2025, 1, 2))
    services.case_open(household=other, risk_types=["0201", "04"], source="department_warning",
                       department="应急管理局", user=services.SystemUser(), on=dt.date(2024, 6, 1))
    rows = json.loads(run("list", "--json"))
    assert {r["household"] for r in rows} == {household_a.number, other.number}
    rows = json.loads(run("list", "--json", "--county", "510821"))
    assert [r["household"] for r in rows] == [other.number]
    assert rows[0]["risk_types"] == ["0201", "04"] and rows[0]["stage"] == "risk_warning"
    assert rows[0]["county"] == "510821000000" and rows[0]["overdue"] is True
    assert json.loads(run("list", "--json", "--year", "2025"))[0]["household"] == household_a.number
    assert json.loads(run("list", "--json", "--stage", "closed")) == []
    # scoped listing as a user
    assert [r["household"] for r in json.loads(run("list", "--json", "--user", "clerk_a"))] == [household_a.number]
    with pytest.raises(CommandError, match="unknown stage"):
        run("list", "--stage", "nope")


def test_import_warnings_all_or_none(tmp_path, household_a, divisions, make_household):
    other = make_household(divisions["wangcang_village"], members=(("510802199202021234", "01"),))
    bad = tmp_path / "bad.csv"
    bad.write_text("户编号,风险类型,部门,说明,日期\n"
                   f"{household_a.number},01,医保局,住院自付3.2万元,2025-03-01\n"
                   f"NOPE,01,医保局,,2025-03-01\n"
                   f"{other.number},42,应急管理局,,2025-03-01\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 errors"):
        call_command("cases", "import-warnings", str(bad), "--lang", "en", stdout=io.StringIO(), stderr=err)
    assert "row 3, column 户编号: NOPE — No household with this number in your area." in err.getvalue()
    assert "row 4, column 风险类型: 42" in err.getvalue()
    assert not Case.objects.exists()
    good = tmp_path / "good.csv"
    good.write_text("household_number,risk_types,department,detail,date,rigid_expenditure\n"
                    f"{household_a.number},01,医保局,住院自付3.2万元,2025-03-01,32000\n"
                    f"{other.number}, 0201、04 ,应急管理局,洪灾,2025-03-02,\n", encoding="utf-8")
    assert "2 cases opened" in run("import-warnings", str(good))
    case = Case.objects.get(household=household_a)
    assert case.source == "department_warning" and case.source_department == "医保局"
    assert str(case.rigid_expenditure) == "32000.00"
    assert Case.objects.get(household=other).risk_types == ["0201", "04"]


def test_open_from_run_uses_the_engine_selectors(monkeypatch, household_a):
    from types import SimpleNamespace

    from xiezuo.monitoring import signals

    run_ = SimpleNamespace(pk=42, year=2025)
    monkeypatch.setattr(signals, "latest_published_run", lambda year=None: run_)
    monkeypatch.setattr(signals, "flagged_households", lambda r: [
        SimpleNamespace(household=household_a, category="marginal", reasons=["education_expense"])])
    assert "1 cases opened, 0 households skipped" in run("open-from-run", "--year", "2025")
    case = Case.objects.get()
    assert case.source_run_id == 42 and case.year == 2025 and case.risk_types == ["09"]
    monkeypatch.setattr(signals, "latest_published_run", lambda year=None: None)
    with pytest.raises(CommandError, match="no published measurement run"):
        run("open-from-run")


def test_real_engine_selectors_are_wired():
    from xiezuo.measure import selectors as measure_selectors

    assert callable(measure_selectors.latest_published_run) and callable(measure_selectors.flagged_households)


def test_import_warnings_reads_excel_numbers_and_refuses_a_risk_twice_in_one_file(tmp_path, household_a):
    f = tmp_path / "w.csv"
    f.write_text("户编号,风险类型,预警部门\n"
                 f"{household_a.number},1,医保局\n"  # Excel wrote 01 as 1
                 f"{household_a.number},1、3,残联\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 errors"):
        call_command("cases", "import-warnings", str(f), "--lang", "en", stdout=io.StringIO(), stderr=err)
    assert "row 3, column 风险类型" in err.getvalue() and "already has an open case for risk 01" in err.getvalue()
    f.write_text("户编号,风险类型,预警部门\n"
                 f"{household_a.number},1,医保局\n"
                 f"{household_a.number},3,残联\n", encoding="utf-8")
    assert "2 cases opened" in run("import-warnings", str(f))
    assert sorted(c.risk_types[0] for c in Case.objects.filter(household=household_a)) == ["01", "03"]


def test_warnings_sheet_has_a_template_and_exports_what_it_opened(tmp_path, household_a, staff_a, staff_b):
    from python_calamine import CalamineWorkbook

    from xiezuo.dataio import services as dataio
    from xiezuo.dataio import specs
    from xiezuo.dataio.writers import write_template

    spec = specs.get("warnings")
    template = write_template(spec, tmp_path / "t.xlsx")
    assert CalamineWorkbook.from_path(str(template)).get_sheet_by_index(0).to_python()[0][:3] == \
        ["户编号*", "风险类型*", "预警部门*"]  # required columns are starred
    f = tmp_path / "w.csv"
    f.write_text(f"户编号,风险类型,预警部门,预警日期\n{household_a.number},因病,医保局,2025-03-01\n", encoding="utf-8")
    assert "1 cases opened" in run("import-warnings", str(f))
    out = tmp_path / "out.csv"
    assert dataio.export_file(entity="warnings", fmt="csv", path=out, user=staff_a) == 1
    assert dataio.export_file(entity="warnings", fmt="csv", path=tmp_path / "b.csv", user=staff_b) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert household_a.number in text and "医保局" in text and "2025-03-01" in text


def test_a_rule_of_case_open_is_reported_on_its_row_in_the_preview(tmp_path, household_a, make_user, monkeypatch):
    # given a service rule the sheet itself does not check (here: no date after 2025, added to case_open)
    from django.core.exceptions import ValidationError

    from xiezuo.dataio.importer import run_import

    real = services.case_open

    def strict(**kw):
        if kw["on"] > dt.date(2025, 12, 31):
            raise ValidationError({"opened_on": "The date is after 2025."})
        return real(**kw)

    monkeypatch.setattr(services, "case_open", strict)
    f = tmp_path / "w.csv"
    f.write_text("户编号,风险类型,预警部门,预警日期\n"
                 f"{household_a.number},01,医保局,2025-03-01\n"
                 f"{household_a.number},03,残联,2026-01-05\n", encoding="utf-8")
    admin = make_user("boss", role="admin")
    # when the file is previewed, then the refusal is on its row and column, and the rehearsal left nothing
    preview = run_import(f, user=admin, entity="warnings", dry_run=True, lang="en")
    assert [(p.row, p.column, p.message) for p in preview.errors] == [(3, "预警日期", "The date is after 2025.")]
    assert not Case.objects.exists()
    # and a commit is refused as a whole
    assert not run_import(f, user=admin, entity="warnings", dry_run=False, lang="en").committed
    assert not Case.objects.exists()
