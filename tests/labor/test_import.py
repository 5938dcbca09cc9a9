"""Placements through the data-exchange sheet: the member found by the keyed hash of the
identity number, each row written through labor.services (audited), re-import unchanged, a bad
row reported by row and column with nothing saved."""

from decimal import Decimal

import openpyxl

from xiezuo.accounts.models import AuditEntry
from xiezuo.dataio import specs
from xiezuo.dataio.importer import run_import
from xiezuo.dataio.writers import write_template
from xiezuo.labor.models import Placement
from xiezuo.registry.services import member_id_number

HEADER = "身份证号,姓名,就业单位,就业地点,就业开始日期,就业结束日期,月工资（元）\n"


def test_template_has_every_column(tmp_path):
    path = write_template(specs.get("placements"), tmp_path / "t.xlsx")
    headers = [str(c.value) for c in next(openpyxl.load_workbook(path).active.iter_rows(max_row=6))]
    assert any("身份证号" in h for h in headers) and any("月工资" in h for h in headers)


def test_good_file_then_unchanged_then_changed(tmp_path, divisions, staff, make_member):
    a = make_member(divisions["wangcang_village"])
    b = make_member(divisions["wangcang_village"], birth="19850505")
    path = tmp_path / "p.csv"
    rows = (f"{member_id_number(a)},{a.name},湖州某厂,浙江,2020-03-01,,4200.50\n"
            f"{member_id_number(b)},,县内合作社,县内,2020-05-01,2020-10-31,2500\n")
    path.write_text(HEADER + rows, encoding="utf-8")
    result = run_import(path, user=staff["wangcang"], entity="placements", dry_run=False)
    assert not result.errors and result.committed and result.new == 2
    p = Placement.objects.get(member=a)
    assert p.monthly_wage == Decimal("4200.50") and p.place == "zhejiang" and p.village_id == a.household.village_id
    assert p.months_employed == 10
    assert AuditEntry.objects.filter(action="labor.placement.created").count() == 2

    again = run_import(path, user=staff["wangcang"], entity="placements", dry_run=False)
    assert not again.errors and again.unchanged == 2 and again.new == 0
    path.write_text(HEADER + rows.replace("4200.50", "4500"), encoding="utf-8")
    changed = run_import(path, user=staff["wangcang"], entity="placements", dry_run=False)
    assert changed.changed == 1 and Placement.objects.get(member=a).monthly_wage == Decimal("4500.00")
    assert Placement.objects.count() == 2


def test_bad_rows_are_reported_and_nothing_is_saved(tmp_path, divisions, staff, make_member):
    a = make_member(divisions["wangcang_village"])
    child = make_member(divisions["wangcang_village"], birth="20150101")
    other = make_member(divisions["lizhou_village"])
    path = tmp_path / "p.csv"
    path.write_text(HEADER
                    + f"{member_id_number(a)},,湖州某厂,浙江,2020-03-01,,4200\n"
                    + f"{member_id_number(a)},,湖州某厂,浙江,2020-06-01,2020-01-01,4200\n"   # row 3: dates
                    + f"{member_id_number(child)},,湖州某厂,浙江,2020-03-01,,4200\n"       # row 4: under 16
                    + f"{member_id_number(other)},,湖州某厂,浙江,2020-03-01,,4200\n"       # row 5: out of scope
                    + "11010519491231002X,,湖州某厂,浙江,2020-03-01,,4200\n"               # row 6: unknown person
                    + f"{member_id_number(a)},王五,某厂,浙江,2020-03-01,,4200\n",          # row 7: wrong name
                    encoding="utf-8")
    result = run_import(path, user=staff["wangcang"], entity="placements", dry_run=False)
    assert not result.committed
    assert {(p.row, p.column) for p in result.errors} == {
        (3, "就业结束日期"), (4, "身份证号"), (5, "身份证号"), (6, "身份证号"), (7, "姓名")}
    assert not Placement.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="labor.").exists()
    # the identity number is never echoed in the report
    assert not any(member_id_number(a) in str(p.value) for p in result.problems)
