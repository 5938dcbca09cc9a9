"""Every page of figures is the viewer's: a county user, an eastern office, an auditor and an
administrator each get their region's figures, titled with it, with numerator and denominator
from the same scope (issue 16).

Fixture (tests/assessment/conftest.py `poverty`): 2013, 利州区 2 poor households / 3 people of 30
rural people, 旺苍县 1 household / 1 person of 20, 广元市 50; here also one 2013 monitoring case in
旺苍 and 湖州市 paired with 旺苍县 since 2018 (so the eastern office's region is 旺苍县).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

pytestmark = pytest.mark.django_db

# per kind of viewer: (region title, poor people, rural population, incidence %, monitoring cases)
EXPECTED = {
    "county": ("旺苍县", 1, 20, 5.0, 1),
    "east": ("旺苍县", 1, 20, 5.0, 1),
    "auditor": ("广元市", 4, 50, 8.0, 1),
    "admin": ("广元市", 4, 50, 8.0, 1),
}


@pytest.fixture
def world(poverty):
    from xiezuo.cooperation.models import Pairing
    from xiezuo.monitoring.models import Case
    from xiezuo.registry.models import Household

    Pairing.objects.create(level="county", east_division=poverty["huzhou"], west_division=poverty["wangcang"],
                           round="2018", valid_from=dt.date(2018, 1, 1))
    hh = Household.objects.get(village=poverty["wangcang_village"])
    Case.objects.create(household=hh, county_code="510821000000", year=2013, source="staff_check",
                        opened_on=dt.date(2013, 6, 1), stage_entered_on=dt.date(2013, 6, 1))
    return poverty


@pytest.fixture
def viewers(world, make_user):
    return {
        "county": make_user("wc", division=world["wangcang"], kind="edit"),
        "east": make_user("hz", role="east_office", division=world["huzhou"], kind="edit"),
        "auditor": make_user("audit", role="auditor"),
        "admin": make_user("boss", role="admin"),
    }


@pytest.fixture(autouse=True)
def _no_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_region_is_the_viewers(viewers, kind):
    from xiezuo.accounts.region import viewer_region

    region = viewer_region(viewers[kind])
    assert region.title() == EXPECTED[kind][0]


def test_a_region_of_several_divisions_lies_in_their_common_ancestor(world, make_user):
    from xiezuo.accounts.models import Grant
    from xiezuo.accounts.region import viewer_region

    user = make_user("two", division=world["wangcang"])
    Grant.objects.create(user=user, division=world["lizhou"], kind="view")
    Grant.objects.create(user=user, division=world["lizhou_town"], kind="view")  # inside 利州: not listed twice
    region = viewer_region(user)
    assert region.title() == "利州区、旺苍县" and region.root.code == "510800000000" and region.prefix == "5108"


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_dashboard_json_is_the_viewers(client, viewers, kind):
    title, people, population, incidence, cases = EXPECTED[kind]
    client.force_login(viewers[kind])
    data = client.get("/assessment/data.json?year=2013").json()
    values = {c["code"]: c["value"] for c in data["indicators"]}
    assert data["region"]["title"] == title
    assert values["poor_people"] == people and values["incidence_pct"] == incidence
    assert round(100 * people / population, 2) == incidence  # numerator and denominator of one scope
    assert values["monitoring_cases"] == cases  # an eastern office counts its partner's cases too
    rows = {r["name"]: r for r in data["counties"]}
    if title == "旺苍县":  # a county's dashboard compares its townships
        assert set(rows) == {"东河镇"} and rows["东河镇"]["values"]["poor_people"] == 1
    else:
        assert rows["旺苍县"]["values"]["incidence_pct"] == 5 and rows["利州区"]["values"]["incidence_pct"] == 10
        assert {r["name"] for r in data["drill"]["510821000000"]} == {"东河镇"}
    html = client.get("/assessment/?year=2013").content.decode()
    assert f"· {title}" in html


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_home_page_is_the_viewers(client, viewers, kind):
    title, people, population, incidence, _cases = EXPECTED[kind]
    client.force_login(viewers[kind])
    html = client.get("/?year=2013").content.decode()
    assert f"<h1>{title} · 2013</h1>" in html
    cards = dict(re.findall(r'data-key="(\w+)">([^<]+)<', html))
    assert cards["poor_people"] == str(people) and cards["rural_population"] == str(population)
    assert cards["incidence_pct"] == f"{incidence:.1f}%"


def test_a_county_user_looking_at_the_city_sees_their_part_of_it(client, viewers):
    """The reported bug: the city's rural population against the county's poor."""
    client.force_login(viewers["county"])
    resp = client.get("/?year=2013&division=510800000000")
    total = resp.context["total"]
    assert (total["poor_people"], total["rural_population"], total["incidence_pct"]) == (1, 20, 5.0)
    assert "<h1>旺苍县 · 2013</h1>" in resp.content.decode()
    assert [r["name"] for r in resp.context["rows"]] == ["旺苍县"]


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_annual_report_is_the_viewers(viewers, kind):
    from xiezuo.assessment.annual import narrative, report_data

    title, people, _population, incidence, _cases = EXPECTED[kind]
    data = report_data(year=2013, user=viewers[kind])
    households = 1 if people == 1 else 3
    assert narrative(data)[0] == f"2013年末，{title}建档立卡贫困人口{people}人、{households}户，贫困发生率{incidence:.2f}%。"
    assert data.region == title


def test_annual_report_pdf_of_a_county_user(client, viewers, settings, tmp_path):
    from io import BytesIO

    from pypdf import PdfReader

    settings.DATAIO_RUN_JOBS = "inline"  # the worker's part, here: it writes the report as the user who asked
    settings.DATA_DIR = tmp_path
    client.force_login(viewers["county"])
    job_page = client.post("/assessment/report/", {"year": "2013", "format": "pdf"})
    resp = client.get(job_page["Location"] + "file/")
    assert resp["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(b"".join(resp.streaming_content))).pages)
    text = text.replace("\x00", "")
    assert "旺苍县东西部协作年度报告 2013" in text and "旺苍县建档立卡贫困人口1人" in text and "广元市" not in text


def test_map_fits_the_viewers_region(client, viewers):
    client.force_login(viewers["county"])
    geo = client.get("/assessment/map.geojson").json()
    assert [f["properties"]["adcode"] for f in geo["features"]] == ["510821"]
    client.force_login(viewers["admin"])
    geo = client.get("/assessment/map.geojson").json()
    assert len(geo["features"]) == 7 and all(f["properties"]["adcode"].startswith("5108") for f in geo["features"])


def test_partners_are_links_not_geography(client, viewers):
    client.force_login(viewers["east"])
    data = client.get("/assessment/data.json?year=2020").json()
    assert [(p["east"], p["west"], p["since"]) for p in data["partners"]] == [("湖州市", "旺苍县", 2018)]
    assert client.get(data["partners"][0]["url"]).status_code == 200
    assert "pairings" not in data  # no lines drawn across the country


def test_pairings_are_counted_by_one_definition(world):
    """The dashboard's pairing indicators and `report figures` count the pairings in force at the
    end of the year (an ended round is not counted again)."""
    from xiezuo.assessment.values import Query, value
    from xiezuo.cooperation.figures import book_figures
    from xiezuo.cooperation.models import Pairing

    Pairing.objects.create(level="county", east_division=world["zhejiang"], west_division=world["lizhou"],
                           round="2011", valid_from=dt.date(2012, 1, 1), valid_to=dt.date(2017, 12, 31))
    for year, expected in ((2015, 1), (2020, 1)):
        assert value("pairs_county", Query(year=year, prefix="5108")).value == expected
        assert book_figures(year=year)["pairings_county"] == expected


def test_after_poverty_is_eliminated_the_cards_show_monitoring_and_cumulative_figures(client, viewers):
    client.force_login(viewers["admin"])
    data = client.get("/assessment/data.json?year=2021").json()
    codes = [c["code"] for c in data["cards"]]
    assert data["poverty_eliminated"] and "poor_people" not in codes
    assert {"monitoring_cases", "placements_cumulative", "sales_cumulative", "workshops"} <= set(codes)
    assert "placements_cumulative" in data["county_codes"]


def test_annual_pdf_table_rows_are_not_filled_dark(tmp_path, world):
    """Every filled rectangle after the charts (the tables) is light: the bars' dark red used to
    fill every table row."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    from xiezuo.assessment.annual import write_annual_report

    path = tmp_path / "r.pdf"
    write_annual_report(year=2013, fmt="pdf", path=str(path))
    reader = PdfReader(path)
    dark_rows = 0
    for page in reader.pages[1:]:  # page 2 on: tables only
        fill = (0.0, 0.0, 0.0)
        ops = ContentStream(page.get_contents(), reader).operations
        for i, (operands, op) in enumerate(ops):
            if op == b"rg":
                fill = tuple(float(x) for x in operands)
            elif (op == b"re" and i + 1 < len(ops) and ops[i + 1][1] in (b"f", b"B", b"f*", b"B*")
                  and sum(fill) / 3 < 0.7):
                dark_rows += 1
    assert len(reader.pages) > 1 and dark_rows == 0


