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
    assert data["region"]["title"] == "广元市" and data["partners"] == []  # the fixture has no pairings


def test_dashboard_json_is_scoped(client, make_user, poverty):
    from django.core.cache import cache

    cache.clear()
    client.force_login(make_user("wc", division=poverty["wangcang"], kind="view"))
    data = client.get("/assessment/data.json?year=2013").json()
    assert {c["code"]: c["value"] for c in data["cards"]}["poor_people"] == 1


def test_map_is_the_viewers_region_only(admin_client, poverty):
    geo = admin_client.get("/assessment/map.geojson").json()
    assert len(geo["features"]) == 7 and {f["properties"]["adcode"][:4] for f in geo["features"]} == {"5108"}


def test_echarts_is_served_from_the_installed_package(client):
    resp = client.get("/assessment/echarts.min.js")
    assert resp.status_code == 200 and b"echarts" in b"".join(resp.streaming_content)[:5000]


def test_trace_and_indicator_pages(admin_client, poverty):
    resp = admin_client.get("/assessment/trace/?indicator=poor_households&year=2013&division=510802")
    assert resp.status_code == 200 and 'id="trace-value">2<' in resp.content.decode()
    assert admin_client.get("/assessment/trace/?indicator=nope").status_code == 404
    assert admin_client.get("/assessment/indicators/?year=2013").status_code == 200


def test_the_annual_report_is_a_job_whose_file_only_its_owner_downloads(admin_client, client, make_user, poverty,
                                                                         settings, tmp_path):
    from xiezuo.dataio.models import Job

    settings.DATAIO_RUN_JOBS = "inline"  # the worker's part, here
    settings.DATA_DIR = tmp_path
    # the dashboard's link shows the choice; nothing is written by a GET
    page = admin_client.get("/assessment/report/?year=2013&format=pdf")
    assert page.status_code == 200 and 'value="pdf" selected' in page.content.decode()
    assert not Job.objects.exists()
    # the POST queues the job and opens its page, which offers the file once done
    resp = admin_client.post("/assessment/report/", {"year": "2013", "format": "xlsx"})
    job = Job.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/dataio/jobs/{job.pk}/"
    assert (job.kind, job.status, job.params["year"]) == ("assessment.annual", "done", 2013)
    assert f"/dataio/jobs/{job.pk}/file/" in admin_client.get(resp["Location"]).content.decode()
    download = admin_client.get(f"/dataio/jobs/{job.pk}/file/")
    assert download["Content-Disposition"] == 'attachment; filename="xiezuo-annual-2013.xlsx"'
    assert b"".join(download.streaming_content)[:2] == b"PK"
    # another user sees neither the job nor its file
    client.force_login(make_user("someone-else", role="county_staff", division=poverty["lizhou"], kind="view"))
    assert client.get(f"/dataio/jobs/{job.pk}/file/").status_code == 404
    assert client.get(f"/dataio/jobs/{job.pk}/").status_code == 404


def test_east_office_gets_the_dashboard_without_personal_data(client, make_user, poverty, tmp_path, settings):
    from django.core.cache import cache

    cache.clear()
    client.force_login(make_user("east", role="east_office", division=poverty["huzhou"], kind="view"))
    data = client.get("/assessment/data.json?year=2013").json()
    assert {c["code"]: c["value"] for c in data["cards"]}["poor_people"] == 0
    assert client.get("/assessment/indicators/?year=2013").status_code == 200
    assert client.get("/assessment/report/?year=2013&format=xlsx").status_code == 200
    settings.DATAIO_RUN_JOBS = "inline"
    settings.DATA_DIR = tmp_path
    job_page = client.post("/assessment/report/", {"year": "2013", "format": "xlsx"})
    assert client.get(job_page["Location"] + "file/").status_code == 200  # their own report


def test_trace_pages_through_the_rows_in_village_order(admin_client, poverty, monkeypatch):
    from xiezuo.assessment import views
    from xiezuo.registry.stats import poor_years

    monkeypatch.setattr(views, "TRACE_PAGE", 2)
    url = "/assessment/trace/?indicator=poor_households&year=2013&division=5108"
    first, second = admin_client.get(url), admin_client.get(url + "&page=2")
    assert first.context["total"] == second.context["total"] == 3
    assert (first.context["first"], first.context["last"], second.context["first"], second.context["last"]) == \
        (1, 2, 3, 3)
    listed = [r.pk for r in first.context["rows"]] + [r.pk for r in second.context["rows"]]
    assert sorted(listed) == sorted(poor_years(year=2013, prefix="5108").values_list("pk", flat=True))
    assert [r.household.village_id for r in first.context["rows"]] == ["510802101201", "510802101201"]
    assert "page=2" in first.content.decode() and first.context["next"] == 2 and second.context["next"] is None


def test_registry_values_from_the_summary_equal_the_direct_counts(poverty, make_user):
    """Cards, county columns and the trend read registry.summary: the same figures as grouping
    the household-years directly, for an administrator and for a county user."""
    from django.db.models import Count, Sum
    from django.db.models.functions import Substr

    from xiezuo.assessment.dashboard import dashboard_data
    from xiezuo.assessment.values import Query, memoised, values, values_by_child
    from xiezuo.registry.models import HouseholdYear
    from xiezuo.registry.stats import poor_years

    HouseholdYear.objects.create(household=HouseholdYear.objects.first().household, year=2014, size=5,
                                 year_status="returned")
    for user in (make_user("boss", role="admin"), make_user("wc", division=poverty["wangcang"], kind="view")):
        for year in (2013, 2014, 2015):
            rows = poor_years(year=year, prefix="5108", user=user)
            by_county = {r["k"]: (r["h"], r["p"]) for r in rows.annotate(k=Substr("household__village_id", 1, 6))
                         .values("k").annotate(h=Count("id"), p=Sum("size")).order_by()}
            q = Query(year=year, prefix="5108", user=user)
            got = {v.indicator.code: v.value for v in values(q, ["poor_people", "poor_households"])}
            assert got == {"poor_people": rows.aggregate(p=Sum("size"))["p"] or 0, "poor_households": rows.count()}
            with memoised():
                people = values_by_child("poor_people", q, 6)
                households = values_by_child("poor_households", q, 6)
            assert {k: (households[k], people[k]) for k in people} == by_county
        trend = dashboard_data(user=user, year=2014)["trend"]["poverty"]["poor_people"]
        assert trend[:3] == [poor_years(year=y, prefix="5108", user=user).aggregate(p=Sum("size"))["p"] or 0
                             for y in (2013, 2014, 2015)]


def test_trace_lists_households_only_to_who_may_see_personal_data(client, make_user, poverty):
    # an eastern office with a view grant on 旺苍 sees its figure, never its households
    client.force_login(make_user("east", role="east_office", division=poverty["wangcang"], kind="view"))
    resp = client.get("/assessment/trace/?indicator=poor_households&year=2013&division=5108")
    assert resp.status_code == 200 and resp.context["v"].value == 1
    assert resp.context["rows"] == [] and resp.context["total"] == 0
    client.force_login(make_user("wc", division=poverty["wangcang"], kind="view"))
    resp = client.get("/assessment/trace/?indicator=poor_households&year=2013&division=5108")
    assert resp.context["total"] == 1 and [r.household.village_id for r in resp.context["rows"]] == ["510821100201"]
