"""A new deployment's division tree and rural populations through the downloaded template: filled as a county
office would (codes typed as text), imported (both sheets at once), re-imported unchanged; bad rows reported by
row and column with nothing saved; administrators only."""

from __future__ import annotations

import openpyxl
import pytest

from xiezuo.accounts.models import AuditEntry
from xiezuo.dataio.importer import run_import
from xiezuo.geo.models import Division, DivisionPopulation
from xiezuo.geo.specs import parent_code

# a made-up western prefecture (province 99 does not exist) and its partner in a made-up eastern province 98
TREE = [
    ("990000000000", "西甲省", "", "西部"),
    ("990100000000", "西乙市", "Xiyi", ""),
    ("990102000000", "丙县", "", ""),
    ("990102100000", "丁镇", "", ""),
    ("990102100201", "戊村", "", ""),
    ("990102100202", "己村", "", ""),
    ("980000000000", "东甲省", "", "东部"),
    ("980100000000", "东乙市", "", ""),
]
POPULATIONS = [("990102100201", 2020, 812, "县统计局"), ("990102100202", 2020, 455, ""), ("990102000000", 2020, 41000, "")]


def _filled_template(client, tmp_path, tree=TREE, populations=POPULATIONS):
    """The template as the page hands it out, filled in with openpyxl like a user in Excel."""
    response = client.get("/dataio/templates/divisions.xlsx")
    assert response.status_code == 200
    path = tmp_path / "divisions.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    wb = openpyxl.load_workbook(path)
    divisions, populations_sheet = wb["行政区划"], wb["农村户籍人口"]
    assert [c.value for c in divisions[1]][:4] == ["统计用区划代码*", "区划名称*", "英文名称", "东西部"]
    for row in tree:
        divisions.append(list(row))
    for row in populations:
        populations_sheet.append(list(row))
    wb.save(path)
    return path


@pytest.fixture
def admin(make_user):
    return make_user("geo-admin", role="admin")


def test_a_new_region_imports_from_the_downloaded_template_and_again_unchanged(db, client, tmp_path, admin):
    client.force_login(admin)
    path = _filled_template(client, tmp_path)
    result = run_import(path, user=admin, dry_run=False)
    assert not result.errors and result.committed and result.new == len(TREE) + len(POPULATIONS)
    village = Division.objects.get(code="990102100202")
    assert (village.level, village.parent_id, village.side) == ("village", "990102100000", "west")
    assert Division.objects.get(code="990100000000").name_en == "Xiyi"
    assert Division.objects.get(code="980100000000").side == "east"  # a blank side is its parent's
    assert DivisionPopulation.objects.get(division_id="990102100201", year=2020).rural_population == 812
    assert AuditEntry.objects.filter(action="geo.division.imported").count() == len(TREE)
    again = run_import(path, user=admin, dry_run=False)
    assert not again.errors and again.unchanged == len(TREE) + len(POPULATIONS) and again.new == again.changed == 0
    # a renamed village and a corrected population are updates, audited
    renamed = _filled_template(client, tmp_path, tree=[("990102100202", "己新村", "", "")],
                               populations=[("990102100202", 2020, 460, "")])
    changed = run_import(renamed, user=admin, dry_run=False)
    assert changed.changed == 2 and Division.objects.get(code="990102100202").name == "己新村"
    assert DivisionPopulation.objects.get(division_id="990102100202", year=2020).rural_population == 460
    assert AuditEntry.objects.filter(action__in=["geo.division.updated", "geo.population.updated"]).count() == 2


def test_bad_rows_are_reported_by_cell_and_nothing_is_saved(db, client, tmp_path, admin):
    client.force_login(admin)
    tree = [*TREE,
            ("990103100201", "无上级村", "", ""),   # row 10: its township (and county) are nowhere
            ("99010210020", "短代码", "", ""),      # row 11: 11 digits
            ("990102100201", "戊村重复", "", ""),   # row 12: row 6's code again
            ("990102100203", "庚村", "", "北部")]   # row 13: no such side
    populations = [*POPULATIONS, ("990199000000", 2020, 10, ""),  # row 5: unknown division
                   ("990102100201", 2020, 9, "")]                    # row 6: row 2's division and year again
    result = run_import(_filled_template(client, tmp_path, tree, populations), user=admin, dry_run=False)
    assert not result.committed
    assert {(p.sheet, p.row, p.column) for p in result.errors} == {
        ("行政区划", 10, "统计用区划代码*"), ("行政区划", 11, "统计用区划代码*"), ("行政区划", 12, "统计用区划代码*"),
        ("行政区划", 13, "东西部"), ("农村户籍人口", 5, "统计用区划代码*"), ("农村户籍人口", 6, "年份*")}
    assert not Division.objects.exists() and not DivisionPopulation.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="geo.").exists()


def test_only_administrators(db, client, tmp_path, admin, divisions, make_user):
    client.force_login(admin)
    path = _filled_template(client, tmp_path)
    county = make_user("lz-staff", role="county_staff", division=divisions["lizhou"])
    refused = run_import(path, user=county, dry_run=False)
    assert not refused.committed and {p.row for p in refused.errors if p.sheet == "行政区划"} == set(
        range(2, 2 + len(TREE)))
    assert not Division.objects.filter(code__startswith="99").exists()
    for role in ("auditor", "east_office", "city_staff"):
        other = make_user(f"geo-{role}", role=role, division=divisions["guangyuan"])
        assert not run_import(path, user=other, dry_run=False).committed
    assert not Division.objects.filter(code__startswith="99").exists()
    client.force_login(county)  # the import page does not offer the divisions' template to a county user
    assert "/dataio/templates/divisions.xlsx" not in client.get("/dataio/").content.decode()
    client.force_login(admin)
    assert "/dataio/templates/divisions.xlsx" in client.get("/dataio/").content.decode()


def test_export_reads_back_unchanged(db, client, tmp_path, admin):
    from xiezuo.dataio.services import export_file

    client.force_login(admin)
    run_import(_filled_template(client, tmp_path), user=admin, dry_run=False)
    out = tmp_path / "out.xlsx"
    assert export_file(entity="divisions", fmt="xlsx", path=out, user=admin) == len(TREE)
    back = run_import(out, user=admin, entity="divisions", dry_run=False)
    assert not back.errors and back.unchanged == len(TREE)


@pytest.mark.parametrize(("code", "parent"), [
    ("990102100201", "990102100000"),  # village -> township
    ("990102100000", "990102000000"),  # township -> county
    ("990100101000", "990100000000"),  # a township straight under a city (county digits 00)
    ("990100000000", "990000000000"),
    ("990000000000", None),
])
def test_parent_code(code, parent):
    assert parent_code(code) == parent
