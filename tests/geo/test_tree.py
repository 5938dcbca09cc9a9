"""The real division tree: counts per county against the NBS data files, links, prefixes, reruns."""

import csv
from collections import Counter

import pytest

from xiezuo.geo import demo as geo_demo
from xiezuo.geo.demo_region import load
from xiezuo.geo.loaders import DATA_DIR, load_tree
from xiezuo.geo.models import Division, DivisionPopulation

GUANGYUAN_COUNTIES = load("guangyuan").counties

pytestmark = pytest.mark.django_db


def _csv(name):
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _administrative(code9: str) -> bool:
    return not "400" <= code9[6:9] <= "599"


def test_township_and_village_counts_per_county_match_the_data_files():
    # given the NBS lists (the 4xx non-administrative units are skipped)
    towns = Counter(r["county_code"] for r in _csv("guangyuan_townships.csv") if _administrative(r["code"]))
    villages = Counter(r["county_code"] for r in _csv("guangyuan_villages.csv") if _administrative(r["township_code"]))
    # when the tree is loaded
    load_tree()
    # then every county has exactly those townships and villages
    for county in GUANGYUAN_COUNTIES:
        assert Division.objects.filter(level="township", code__startswith=county).count() == towns[county]
        assert Division.objects.filter(level="village", code__startswith=county).count() == villages[county]
    assert sum(towns.values()) == 142  # the book's 23 乡 + 112 镇 + 7 街道 (domain brief §7.2)
    assert Division.objects.filter(level="village").count() == 1731
    assert not Division.objects.filter(code="510822400000").exists()  # 唐家河 nature reserve


def test_parent_links_and_prefixes():
    load_tree()
    for division in Division.objects.exclude(level="province").select_related("parent"):
        assert division.parent is not None, division.code
        assert division.code.startswith(division.parent.prefix), division.code
        assert len(division.code) == 12 and division.code.isdigit()
    qingchuan = Division.objects.get(code="510822000000")
    assert (qingchuan.name, qingchuan.name_en, qingchuan.level, qingchuan.prefix) == ("青川县", "Qingchuan", "county",
                                                                                     "510822")
    assert qingchuan.parent.code == "510800000000" and qingchuan.parent.parent.code == "510000000000"
    village = Division.objects.filter(level="village", code__startswith="510822").first()
    assert qingchuan.contains(village.code)
    assert [d.level for d in village.ancestors()] == ["province", "city", "county", "township", "village"]


def test_valid_years_sides_and_zhejiang_partners():
    load_tree()
    assert Division.objects.get(code="510811000000").valid_from == 2013  # 昭化区 (元坝区 before)
    assert Division.objects.get(code="510812000000").valid_from == 1989
    assert Division.objects.get(code="510802000000").valid_from == 2007
    for code in ("331004", "331022", "330502", "330523", "330106", "330109", "330110"):
        d = Division.objects.get(code=code + "000000")
        assert d.side == "east" and d.level == "county", code
    assert set(Division.objects.filter(code__startswith="33").values_list("side", flat=True)) == {"east"}
    assert set(Division.objects.filter(code__startswith="51").values_list("side", flat=True)) == {"west"}
    assert Division.objects.filter(level="city", code__startswith="33").count() == 4


def test_loading_twice_changes_nothing_and_restores_edits():
    load_tree()
    n = Division.objects.count()
    Division.objects.filter(code="510822000000").update(name="edited")
    load_tree()
    assert Division.objects.count() == n
    assert Division.objects.get(code="510822000000").name == "青川县"


def test_populations_add_up_at_every_level_and_every_year():
    # given the geo demo at 1 %
    geo_demo.build(scale=0.01, seed=7, log=lambda m: None)
    pops = dict(((d, y), p) for d, y, p in DivisionPopulation.objects.values_list("division_id", "year",
                                                                                  "rural_population"))
    years = sorted({y for _, y in pops})
    assert years == list(range(2013, 2027))
    for year in (2013, 2020, 2026):
        counties = {c: pops[(c.ljust(12, "0"), year)] for c in GUANGYUAN_COUNTIES}
        # then the city is the sum of its counties, each county the sum of its villages and townships
        assert pops[("510800000000", year)] == sum(counties.values())
        for county, total in counties.items():
            villages = sum(p for (code, y), p in pops.items()
                           if y == year and code.startswith(county) and not code.endswith("000"))
            towns = sum(p for (code, y), p in pops.items()
                        if y == year and code.startswith(county) and code.endswith("000") and code[6:9] != "000")
            assert villages == total == towns
    # the 2013 denominator is the assumption scaled: 2,384,900 x 1 %
    assert pops[("510800000000", 2013)] == sum(round(v * 0.01) for v in load("guangyuan").section("population")["rural_2013"].values())
    # and rerunning replaces rather than duplicates
    geo_demo.build(scale=0.01, seed=7, log=lambda m: None)
    assert DivisionPopulation.objects.count() == len(pops)
