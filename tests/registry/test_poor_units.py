"""Poor villages and counties through the database: designation and facts (services), a run judging them
(measure.UnitResult), `report figures`, the division pages and the dashboard as a county user and a city user."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from xiezuo.geo.models import DivisionPopulation
from xiezuo.measure import services as measure_services
from xiezuo.measure.models import UnitResult
from xiezuo.policy import services as policy_services
from xiezuo.policy.models import PolicyVersion
from xiezuo.registry import services

pytestmark = pytest.mark.django_db
YEAR = 2017
HAVES = {"collective_income": Decimal("80000"), "hardened_road": True, "clinic": True, "cultural_room": True,
         "telecom": True}


@pytest.fixture
def world(divisions, make_household, settings, tmp_path):
    """利州: a village at 2 % with all five haves, its county approved at 95 %; 旺苍: a village at 5 % without a
    clinic, its county approved at 85 %. One published 2017 run."""
    settings.DATA_DIR = tmp_path
    policy_services.load_shipped(years=[YEAR])
    for key, pop in (("lizhou_village", 100), ("wangcang_village", 20), ("lizhou", 100), ("wangcang", 100)):
        DivisionPopulation.objects.create(division=divisions[key], year=YEAR, rural_population=pop)
    two = (("510802199001011236", "01"), ("510802199202021234", "10"))
    make_household(divisions["lizhou_village"], members=two, year=YEAR, income=Decimal("2000"), exit_year=2018,
                   identified_on=dt.date(2014, 5, 1))
    make_household(divisions["wangcang_village"], members=(("510821199001011232", "01"),), year=YEAR,
                   income=Decimal("1000"), exit_year=2019, identified_on=dt.date(2014, 5, 1))
    units = {}
    for key, year in (("lizhou_village", 2014), ("wangcang_village", 2014), ("lizhou", 2013), ("wangcang", 2013)):
        units[key] = services.poor_unit_designate(division=divisions[key], designated_year=year,
                                                  designated_by="test list")
    services.village_facts_record(village=divisions["lizhou_village"], year=2016, **HAVES)
    services.village_facts_record(village=divisions["wangcang_village"], year=YEAR, **{**HAVES, "clinic": False})
    for key, approval in (("lizhou", "0.95"), ("wangcang", "0.85")):
        services.county_assessment_record(county=divisions[key], year=YEAR, wrong_exit_rate=Decimal("0.005"),
                                          missed_poor_rate=Decimal("0.004"), public_approval=Decimal(approval),
                                          source="third-party assessment (test)")
    services.poor_unit_exit(unit=units["lizhou"], exit_year=YEAR, exit_document="test approval")
    run = measure_services.run_execute(year=YEAR, policy=PolicyVersion.objects.get(name=f"national-{YEAR}"),
                                       publish=True)
    return {"run": run, "units": units, **divisions}


def test_designation_takes_the_division_level_and_refuses_others(divisions):
    unit = services.poor_unit_designate(division=divisions["lizhou_village"], designated_year=2014)
    assert unit.level == "village" and unit.status == "designated" and unit.status_in(2013) == ""
    with translation.override("en"), pytest.raises(ValidationError, match="Only a village or a county"):
        services.poor_unit_designate(division=divisions["lizhou_town"], designated_year=2014)
    with pytest.raises(ValidationError):
        services.poor_unit_exit(unit=unit, exit_year=2013)
    unit = services.poor_unit_exit(unit=unit, exit_year=2016)
    assert unit.status_in(2015) == "designated" and unit.status_in(2016) == "exited"


def test_a_run_judges_each_designated_unit(world):
    results = {r.division_id: r for r in UnitResult.objects.filter(run=world["run"])}
    village_ok, village_not = results["510802101201"], results["510821100201"]
    assert village_ok.may_exit and village_ok.reasons == ""
    assert {c["name"]: c["value"] for c in village_ok.criteria}["incidence"] == "0.020000"
    assert not village_not.may_exit and village_not.reasons == "incidence_too_high,no_clinic"
    assert results["510802000000"].may_exit
    assert not results["510821000000"].may_exit and results["510821000000"].reasons == "approval_too_low"
    assert world["run"].summary["units"] == {"village": {"judged": 2, "may_exit": 1},
                                             "county": {"judged": 2, "may_exit": 1}}


def test_report_figures_json_counts_poor_units(world):
    out = StringIO()
    call_command("report", "figures", "--year", str(YEAR), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["poor_villages"], data["poor_villages_exited"], data["poor_villages_may_exit"]) == (2, 0, 1)
    assert (data["poor_counties"], data["poor_counties_exited"], data["poor_counties_exited_in_year"],
            data["poor_counties_may_exit"]) == (2, 1, 1, 1)


def card(html: str, key: str) -> str:
    match = re.search(rf'data-key="{key}">([^<]*)<', html)
    assert match, f"no card {key}"
    return match.group(1).strip()


def test_the_city_user_sees_every_unit(client, world, make_user):
    client.force_login(make_user("gy", role="city_staff", division=world["guangyuan"]))
    html = client.get(reverse("web:home"), {"division": "510800000000", "year": YEAR}).content.decode()
    assert [card(html, k) for k in ("poor_villages", "poor_villages_may_exit", "poor_counties",
                                    "poor_counties_exited", "poor_counties_may_exit")] == ["2", "1", "2", "1", "1"]
    data = client.get("/assessment/data.json", {"year": YEAR}).json()
    values = {i["code"]: i["value"] for i in data["indicators"]}
    assert (values["poor_villages"], values["poor_villages_may_exit"], values["poor_counties_exited"]) == (2, 1, 1)
    assert "poor_villages_may_exit" in [c["code"] for c in data["cards"]]


def test_a_county_user_sees_their_county_only(client, world, make_user):
    client.force_login(make_user("lz", division=world["lizhou"]))
    html = client.get(reverse("web:home"), {"division": "510800000000", "year": YEAR}).content.decode()
    assert [card(html, k) for k in ("poor_villages", "poor_villages_may_exit", "poor_counties")] == ["1", "1", "1"]
    assert "510821" not in html
    # the other county's village: no designation, no criteria
    html = client.get(reverse("web:home"), {"division": "510821100201", "year": YEAR}).content.decode()
    assert 'data-key="designation"' not in html and "data-criterion" not in html
    data = client.get("/assessment/data.json", {"year": YEAR}).json()
    assert {i["code"]: i["value"] for i in data["indicators"]}["poor_villages"] == 1


def test_a_village_page_shows_its_designation_exit_and_criteria(client, world, make_user):
    client.force_login(make_user("lz", division=world["lizhou"]))
    with translation.override("en"):
        html = client.get(reverse("web:home"), {"division": "510802101201", "year": YEAR},
                          HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Poor village designated in 2014" in html and "test list" in html
    rows = dict(re.findall(r'data-criterion="(\w+)"><td>[^<]*</td><td class="num">([^<]*)</td>', html))
    assert rows == {"incidence": "2.00%", "collective_income": "80,000.00 yuan", "hardened_road": "yes",
                    "clinic": "yes", "cultural_room": "yes", "telecom": "yes"}
    html = client.get(reverse("web:home"), {"division": "510802000000", "year": YEAR},
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "贫困县" in html and "群众认可度" in html and "95.00%" in html


def test_the_list_of_poor_units_is_scoped_and_shows_the_judgement(client, world, make_user):
    client.force_login(make_user("lz", division=world["lizhou"]))
    url = reverse("registry:poor_unit_list")
    html = client.get(url, {"year": YEAR}).content.decode()
    assert "甲村" in html and "利州区" in html and "乙村" not in html and "旺苍县" not in html
    client.force_login(make_user("gy", role="city_staff", division=world["guangyuan"]))
    with translation.override("en"):
        html = client.get(url, {"year": YEAR, "level": "village"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "甲村" in html and "乙村" in html and "利州区</a>" not in html
    assert html.count(">met<") == 1 and html.count(">not yet<") == 1


def _judged(run) -> dict[str, tuple[bool, str]]:
    return {r.division_id: (r.may_exit, r.reasons) for r in UnitResult.objects.filter(run=run)}


def test_a_run_of_a_snapshot_judges_units_by_the_snapshots_facts(world, tmp_path):
    from tests.measure.test_snapshot import _as_format_1
    from xiezuo.measure import snapshot

    # given a snapshot of the year, then the facts recorded again: 旺苍's village has its clinic, 旺苍 95 %
    path = tmp_path / "snap"
    policy = world["run"].policy
    manifest = snapshot.write_registry(path, year=YEAR, policy=policy)
    assert manifest["tables"]["units"]["rows"] == 4 and manifest["tables"]["county_facts"]["rows"] == 2
    before = _judged(world["run"])
    services.village_facts_record(village=world["wangcang_village"], year=YEAR, **HAVES)
    services.county_assessment_record(county=world["wangcang"], year=YEAR, wrong_exit_rate=Decimal("0.005"),
                                      missed_poor_rate=Decimal("0.004"), public_approval=Decimal("0.95"),
                                      source="third-party assessment (test, again)")
    now = measure_services.run_execute(year=YEAR, policy=policy)
    assert _judged(now)["510821000000"] == (True, "") and _judged(now)["510821100201"] == (False, "incidence_too_high")
    # when the snapshot is run and published: its units are judged by the snapshot's facts, not today's
    run = measure_services.run_from_snapshot(path=path, publish=True)
    assert _judged(run) == before and run.summary["inputs"]["units_from"] == "snapshot"
    # and a recomputation of the published run judges them by its frozen facts too
    again = measure_services.run_reproduce(run=run)
    assert again.input_hash == run.input_hash
    assert {j.code: (j.may_exit, ",".join(j.reasons)) for j in again.units} == before
    # while a snapshot written before format 2 (no unit facts) is judged by the database's, as the log says
    _as_format_1(path)
    logged = []
    old = measure_services.run_from_snapshot(path=path, log=logged.append)
    assert _judged(old) == _judged(now) and old.summary["inputs"]["units_from"] == "database"
    assert any("holds no unit facts" in line for line in logged)
