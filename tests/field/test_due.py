"""Visits due, made and overdue: one definition (`field.selectors`) read by the leader's dashboard, `/field/due/`
(drill-down), the cadre's phone page and `report figures`; each viewer counts their own region only."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.utils import timezone

from xiezuo.field import selectors
from xiezuo.field.models import CadreAccount, Visit


def _visit(household, on):
    return Visit.objects.create(household=household, visitor_name="v", on=on, client_key=uuid.uuid4())


@pytest.fixture
def world(divisions, make_household, make_user):
    """利州区: h1 visited this month, h2 visited last month only, h3 never (overdue), h4 no person responsible,
    h5 removed (neither is due); 旺苍县: h6 never visited. The cadre 帮扶人甲 has h1–h3, 帮扶人乙 has h6."""
    from xiezuo.registry.models import Cadre

    today = timezone.localdate()
    jia = Cadre.objects.create(name="帮扶人甲", work_unit="县农业农村局", division=divisions["lizhou_village"])
    yi = Cadre.objects.create(name="帮扶人乙", division=divisions["wangcang_village"])
    v_a, v_b = divisions["lizhou_village"], divisions["wangcang_village"]
    ids = iter(f"5108021990010{n:02d}" for n in range(10, 99))

    def hh(village, cadre, **kw):
        from stdnum.cn import ric

        base = next(ids)
        number = base + ric.calc_check_digit(base)
        return make_household(village, members=((number, "01"),), cadre=cadre, **kw)

    h = {1: hh(v_a, jia), 2: hh(v_a, jia), 3: hh(v_a, jia), 4: hh(v_a, None), 5: hh(v_a, jia, status="removed"),
         6: hh(v_b, yi)}
    _visit(h[1], today)
    _visit(h[2], selectors.previous_month_start(today))
    _visit(h[4], today)  # not due: no person responsible, so not counted as made either
    cadre_user = make_user("cadre_jia", role="village_staff", division=v_a)
    CadreAccount.objects.create(user=cadre_user, cadre=jia)
    return {"today": today, "h": h, "jia": jia, "yi": yi, "cadre_user": cadre_user,
            "county": make_user("lz_leader", role="county_staff", division=divisions["lizhou"], kind="view"),
            "city": make_user("gy_leader", role="city_staff", division=divisions["guangyuan"], kind="view")}


def _figures(html: str, scope: str) -> dict[str, str]:
    section = html[html.index(scope):]
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', section)[:4])


def _row(html: str, table: str, key: str) -> list[str]:
    body = html[html.index(f'id="{table}"'):]
    row = body[body.index(f'data-key="{key}"'):]
    row = row[:row.index("</tr>")]
    return re.findall(r'<td class="num">([^<]*)</td>', row)


def test_the_definition(world):
    t = selectors.visit_tally(selectors.figure_households(user=world["county"]), today=world["today"])
    assert (t.due, t.made, t.overdue, t.missing, str(t.percent)) == (3, 1, 1, 2, "33.3")
    t = selectors.visit_tally(selectors.figure_households(user=world["city"]), today=world["today"])
    assert (t.due, t.made, t.overdue) == (4, 1, 2)


def test_dashboard_equals_due_page_for_a_county_user(client, world, divisions):
    client.force_login(world["county"])
    dash = client.get("/assessment/").content.decode()
    due = client.get("/field/due/").content.decode()
    expected = {"due": "3", "made": "1", "overdue": "1", "percent": "33.3%"}
    assert _figures(dash, 'id="dash-visits"') == expected == _figures(due, "visits-card")
    # the county's townships side by side, each linked one level down; its persons responsible
    assert _row(due, "due-by-division", divisions["lizhou_town"].code) == ["3", "1", "2", "1", "33.3%"]
    assert _row(dash, "dash-visits-by-division", divisions["lizhou_town"].code) == ["3", "1", "2", "1", "33.3%"]
    assert _row(due, "due-by-cadre", str(world["jia"].pk)) == ["3", "1", "2", "1", "33.3%"]
    assert _row(dash, "dash-visits-by-cadre", str(world["jia"].pk)) == ["3", "1", "2", "1", "33.3%"]
    assert "帮扶人乙" not in due and "旺苍" not in due and "帮扶人乙" not in dash
    # drill down to the village (the last level: not linked further); another county answers 404
    town = client.get(f"/field/due/?division={divisions['lizhou_town'].code}").content.decode()
    assert _row(town, "due-by-division", divisions["lizhou_village"].code) == ["3", "1", "2", "1", "33.3%"]
    assert f"?division={divisions['lizhou_village'].code}" not in town
    village = client.get(f"/field/due/?division={divisions['lizhou_village'].code}").content.decode()
    assert _figures(village, "visits-card") == expected  # no children: counted directly, same figures
    assert client.get(f"/field/due/?division={divisions['wangcang'].code}").status_code == 404
    assert client.get("/field/due/?division=x").status_code == 404


def test_dashboard_equals_due_page_for_the_city_user_with_each_county(client, world, divisions):
    client.force_login(world["city"])
    dash = client.get("/assessment/").content.decode()
    due = client.get("/field/due/").content.decode()
    assert _figures(dash, 'id="dash-visits"') == {"due": "4", "made": "1", "overdue": "2", "percent": "25.0%"}
    assert _figures(due, "visits-card") == _figures(dash, 'id="dash-visits"')
    for page, table in ((due, "due-by-division"), (dash, "dash-visits-by-division")):
        assert _row(page, table, divisions["lizhou"].code) == ["3", "1", "2", "1", "33.3%"]
        assert _row(page, table, divisions["wangcang"].code) == ["1", "0", "1", "1", "0.0%"]
    assert _row(due, "due-by-cadre", str(world["yi"].pk)) == ["1", "0", "1", "1", "0.0%"]
    county = client.get(f"/field/due/?division={divisions['lizhou'].code}").content.decode()
    assert _figures(county, "visits-card") == {"due": "3", "made": "1", "overdue": "1", "percent": "33.3%"}


def test_the_phone_counts_the_cadres_row(client, world):
    client.force_login(world["cadre_user"])
    body = client.get("/field/api/households").json()
    assert body["month"] == {"due": 3, "made": 1, "overdue": 1}
    flags = {h["id"]: (h["due"], h["overdue"], h["mine"]) for h in body["households"]}
    h = world["h"]
    assert flags[h[1].pk] == (False, False, True)
    assert flags[h[2].pk] == (True, False, True)
    assert flags[h[3].pk] == (True, True, True)


def test_report_figures_count_household_months(world):
    from xiezuo.field.figures import book_figures, months_due

    today, h = world["today"], world["h"]
    first = selectors.previous_month_start(today)
    data = book_figures(year=today.year, prefixes=["510802"])
    made = 1 + (first.year == today.year)  # h1 this month, h2 last month when it is this year
    assert data["visits_made"] == made
    assert data["visits_due"] == 3 * months_due(today.year, today, first) > 0
    assert book_figures(year=today.year + 1, prefixes=["510802"])["visits_due"] == 0
    assert book_figures(year=2016, prefixes=["510802"])["visits_due"] == 0  # before the first recorded visit
    assert months_due(2025, dt.date(2026, 3, 5), dt.date(2025, 11, 20)) == 2
    assert months_due(2026, dt.date(2026, 3, 5), dt.date(2025, 11, 20)) == 3
    assert h[4].visits.count() == 1  # recorded, but not due, so not made


def test_an_eastern_office_counts_its_partner_county(client, world, divisions, make_user):
    """An eastern office's figures are its western partners' (accounts.region): numbers, never households."""
    from xiezuo.cooperation.models import Pairing

    Pairing.objects.create(level="county", east_division=divisions["huzhou"], west_division=divisions["wangcang"],
                           round="2018", valid_from=dt.date(2018, 1, 1))
    client.force_login(make_user("hz", role="east_office", division=divisions["huzhou"], kind="edit"))
    due = client.get("/field/due/").content.decode()
    assert _figures(due, "visits-card") == {"due": "1", "made": "0", "overdue": "1", "percent": "0.0%"}
    assert _row(due, "due-by-division", divisions["wangcang_town"].code) == ["1", "0", "1", "1", "0.0%"]
    assert "帮扶人甲" not in due and world["h"][6].number not in due and world["h"][6].head_name not in due
    assert client.get(f"/field/due/?division={divisions['lizhou'].code}").status_code == 404
