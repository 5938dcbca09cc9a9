"""Dashboard pages and JSON: login, scope, the cards' numbers and the map layers."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("boss", role="admin"))
    return client


def test_dashboard_requires_login(client):
    assert client.get("/assessment/").status_code == 302


def test_dashboard_page_has_no_inline_script(admin_client, poverty):
    html = admin_client.get("/assessment/?year=2013").content.decode()
    assert 'id="dashboard"' in html and "/assessment/echarts.min.js" in html
    assert "<script>" not in html  # scripts are static files (CSP)


def test_dashboard_json_cards_and_counties_match_the_database(admin_client, poverty):
    from django.core.cache import cache

    cache.clear()
    data = admin_client.get("/assessment/data.json?year=2013").json()
    cards = {c["code"]: c for c in data["cards"]}
    assert cards["poor_people"]["value"] == 4 and cards["incidence_pct"]["value"] == 8
    assert cards["poor_people"]["trace_url"].startswith("/assessment/trace/?indicator=poor_people")
    counties = {c["code"]: c["values"] for c in data["counties"]}
    assert counties["510802000000"]["poor_people"] == 3 and counties["510821000000"]["incidence_pct"] == 5
    assert data["trend"]["poverty"]["poor_people"][0] == 4  # 2013
    assert data["pairings"] and all(len(p["coords"]) == 2 for p in data["pairings"])


def test_dashboard_json_is_scoped(client, make_user, poverty):
    from django.core.cache import cache

    cache.clear()
    client.force_login(make_user("wc", division=poverty["wangcang"], kind="view"))
    data = client.get("/assessment/data.json?year=2013").json()
    assert {c["code"]: c["value"] for c in data["cards"]}["poor_people"] == 1


def test_map_is_one_geojson_with_both_sides(client):
    geo = client.get("/assessment/map.geojson").json()
    sides = {f["properties"]["side"] for f in geo["features"]}
    assert sides == {"east", "west"} and len(geo["features"]) == 7 + 11


def test_echarts_is_served_from_the_installed_package(client):
    resp = client.get("/assessment/echarts.min.js")
    assert resp.status_code == 200 and b"echarts" in b"".join(resp.streaming_content)[:5000]


def test_trace_and_indicator_pages(admin_client, poverty):
    resp = admin_client.get("/assessment/trace/?indicator=poor_households&year=2013&division=510802")
    assert resp.status_code == 200 and 'id="trace-value">2<' in resp.content.decode()
    assert admin_client.get("/assessment/trace/?indicator=nope").status_code == 404
    assert admin_client.get("/assessment/indicators/?year=2013").status_code == 200


def test_report_download(admin_client, poverty):
    resp = admin_client.get("/assessment/report/?year=2013&format=xlsx")
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment")


def test_east_office_gets_the_dashboard_without_personal_data(client, make_user, poverty, tmp_path):
    from django.core.cache import cache

    cache.clear()
    client.force_login(make_user("east", role="east_office", division=poverty["huzhou"], kind="view"))
    data = client.get("/assessment/data.json?year=2013").json()
    assert {c["code"]: c["value"] for c in data["cards"]}["poor_people"] == 0
    assert client.get("/assessment/indicators/?year=2013").status_code == 200
    assert client.get("/assessment/report/?year=2013&format=xlsx").status_code == 200
