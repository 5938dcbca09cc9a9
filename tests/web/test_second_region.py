"""The second demo region (issue 15): `xiezuo demo --region dingxi` builds 定西市 (Gansu) and 福州市 (Fujian)
from its definition alone, and its figures hold together. There is no book for it, so the checks are
internal: the city's totals are the sums of its counties', the region's definition is met exactly at the
scale, each viewer gets their own part, and no division of the Guangyuan demo is anywhere.

Built once (transactional: the demo command commits) at scale 0.05: 600 registered people, 185 households.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from io import StringIO

import pytest

SCALE = 0.05
REGION = "dingxi"


@pytest.fixture
def built(transactional_db):
    from django.core.cache import cache
    from django.core.management import call_command

    from xiezuo.geo.demo_region import load

    cache.clear()
    call_command("demo", region=REGION, scale=SCALE, no_serve=True, stdout=StringIO())
    yield load(REGION)
    cache.clear()


def _figures(year: int) -> dict:
    from django.core.management import call_command

    out = StringIO()
    call_command("report", "figures", "--year", str(year), "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_second_region_holds_together(built, client):
    from django.core.cache import cache

    from xiezuo.accounts.models import User
    from xiezuo.cooperation.models import Enterprise
    from xiezuo.geo.demo_region import load
    from xiezuo.geo.models import Division
    from xiezuo.registry import stats

    region = built
    totals = region.section("registry")
    city = region.city
    counties = [c.ljust(12, "0") for c in region.counties]

    # given the dingxi demo, when the 2013 figures are reported
    figures = _figures(2013)
    # then the definition's totals are met exactly at the scale
    assert figures["poor_people"] == round(totals["poor_people"] * SCALE)
    assert figures["poor_households"] == round(totals["poor_households"] * SCALE)
    assert figures["dibao_households"] == round(totals["dibao_households"] * SCALE)
    assert figures["disabled_households"] == round(totals["disabled_households"] * SCALE)
    assert figures["unsafe_housing_households"] == round(totals["unsafe_housing_households"] * SCALE)
    assert set(figures["county_incidence_pct"]) == set(region.counties)
    # and the city is the sum of its counties, each county of its townships
    rows = stats.division_rows(parent_code=city, year=2013)
    assert sorted(r["code"] for r in rows) == counties
    whole = stats.division_total(code=city, year=2013)
    assert sum(r["poor_people"] for r in rows) == whole["poor_people"] == figures["poor_people"]
    assert sum(r["rural_population"] for r in rows) == whole["rural_population"]
    assert figures["incidence_pct"] == round(100 * whole["poor_people"] / whole["rural_population"], 2)
    for row in rows:
        towns = stats.division_rows(parent_code=row["code"], year=2013)
        assert sum(t["poor_people"] for t in towns) == row["poor_people"]
        assert figures["county_incidence_pct"][row["code"][:6]] == row["incidence_pct"]
    # nobody is poor in 2020 (every household exits by its county's batch year)
    assert stats.division_total(code=city, year=2020)["poor_people"] == 0

    # the cooperation figures are the definition's
    later = _figures(2020)
    assert Decimal(later["consumption_sales_yuan"]) == Decimal(region.section("consumption")["total_yuan"])
    assert later["pairings_county"] == len(region.partners_2018)
    assert later["workstations"] == region.section("labor")["workstations"]
    assert later["labour_placed_poor"] == round(region.section("labor")["placed"] * SCALE)
    # the book's flagship and earlier periods are the Guangyuan definition's records: no key here
    assert not [k for k in later if k.startswith(("white_tea", "projects_19", "investment_19"))], sorted(later)
    # no figure's name carries a period of the book: the trade projects are what the region recorded
    assert not [k for k in later if re.search(r"(19|20)\d\d", k)], sorted(later)
    assert _figures(2017)["trade_projects"] == 0 < later["trade_projects"] == Enterprise.objects.count()

    # each viewer's dashboard is their own part, summing to the whole
    def dashboard(username: str, year: int = 2013) -> dict:
        cache.clear()
        client.force_login(User.objects.get(username=username))
        return client.get(f"/assessment/data.json?year={year}").json()

    admin = dashboard("admin")
    assert admin["region"]["title"] == "定西市"
    cards = {c["code"]: c["value"] for c in admin["cards"]}
    by_county = {c["code"]: c["values"] for c in admin["counties"]}
    assert sorted(by_county) == counties
    assert sum(v["poor_people"] for v in by_county.values()) == cards["poor_people"] == figures["poor_people"]
    logins = region.county_logins
    for county6, login in logins.items():
        own = dashboard(login)
        assert own["region"]["title"] == Division.objects.get(code=county6.ljust(12, "0")).name
        assert {c["code"]: c["value"] for c in own["cards"]}["poor_people"] == \
            by_county[county6.ljust(12, "0")]["poor_people"]
    office = dashboard(region.section("accounts")["east_office"]["login"])  # its western partners
    assert {c["code"]: c["value"] for c in office["cards"]}["poor_people"] == figures["poor_people"]
    partners = dashboard("admin", 2019)["partners"]  # the pairings in force at the end of 2019
    assert {p["west_code"] for p in partners} == {region.city} | {c.ljust(12, "0") for c in region.partners_2018}
    assert all(p["east_code"].startswith(region.east_province[:2]) for p in partners)
    client.force_login(User.objects.get(username="admin"))
    geo = client.get("/assessment/map.geojson").json()
    assert sorted(str(f["properties"]["adcode"]) for f in geo["features"]) == sorted(region.counties)

    # the figures page names this region's partner and products, with no book note and no flagship rows
    client.force_login(User.objects.get(username="admin"))
    page = client.get("/figures/?year=2020", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "福建省劳务工作站" in page and "定西市产品销售额" in page
    assert 'data-key="workstations"' in page and "white_tea" not in page and "协调发展道路" not in page

    # and no division of the Guangyuan demo exists, or is named in the figures or on the dashboard
    guangyuan = load("guangyuan")
    assert not Division.objects.filter(code__startswith=guangyuan.prefix).exists()
    names = [c["name"] for c in guangyuan.tree["counties"] if c["code"].startswith(guangyuan.prefix)]
    names += [guangyuan.data["title"]]
    text = json.dumps([figures, later, admin], ensure_ascii=False)
    codes = set(re.findall(r"(?<!\d)\d{12}(?!\d)", text)) | set(figures["county_incidence_pct"])
    assert codes and all(c.startswith((region.prefix, region.east_province[:2])) for c in codes), codes
    assert not [n for n in names if n in text or n in page]


@pytest.mark.django_db
def test_one_database_holds_one_demo_region():
    from xiezuo.web.management.commands.demo import refusal
    from xiezuo.web.models import DatabaseMark

    # given a database the Guangyuan demo built (a mark from before regions existed means Guangyuan)
    DatabaseMark.objects.create(name="demo", data={"scale": 0.01, "seed": 2013})
    # then the Guangyuan demo may rebuild it, the Dingxi one may not (the two trees would make one region)
    assert refusal("guangyuan") is None
    assert "guangyuan demo" in refusal("dingxi")
    DatabaseMark.objects.filter(name="demo").update(data={"region": "dingxi"})
    assert refusal("dingxi") is None and "dingxi demo" in refusal("guangyuan")
