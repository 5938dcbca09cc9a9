"""Measures through the data-exchange sheet (each row through the services, audited; re-import unchanged;
bad rows reported by row and column with nothing saved; a case's measure through the case's rules) and
through the read-only API (scoped; an eastern office sees none)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xiezuo.accounts.models import AuditEntry
from xiezuo.dataio.importer import run_import
from xiezuo.field import services
from xiezuo.field.models import AssistanceMeasure

HEADER = "户编号,帮扶类别,帮扶日期,帮扶内容,帮扶单位,帮扶责任人,金额（元）,结束日期,帮扶成效\n"


def test_good_file_then_unchanged_then_changed(tmp_path, staff_a, household_a):
    path = tmp_path / "m.csv"
    rows = (f"{household_a.number},产业扶贫,2019-04-02,猕猴桃种苗补助,县农业农村局,张三,3200.50,,已落实\n"
            f"{household_a.number},低保金,2019-01-10,农村低保,县民政局,张三,2400,2019-12-31,\n")
    path.write_text(HEADER + rows, encoding="utf-8")
    result = run_import(path, user=staff_a, entity="measures", dry_run=False)
    assert not result.errors and result.committed and result.new == 2
    m = AssistanceMeasure.objects.get(category="industry")
    assert m.amount == Decimal("3200.50") and m.household == household_a and m.year == 2019
    assert AuditEntry.objects.filter(action="field.measure.recorded").count() == 2
    again = run_import(path, user=staff_a, entity="measures", dry_run=False)
    assert not again.errors and again.unchanged == 2 and again.new == 0
    path.write_text(HEADER + rows.replace("3200.50", "3300"), encoding="utf-8")
    changed = run_import(path, user=staff_a, entity="measures", dry_run=False)
    assert changed.changed == 1 and AssistanceMeasure.objects.get(category="industry").amount == Decimal("3300.00")
    assert AuditEntry.objects.filter(action="field.measure.updated").count() == 1


def test_bad_rows_are_reported_and_nothing_is_saved(tmp_path, staff_a, household_a, divisions, make_household):
    other = make_household(divisions["wangcang_village"], members=(("510821198001011234", "01"),))
    path = tmp_path / "m.csv"
    path.write_text(HEADER
                    + f"{household_a.number},产业扶贫,2019-04-02,补助,,,100,,\n"
                    + f"{household_a.number},产业扶贫,2013-04-02,补助,,,100,,\n"        # row 3: before 2014
                    + f"{household_a.number},产业扶贫,2019-04-02,补助2,,,100,2019-01-01,\n"  # row 4: end before start
                    + f"{other.number},产业扶贫,2019-04-02,补助,,,100,,\n"             # row 5: out of scope
                    + "NOPE,产业扶贫,2019-04-02,补助,,,100,,\n"                         # row 6: unknown household
                    + f"{household_a.number},产业扶贫,2019-04-02,补助,,,200,,\n",      # row 7: duplicate of row 2
                    encoding="utf-8")
    result = run_import(path, user=staff_a, entity="measures", dry_run=False)
    assert not result.committed
    assert {(p.row, p.column) for p in result.errors} == {
        (3, "帮扶日期"), (4, "结束日期"), (5, "户编号"), (6, "户编号"), (7, "帮扶内容")}
    assert not AssistanceMeasure.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="field.").exists()


def test_a_row_naming_a_case_goes_through_the_cases_rules(tmp_path, staff_a, household_a):
    from xiezuo.monitoring import services as monitoring_services

    case = monitoring_services.case_open(household=household_a, risk_types=["01"], source="staff_check",
                                         user=staff_a, on=dt.date(2025, 1, 6))  # not recorded yet
    path = tmp_path / "m.csv"
    path.write_text(HEADER.rstrip("\n") + ",监测案件编号,针对风险\n"
                    + f"{household_a.number},医疗扶持,2025-02-01,医疗救助,,,500,,,M{case.pk:06d},01\n",
                    encoding="utf-8")
    result = run_import(path, user=staff_a, entity="measures", dry_run=False)
    assert not result.committed and "案件信息录入后" in " ".join(p.message for p in result.errors)


def test_export_round_trip_is_unchanged(tmp_path, staff_a, household_a):
    from xiezuo.dataio.services import export_file

    services.measure_record(household=household_a, category="education", on=dt.date(2019, 9, 1), user=staff_a,
                            content="雨露计划", amount="1500")
    out = tmp_path / "out.xlsx"
    export_file(entity="measures", fmt="xlsx", path=out, user=staff_a)
    again = run_import(out, user=staff_a, entity="measures", dry_run=True)
    assert not again.errors and again.unchanged == 1


def test_api_lists_in_scope_only(client, staff_a, staff_b, household_a, make_user, divisions):
    m = services.measure_record(household=household_a, category="industry", on=dt.date(2019, 4, 2), user=staff_a,
                                amount="100")
    client.force_login(staff_a)
    body = client.get("/api/field/measures/?year=2019").json()
    assert body["count"] == 1 and body["results"][0]["id"] == m.pk and body["results"][0]["amount"] == "100.00"
    assert client.get("/api/field/measures/?category=lottery").status_code == 400
    client.force_login(staff_b)
    assert client.get("/api/field/measures/").json()["count"] == 0
    assert client.get(f"/api/field/measures/{m.pk}/").status_code == 404
    east = make_user("east", role="east_office", division=divisions["huzhou"], kind="view")
    client.force_login(east)
    assert client.get("/api/field/measures/").json()["count"] == 0
