"""Projects through the data-exchange sheet: template, a good file committed through the
services (audited), re-import unchanged, a bad row reported by row and column with nothing saved."""

from decimal import Decimal

import openpyxl

from xiezuo.accounts.models import AuditEntry
from xiezuo.dataio import specs
from xiezuo.dataio.importer import run_import
from xiezuo.dataio.services import export_file
from xiezuo.dataio.writers import write_template
from xiezuo.projects.models import Budget, Project

HEADER = "项目编号,项目名称,县代码,乡镇代码,村代码,项目类型,年度,浙江财政援助资金（元）,社会帮扶资金（元）,地方配套资金（元）,责任人\n"
GOOD = ("QC-001,七佛乡茶园,510822000000,,510822220201,industry,2019,1000000.00,,200000.50,张三\n"
        "QC-002,青川道路,510822000000,,,infrastructure,2020,500000,30000,,\n")


def _cadre(world):
    from xiezuo.registry.models import Cadre

    return Cadre.objects.create(name="张三", division=world["qingchuan_town"])


def test_template_has_every_column(tmp_path):
    path = write_template(specs.get("projects"), tmp_path / "t.xlsx")
    headers = [c.value for c in next(openpyxl.load_workbook(path).active.iter_rows(max_row=6))]
    assert any("项目编号" in str(h) for h in headers)
    assert any("东部协作财政援助资金" in str(h) for h in headers)
    assert not any("浙江" in str(h) for h in headers)  # no province of any deployment in the template


def test_the_fiscal_aid_column_is_read_under_any_partner_name():
    # given the projects sheet
    spec = specs.get("projects")
    fiscal = [h for h in ("东部协作财政援助资金（元）", "浙江财政援助资金（元）", "福建财政援助资金", "财政援助资金",
                          "Zhejiang fiscal aid (yuan)", "East–West fiscal aid (yuan)", "budget_zhejiang_fiscal",
                          "budget_east_fiscal")]
    # when headers of this release, of templates written before (the partner's name), or another partner's are read
    matched = [spec.match_headers([h]) for h in fiscal]
    # then each is the one fiscal-aid column, and other columns are not caught by its pattern
    assert [m[0].name for m in matched] == ["budget_east_fiscal"] * len(fiscal)
    others = spec.match_headers(["社会帮扶资金（元）", "地方配套资金", "项目财政援助资金明细表2019", "年度"])
    assert [c.name for c in others.values()] == ["budget_social_donation", "budget_local", "year"]


def test_good_file_is_committed_then_reimport_is_unchanged(tmp_path, coop_world, admin_user):
    cadre = _cadre(coop_world)
    path = tmp_path / "p.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    result = run_import(path, user=admin_user, entity="projects", dry_run=False)
    assert not result.errors and result.committed and result.new == 2
    tea = Project.objects.get(code="QC-001")
    assert tea.village_id == "510822220201" and tea.township_id == "510822220000" and tea.responsible == cadre
    assert tea.place_id == "510822220201" and tea.status == "reserve"
    assert {b.source: b.amount for b in Budget.objects.filter(project=tea)} == {
        "east_fiscal": Decimal("1000000.00"), "local": Decimal("200000.50")}
    assert AuditEntry.objects.filter(action="projects.project.created").count() == 2
    assert AuditEntry.objects.filter(action="projects.budget.set").count() == 4

    again = run_import(path, user=admin_user, entity="projects", dry_run=False)
    assert not again.errors and again.unchanged == 2 and again.new == again.changed == 0
    # a changed budget is an update through budget_set
    path.write_text(HEADER + GOOD.replace("500000,30000", "600000,30000"), encoding="utf-8")
    changed = run_import(path, user=admin_user, entity="projects", dry_run=False)
    assert changed.changed == 1 and changed.unchanged == 1
    assert Budget.objects.get(project__code="QC-002", source="east_fiscal").amount == Decimal("600000.00")
    out = tmp_path / "out.csv"
    assert export_file(entity="projects", fmt="csv", path=out, user=admin_user) == 2
    assert "七佛乡茶园" in out.read_text(encoding="utf-8-sig")


def test_bad_rows_are_reported_and_nothing_is_saved(tmp_path, coop_world, admin_user, make_user):
    _cadre(coop_world)
    path = tmp_path / "p.csv"
    path.write_text(HEADER + GOOD
                    + "QC-003,东部项目,330502000000,,,industry,2019,100,,,\n"      # row 4: eastern county
                    + "QC-004,错村,510822000000,,510802101201,industry,2019,100,,,\n"  # row 5: village of another county
                    + "QC-005,无人,510822000000,,,industry,2019,100,,,李四\n",        # row 6: unknown cadre
                    encoding="utf-8")
    result = run_import(path, user=admin_user, entity="projects", dry_run=False)
    assert not result.committed
    problems = {(p.row, p.column) for p in result.errors}
    assert problems == {(4, "县代码"), (5, "村代码"), (6, "责任人")}
    assert not Project.objects.exists() and not AuditEntry.objects.filter(action__startswith="projects.").exists()
    # another county's staff cannot import 青川's projects
    other = run_import(path, user=make_user("lz", division=coop_world["lizhou"]), entity="projects")
    assert {2, 3} <= {p.row for p in other.errors}
