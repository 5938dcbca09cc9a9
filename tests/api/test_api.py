"""The REST API: Bearer tokens, scoped and masked rows, filters, pagination, JSON errors."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.security import data
from xiezuo.registry.models import Member

pytestmark = pytest.mark.django_db


def _get(url, token=None, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get(url, **headers, **extra)


def test_bearer_token_authenticates_and_scopes(county_token, two_counties):
    body = _get("/api/registry/households/", county_token).json()
    assert body["count"] == 1 and body["results"][0]["number"] == "A510802-0001"
    members = _get("/api/registry/members/", county_token).json()["results"]
    assert {m["id_number_masked"] for m in members} == {"**************1231", "**************0013"}
    assert all("id_number" not in m and "id_number_enc" not in m for m in members)


def test_out_of_scope_detail_is_404_as_json(county_token, two_counties):
    response = _get(f"/api/registry/households/{two_counties['b']['household'].pk}/", county_token)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_no_or_bad_token_is_401_with_message():
    response = _get("/api/registry/households/")
    assert response.status_code in (401, 403) and response.json()["detail"]
    assert _get("/api/registry/households/", "nope").status_code == 401


def test_filters_validate_and_apply(county_token, two_counties):
    assert _get("/api/registry/households/?status=exited", county_token).json()["count"] == 0
    assert _get("/api/registry/households/?village=510802", county_token).json()["count"] == 1
    bad = _get("/api/registry/households/?village=abc", county_token)
    assert bad.status_code == 400 and bad.json()["detail"].startswith("village:")
    assert _get("/api/registry/households/?status=nonsense", county_token).status_code == 400
    # An empty value of a closed list is outside it too (the schema's enum has no ""); empty free text is no filter.
    assert _get("/api/registry/households/?status=", county_token).status_code == 400
    assert _get("/api/consumption/sales/?channel=", county_token).status_code == 400


def test_divisions_filter_by_level_and_parent(county_token, divisions):
    body = _get("/api/geo/divisions/?level=county&parent=510800000000", county_token).json()
    assert [d["code"] for d in body["results"]] == ["510802000000", "510821000000"]
    assert _get("/api/geo/divisions/510802000000/", county_token).json()["name"] == "利州区"
    assert _get("/api/geo/divisions/?page_size=1", county_token).json()["next"]


def test_invalid_identity_number_is_400_and_stores_nothing(county_token, two_counties):
    before = Member.objects.count()
    response = Client().post("/api/registry/members/", {
        "household": two_counties["a"]["household"].pk, "name": "王五", "id_number": "510802201001011235",
        "relation": "20"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {county_token}")
    assert response.status_code == 400
    assert "id_number" in response.json()["errors"] and response.json()["detail"].startswith("id_number:")
    assert Member.objects.count() == before


def test_cannot_create_a_member_in_another_county(county_token, two_counties):
    response = Client().post("/api/registry/members/", {
        "household": two_counties["b"]["household"].pk, "name": "王五", "id_number": "510821201001011231",
        "relation": "20"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {county_token}")
    assert response.status_code == 400 and response.json()["errors"]["household"]


def test_reveal_through_the_api(county_token, two_counties):
    member = two_counties["a"]["members"][0]
    url = f"/api/registry/members/{member.pk}/reveal/id_number/"
    client = Client()
    short = client.post(url, {"reason": "x"}, content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {county_token}")
    assert short.status_code == 400
    ok = client.post(url, {"reason": "核对医保参保身份信息"}, content_type="application/json",
                     HTTP_AUTHORIZATION=f"Bearer {county_token}")
    assert ok.json() == {"value": data.A_IDS[0]} and ok["Cache-Control"] == "no-store"


def test_east_office_gets_no_registry_rows(two_counties, divisions, make_user):
    from xiezuo.accounts.services import token_create

    token = token_create(user=make_user("hz", role="east_office", division=divisions["huzhou"]))
    assert _get("/api/registry/households/", token).json()["count"] == 0
    assert _get("/api/registry/members/", token).json()["count"] == 0


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema")
    assert schema.status_code == 200 and b"bearerAuth" in schema.content
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and b"<script>" not in docs.content


def test_visits_meetings_and_enterprises_are_listed_within_scope(county_token, two_counties, divisions):
    import datetime as dt

    from xiezuo.cooperation.models import Enterprise, Visit

    Visit.objects.create(date=dt.date(2019, 4, 2), kind="e2w", title="利州考察", west_division=divisions["lizhou"])
    Visit.objects.create(date=dt.date(2020, 4, 2), kind="w2e", title="旺苍考察", west_division=divisions["wangcang"])
    Enterprise.objects.create(name="利州茶业", year=2019, west_division=divisions["lizhou"],
                              investment_planned="30000000.00", investment_arrived="12000000.50", in_production=True)
    visits = _get("/api/cooperation/visits/", county_token).json()
    assert visits["count"] == 1 and visits["results"][0]["title"] == "利州考察"
    assert _get("/api/cooperation/visits/?year=2020", county_token).json()["count"] == 0
    assert _get("/api/cooperation/visits/?kind=sideways", county_token).status_code == 400
    firm = _get("/api/cooperation/enterprises/?in_production=true", county_token).json()["results"][0]
    assert firm["investment_arrived"] == "12000000.50" and firm["west_division"] == divisions["lizhou"].code
    assert _get("/api/cooperation/meetings/", county_token).json()["count"] == 0
