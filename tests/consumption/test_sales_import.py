"""Sales through the data-exchange sheet: every row checked and reported by row and column,
nothing written on any error, then one bulk insert with audit rows; export round trip."""

import datetime as dt
from decimal import Decimal

import pytest

from xiezuo.accounts.models import AuditEntry
from xiezuo.consumption import services
from xiezuo.consumption.models import Sale
from xiezuo.dataio.importer import run_import
from xiezuo.dataio.services import export_file

HEADER = "产品名称,供应商,采购方,销售日期,销售金额,数量,销售渠道\n"


@pytest.fixture
def catalogue(staff, divisions, wuxing, make_user):
    supplier = services.supplier_create(user=staff["wangcang"], name="旺苍农场", kind="farm",
                                        county=divisions["wangcang"])
    services.product_create(user=staff["wangcang"], name="米仓山茶", category="tea", supplier=supplier)
    services.buyer_create(user=make_user("boss", role="admin"), name="吴兴区总工会", kind="trade_union",
                          division=wuxing)


def test_a_clean_file_is_committed_with_audit(tmp_path, staff, catalogue):
    path = tmp_path / "sales.csv"
    path.write_text(HEADER + "米仓山茶,旺苍农场,吴兴区总工会,2020-05-01,1000.50,20,以购代帮\n"
                             "米仓山茶,,吴兴区总工会,2020-06-01,2000,40,电商\n", encoding="utf-8")
    result = run_import(path, user=staff["wangcang"], entity="sales", dry_run=False)
    assert not result.errors and result.committed and result.new == 2
    assert sum(s.amount for s in Sale.objects.all()) == Decimal("3000.50")
    assert set(Sale.objects.values_list("channel", flat=True)) == {"purchase_for_aid", "ecommerce"}
    assert AuditEntry.objects.filter(action="consumption.sale.imported").count() == 2
    out = tmp_path / "out.csv"
    assert export_file(entity="sales", fmt="csv", path=out, user=staff["wangcang"]) == 2
    assert "米仓山茶" in out.read_text(encoding="utf-8-sig")


def test_bad_rows_are_reported_and_nothing_is_written(tmp_path, staff, catalogue):
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    path = tmp_path / "sales.csv"
    path.write_text(HEADER + "米仓山茶,,吴兴区总工会,2020-05-01,100,1,以购代帮\n"
                             "不存在的茶,,吴兴区总工会,2020-05-01,100,1,以购代帮\n"
                             "米仓山茶,,无名单位,2020-05-01,100,1,以购代帮\n"
                             f"米仓山茶,,吴兴区总工会,{future},100,1,以购代帮\n"
                             "米仓山茶,,吴兴区总工会,2020-05-01,-5,1,以购代帮\n", encoding="utf-8")
    result = run_import(path, user=staff["wangcang"], entity="sales", dry_run=False)
    assert not result.committed
    assert {p.row for p in result.errors} == {3, 4, 5, 6}
    assert not Sale.objects.exists()
    # another county's staff cannot import this county's products
    other = run_import(path, user=staff["lizhou"], entity="sales", dry_run=True)
    assert 2 in {p.row for p in other.errors}


def test_the_same_file_twice_never_doubles_money(tmp_path, staff, catalogue):
    """A row without a record number repeating a stored sale is a probable duplicate: skipped with a warning
    naming the sale. Matching is one to one: two identical rows against one stored sale add the second."""
    path = tmp_path / "sales.csv"
    row = "米仓山茶,旺苍农场,吴兴区总工会,2020-05-01,1000.50,20,以购代帮\n"
    path.write_text(HEADER + row, encoding="utf-8")
    assert run_import(path, user=staff["wangcang"], entity="sales", dry_run=False).new == 1
    first = Sale.objects.get()
    again = run_import(path, user=staff["wangcang"], entity="sales", dry_run=False)
    assert (again.new, again.unchanged, again.errors) == (0, 1, [])
    assert [(p.row, p.level) for p in again.warnings] == [(2, "warning")]
    assert f"记录编号 {first.pk} " in again.warnings[0].message
    assert Sale.objects.count() == 1
    path.write_text(HEADER + row + row.replace("1000.50", "1000.5"), encoding="utf-8")  # the same amount, typed so
    twice = run_import(path, user=staff["wangcang"], entity="sales", dry_run=False)
    assert (twice.new, twice.unchanged, [p.row for p in twice.warnings]) == (1, 1, [2])
    assert sum(s.amount for s in Sale.objects.all()) == Decimal("2001.00")
    # another date, amount or channel is another sale
    path.write_text(HEADER + row.replace("以购代帮", "电商"), encoding="utf-8")
    assert run_import(path, user=staff["wangcang"], entity="sales").new == 1


def test_an_export_re_imports_by_record_number_and_updates(tmp_path, staff, catalogue):
    path = tmp_path / "sales.csv"
    path.write_text(HEADER + "米仓山茶,旺苍农场,吴兴区总工会,2020-05-01,1000.50,20,以购代帮\n", encoding="utf-8")
    run_import(path, user=staff["wangcang"], entity="sales", dry_run=False)
    sale = Sale.objects.get()
    out = tmp_path / "out.csv"
    export_file(entity="sales", fmt="csv", path=out, user=staff["wangcang"])
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].endswith(",记录编号") and text.splitlines()[1].endswith(f",{sale.pk}")
    assert run_import(out, user=staff["wangcang"], entity="sales").problems == []
    out.write_text(text.replace("1000.50", "1200"), encoding="utf-8")
    result = run_import(out, user=staff["wangcang"], entity="sales", dry_run=False)
    assert (result.changed, result.new, result.problems) == (1, 0, [])
    sale.refresh_from_db()
    assert sale.amount == Decimal("1200.00") and Sale.objects.count() == 1
    assert AuditEntry.objects.filter(action="consumption.sale.updated").count() == 1
    # another area's clerk is refused (the product is not theirs); a record number of no sale, on its column
    assert run_import(out, user=staff["lizhou"], entity="sales").errors
    out.write_text(text.replace(f",{sale.pk}\n", f",{sale.pk + 5}\n"), encoding="utf-8")
    assert [p.column for p in run_import(out, user=staff["wangcang"], entity="sales").errors] == ["记录编号"]
