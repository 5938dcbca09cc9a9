"""The foundation pages: status codes, scope, and the numbers they show."""

import re

import pytest
from django.urls import reverse

from xiezuo.geo.models import DivisionPopulation

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(divisions, make_household):
    DivisionPopulation.objects.create(division=divisions["lizhou"], year=2013, rural_population=100)
    DivisionPopulation.objects.create(division=divisions["wangcang"], year=2013, rural_population=50)
    lz = make_household(divisions["lizhou_village"], members=(("510802199001011236", "01"), ("510802199201011231", "20")))
    wc = make_household(divisions["wangcang_village"], members=(("510821199001011232", "01"),))
    return lz, wc


def card(html: str, key: str) -> str:
    match = re.search(rf'data-key="{key}">([^<]*)<', html)
    assert match, f"no card {key}"
    return match.group(1).strip()


def test_login_required(client):
    response = client.get(reverse("web:home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_home_drilldown_numbers_for_city_staff(client, divisions, populated, make_user):
    client.force_login(make_user("gy", role="city_staff", division=divisions["guangyuan"]))
    html = client.get(reverse("web:home"), {"division": "510800000000", "year": 2013}).content.decode()
    assert card(html, "poor_people") == "3"
    assert card(html, "poor_households") == "2"
    assert card(html, "rural_population") == "150"
    assert card(html, "incidence_pct") == "2.0%"
    assert "利州区" in html and "旺苍县" in html


def test_home_for_county_staff_shows_only_their_county(client, divisions, populated, make_user):
    client.force_login(make_user("lz", division=divisions["lizhou"]))
    html = client.get(reverse("web:home"), {"division": "510800000000", "year": 2013}).content.decode()
    assert "利州区" in html
    assert "旺苍县" not in html


def test_household_list_is_scoped_and_searchable(client, divisions, populated, make_user):
    lz, wc = populated
    client.force_login(make_user("lz", division=divisions["lizhou"]))
    html = client.get(reverse("registry:household_list")).content.decode()
    assert lz.number in html and wc.number not in html
    # a full identity number finds the household through the keyed hash
    html = client.get(reverse("registry:household_list"), {"q": "510802199201011231"}).content.decode()
    assert lz.number in html
    # the masked form's last four characters too
    html = client.get(reverse("registry:household_list"), {"q": "1231"}).content.decode()
    assert lz.number in html
    html = client.get(reverse("registry:household_list"), {"q": "510821199001011232"}).content.decode()
    assert wc.number not in html


def test_household_detail_masks_identity_numbers_and_hides_other_counties(client, divisions, populated, make_user):
    lz, wc = populated
    client.force_login(make_user("lz", division=divisions["lizhou"]))
    response = client.get(reverse("registry:household_detail", args=[lz.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "**************1236" in html
    assert "510802199001011236" not in html
    assert client.get(reverse("registry:household_detail", args=[wc.pk])).status_code == 404


def test_figures_page_renders_for_city_scope(client, divisions, populated, make_user):
    client.force_login(make_user("admin1", role="admin"))
    response = client.get(reverse("web:figures"), {"year": 2013})
    assert response.status_code == 200


def test_pages_speak_english_on_request(client, divisions, populated, make_user):
    client.force_login(make_user("gy", role="city_staff", division=divisions["guangyuan"]))
    html = client.get(reverse("registry:household_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Registered households" in html


def test_pages_speak_chinese_by_default(client, divisions, populated, make_user):
    client.force_login(make_user("gy", role="city_staff", division=divisions["guangyuan"]))
    html = client.get(reverse("registry:household_list")).content.decode()
    assert "建档立卡户" in html
    assert "户编号" in html


def test_our_catalog_wins_over_django_for_shared_words(client, divisions, make_user, make_household):
    from django.utils import translation

    from xiezuo.registry.choices import Health

    with translation.override("zh-hans"):
        assert str(Health.DISABLED.label) == "残疾"


def test_east_office_sees_aggregates_of_paired_divisions_but_no_households(client, divisions, populated, make_user,
                                                                          monkeypatch):
    import xiezuo.accounts.access as access

    monkeypatch.setattr(access, "_partner_prefixes", lambda user: ["510802"])  # paired with 利州区
    east = make_user("hz", role="east_office", division=divisions["huzhou"])
    client.force_login(east)
    html = client.get(reverse("web:home"), {"division": "510802000000", "year": 2013}).content.decode()
    assert card(html, "poor_people") == "2"
    lz, _ = populated
    assert lz.number not in client.get(reverse("registry:household_list")).content.decode()


def test_figures_page_names_the_partner_and_the_flagship_projects_from_the_data(client, divisions, populated,
                                                                                 make_user):
    from decimal import Decimal

    from xiezuo.projects.models import Project
    from xiezuo.web.models import DatabaseMark

    # given a tagged flagship project in the region and the tree's eastern province (浙江省 in the fixture)
    Project.objects.create(code="T-1", name="白叶一号茶园", name_en="White tea garden", county=divisions["wangcang"],
                           place=divisions["wangcang"], category="industry", year=2018, tag="white_tea",
                           area_mu=Decimal("5217"))
    client.force_login(make_user("admin1", role="admin"))
    # when the figures page is shown, before and after the project's year
    before = client.get(reverse("web:figures"), {"year": 2017}).content.decode()
    html = client.get(reverse("web:figures"), {"year": 2020}).content.decode()
    english = client.get(reverse("web:figures"), {"year": 2020}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then its rows are named by the project, the workstations by the partner province
    assert "白叶一号茶园：面积（亩）" in html and "白叶一号茶园：受益人数" in html
    assert 'data-key="white_tea_mu">5217<' in html and 'data-key="white_tea_mu">0<' in before
    assert "White tea garden: area (mu)" in english
    assert "浙江省劳务工作站" in html and "广元市产品销售额" in html
    # and the book's note is the demo definition's, on a database the Guangyuan demo built only
    assert "协调发展道路" not in html
    DatabaseMark.objects.create(name="demo", data={"region": "guangyuan"})
    assert "《协调发展道路》" in client.get(reverse("web:figures"), {"year": 2013}).content.decode()