def test_demo_targets_scale_with_the_demo(db):
    """Targets counting registry people scale with --scale, like the placements they measure."""
    from xiezuo.cooperation import demo
    from xiezuo.cooperation.models import AgreementTarget
    from xiezuo.geo.loaders import load_tree

    load_tree()

    def targets():
        return {(t.agreement.title, t.year, t.indicator): t.target
                for t in AgreementTarget.objects.select_related("agreement")}

    demo.build(scale=1.0, seed=3, log=lambda m: None)
    full = targets()
    demo.build(scale=0.1, seed=3, log=lambda m: None)
    tenth = targets()
    placed = [k for k in full if k[2] == "labour_placed"]
    assert placed and all(tenth[k] == round(int(full[k]) * 0.1) for k in placed)
    assert all(tenth[k] == full[k] for k in full if k[2] == "fiscal_aid")  # money does not scale


def test_every_source_link_resolves(db):
    """A catalogue link to a page that does not exist fails here (it used to vanish: talent:training_list)."""
    from django.urls import reverse

    from xiezuo.assessment.catalogue import CATALOGUE, Metric
    from xiezuo.assessment.values import Query, source_url

    for code, ind in CATALOGUE.items():
        if isinstance(ind.definition, Metric):
            assert ind.definition.list_url, code
            reverse(ind.definition.list_url)  # raises NoReverseMatch for a bad name
            assert source_url(ind, Query(year=2020, prefix="510821")).startswith(reverse(ind.definition.list_url))


def test_a_bad_source_link_raises(db, monkeypatch):
    from django.urls import NoReverseMatch

    from xiezuo.assessment.catalogue import CATALOGUE, Metric
    from xiezuo.assessment.values import Query, source_url

    ind = CATALOGUE["trainees"]
    bad = type(ind)(**{**ind.__dict__, "definition": Metric("talent.TrainingSession", list_url="talent:nope")})
    with pytest.raises(NoReverseMatch):
        source_url(bad, Query(year=2020))


def test_annual_report_after_poverty_is_eliminated_says_so(viewers):
    from xiezuo.assessment.annual import narrative, report_data

    assert narrative(report_data(year=2021, user=viewers["county"]))[0] == \
        "2021年末，旺苍县建档立卡贫困人口已全部脱贫（2013年末1人），防返贫监测对象0户。"
