"""Visits, meetings and enterprise investment through the data-exchange sheets: good files committed through
the services (audited, pairing linked), re-import unchanged or updated, bad rows reported by row and column
with nothing saved, scope, export."""

import datetime as dt
from decimal import Decimal

from xiezuo.accounts.models import AuditEntry
from xiezuo.cooperation.models import Enterprise, Meeting, Visit
from xiezuo.dataio.importer import run_import
from xiezuo.dataio.services import export_file

VISITS = ("日期,方向,事由,带队领导,西部县代码,东部结对方代码,备注\n"
          "2019-04-02,东部到西部,吴兴区党政代表团考察青川,区委书记,510822000000,330502000000,\n"
          "2019-09-18,西部到东部,青川赴吴兴对接劳务协作,,510822000000,,\n")
MEETINGS = ("日期,会议类型,会议名称,西部县代码,东部结对方代码,备注\n"
            "2019-03-01,联席会议,吴兴青川东西部扶贫协作联席会议,510822000000,330502000000,\n")
ENTERPRISES = ("年度,企业名称,统一社会信用代码,西部县代码,东部结对方代码,行业,计划投资（元）,到位投资（元）,是否投产,"
               "带动贫困人口（人）,备注\n"
               "2019,青川白茶有限公司,,510822000000,330502000000,茶叶,30000000.00,12000000.50,是,120,\n"
               "2019,竹编合作社,,510822000000,,手工,,,,,\n")


def _import(tmp_path, user, entity, text, name="f.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return run_import(path, user=user, entity=entity, dry_run=False)


def test_visits_and_meetings_are_committed_with_their_pairing_then_reimport_is_unchanged(
        tmp_path, coop_world, admin_user):
    visits = _import(tmp_path, admin_user, "visits", VISITS)
    meetings = _import(tmp_path, admin_user, "meetings", MEETINGS, "m.csv")
    assert not visits.errors and visits.committed and visits.new == 2
    assert not meetings.errors and meetings.committed and meetings.new == 1
    tour = Visit.objects.get(date=dt.date(2019, 4, 2))
    assert tour.kind == "e2w" and tour.leader == "区委书记" and tour.pairing == coop_world["pairing"]
    # a blank eastern partner: nothing to link the pairing by (the services need both sides)
    assert Visit.objects.get(date=dt.date(2019, 9, 18)).kind == "w2e"
    assert Meeting.objects.get().kind == "joint"
    assert AuditEntry.objects.filter(action="cooperation.visit.created").count() == 2
    again = _import(tmp_path, admin_user, "visits", VISITS)
    assert not again.errors and again.unchanged == 2 and again.new == again.changed == 0
    # the same date and title with another leader is an update of that visit, audited
    changed = _import(tmp_path, admin_user, "visits", VISITS.replace("区委书记", "区长"))
    assert changed.changed == 1 and changed.unchanged == 1 and Visit.objects.count() == 2
    assert Visit.objects.get(date=dt.date(2019, 4, 2)).leader == "区长"
    assert AuditEntry.objects.filter(action="cooperation.visit.updated").count() == 1


def test_enterprises_keep_exact_money_and_blank_cells_take_the_defaults(tmp_path, coop_world, admin_user):
    result = _import(tmp_path, admin_user, "enterprises", ENTERPRISES)
    assert not result.errors and result.new == 2
    tea = Enterprise.objects.get(name="青川白茶有限公司")
    assert (tea.investment_planned, tea.investment_arrived) == (Decimal("30000000.00"), Decimal("12000000.50"))
    assert tea.in_production and tea.poor_people_driven == 120 and tea.pairing == coop_world["pairing"]
    coop = Enterprise.objects.get(name="竹编合作社")
    assert (coop.investment_planned, coop.in_production, coop.poor_people_driven) == (Decimal("0"), False, 0)
    out = tmp_path / "out.csv"
    assert export_file(entity="enterprises", fmt="csv", path=out, user=admin_user) == 2
    exported = out.read_text(encoding="utf-8-sig")
    assert "青川白茶有限公司" in exported and "12000000.50" in exported
    # the export reads back unchanged
    assert _import(tmp_path, admin_user, "enterprises", exported, "back.csv").unchanged == 2


def test_bad_rows_are_reported_by_cell_and_nothing_is_saved(tmp_path, coop_world, admin_user, make_user):
    text = (VISITS
            + "2019-05-01,东部到西部,吴兴回访,,330502000000,,\n"            # row 4: an eastern county as the west
            + "2019-05-02,东部到西部,错误结对,,510822000000,510822000000,\n"  # row 5: a western partner
            + "2019-05-03,东部到西部,未知县,,510899000000,,\n"                # row 6: unknown code
            + "2019-04-02,东部到西部,吴兴区党政代表团考察青川,,510822000000,,\n")  # row 7: row 2 again
    result = _import(tmp_path, admin_user, "visits", text)
    assert not result.committed
    assert {(p.row, p.column) for p in result.errors} == {(4, "西部县代码"), (5, "东部结对方代码"),
                                                          (6, "西部县代码"), (7, "事由")}
    assert not Visit.objects.exists() and not AuditEntry.objects.filter(action__startswith="cooperation.").exists()
    # a county's staff cannot import another county's visits; the row says so
    other = _import(tmp_path, make_user("lz", division=coop_world["lizhou"]), "visits", VISITS)
    assert not other.committed and {p.row for p in other.errors} == {2, 3}
    assert other.errors[0].message == "该县不在您的权限范围内。"  # the importer speaks Chinese unless asked
