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
    assert p.monthly_wage == Decimal("4200.50") and p.place == "partner_province" and p.village_id == a.household.village_id
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


def _export(user, tmp_path):
    from xiezuo.dataio.services import export_file

    out = tmp_path / "export.csv"
    export_file(entity="placements", fmt="csv", path=out, user=user)
    return out.read_text(encoding="utf-8-sig")


def test_an_export_carries_record_numbers_and_masks(tmp_path, divisions, staff, make_member):
    """The export masks the number; its record number (记录编号) makes the mask re-importable, and a
    corrected wage or employer on such a row updates that placement, never adds one."""
    a = make_member(divisions["wangcang_village"])
    path = tmp_path / "p.csv"
    path.write_text(HEADER + f"{member_id_number(a)},{a.name},湖州某厂,浙江,2020-03-01,,4200.50\n", encoding="utf-8")
    assert run_import(path, user=staff["wangcang"], entity="placements", dry_run=False).committed
    placement = Placement.objects.get()
    text = _export(staff["wangcang"], tmp_path)
    header, line = text.splitlines()[:2]
    assert header.split(",")[-1] == "记录编号" and line.split(",")[-1] == str(placement.pk)
    assert member_id_number(a) not in text and a.id_number_masked in line
    # the template has no record-number column: a new row has no key
    template = write_template(specs.get("placements"), tmp_path / "t.xlsx")
    assert not any("记录编号" in str(c.value) for c in openpyxl.load_workbook(template).active[1])

    path.write_text(text.replace("湖州某厂", "湖州新厂").replace("4200.50", "4300"), encoding="utf-8")
    result = run_import(path, user=staff["wangcang"], entity="placements", dry_run=False)
    assert (result.errors, result.changed, result.new) == ([], 1, 0)
    placement.refresh_from_db()
    assert (placement.employer, placement.monthly_wage) == ("湖州新厂", Decimal("4300.00"))
    assert Placement.objects.count() == 1


def test_a_mask_without_its_record_number_or_of_another_member_is_refused(tmp_path, divisions, staff,
                                                                           make_member):
    a = make_member(divisions["wangcang_village"])
    b = make_member(divisions["wangcang_village"], birth="19850505")
    path = tmp_path / "p.csv"
    path.write_text(HEADER + f"{member_id_number(a)},,湖州某厂,浙江,2020-03-01,,4200\n", encoding="utf-8")
    assert run_import(path, user=staff["wangcang"], entity="placements", dry_run=False).committed
    pk = Placement.objects.get().pk
    keyed = HEADER.replace("\n", ",记录编号\n")
    path.write_text(keyed + f"{a.id_number_masked},,湖州某厂,浙江,2020-03-01,,4200,\n"          # row 2: no key
                    + f"{b.id_number_masked},,湖州某厂,浙江,2020-03-01,,4200,{pk}\n"             # row 3: b's mask
                    + f"{member_id_number(b)},,湖州某厂,浙江,2020-03-01,,4200,{pk + 99}\n",      # row 4: no such key
                    encoding="utf-8")
    result = run_import(path, user=staff["wangcang"], entity="placements", dry_run=True)
    by_row = {p.row: (p.column, p.message) for p in result.errors}
    assert set(by_row) == {2, 3, 4}
    assert by_row[2][0] == "身份证号" and "记录编号" in by_row[2][1]
    assert by_row[3][0] == "身份证号" and by_row[4][0] == "记录编号"
    # another county's clerk cannot reach the record through its number
    path.write_text(keyed + f"{a.id_number_masked},,湖州某厂,浙江,2020-03-01,,4200,{pk}\n", encoding="utf-8")
    assert run_import(path, user=staff["wangcang"], entity="placements").unchanged == 1
    assert [p.column for p in run_import(path, user=staff["lizhou"], entity="placements").errors] == ["记录编号"]


def test_the_partner_province_is_read_by_its_own_name(tmp_path, divisions, staff, make_member):
    from xiezuo.dataio import cells
    from xiezuo.geo.models import Division

    col = next(c for c in specs.get("placements").columns if c.name == "place")
    # given the tree's eastern province (浙江省 in the fixture), its names read as the partner province, as the
    # generic words do, and another province's name does not
    Division.objects.filter(code="330000000000").update(name_en="Zhejiang")
    lookup = cells.choice_lookup(col)
    assert {lookup[k] for k in ("浙江", "浙江省", "zhejiang", "东部", "协作省份", "partner_province")} == \
        {"partner_province"}
    assert "福建" not in lookup
    # when the deployment's partner is another province, its name is read and the old one no longer is
    Division.objects.filter(side="east").update(name="福建省", name_en="Fujian")
    lookup = cells.choice_lookup(col)
    assert lookup["福建"] == lookup["fujian"] == "partner_province" and "浙江" not in lookup
