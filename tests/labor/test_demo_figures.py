"""The labour, consumption and talent demos against the book (协调发展道路, 2021, ch. 1; domain brief §9 #39–#41,
#56, #60–#63, §10.5): 6 workstations, 57 workshops, 16,400 people placed and 475 students (both scaled and
rounded), 3,360,000,000.00 yuan of sales exactly at every scale; 青川 2012–2017 training 200 sessions,
12,000+ person-times, 600+ medical staff; 2–4 cadres and 10–30 professionals per county and year.

The demos run on the real division tree and a small hand-made registry (built once for the module,
committed, removed at the end) so that the test stays fast.
"""

import datetime as dt
from decimal import Decimal

import pytest

SCALE = 0.01
SEED = 5
COUNTIES = ("510802", "510811", "510812", "510821", "510822", "510823", "510824")


def _quiet(_message):
    pass


def _registry():
    """Per county: 40 working-age members, 5 born 2003 (students for 2018–2020), 5 aged, 1 deceased adult;
    every household earns wages in 2018–2020 (the demo places only members of households that do)."""
    from xiezuo.geo.models import Division
    from xiezuo.registry.models import Household, HouseholdYear, Member

    households, members = [], []
    n = 0
    for county in COUNTIES:
        village = Division.objects.filter(level="village", code__startswith=county).order_by("code").first()
        births = [dt.date(1965 + i % 35, 1 + i % 12, 1) for i in range(40)] + [dt.date(2003, 3, 1)] * 5 \
            + [dt.date(1940, 1, 1)] * 5
        for i, born in enumerate(births + [dt.date(1980, 1, 1)]):
            n += 1
            hh = Household(id=900_000 + n, number=f"DEMO-T{n:05d}", village=village, head_name=f"户主{n}",
                           synthetic=True)
            households.append(hh)
            members.append(Member(id=900_000 + n, household=hh, name=f"成员{n}", sex="MF"[i % 2], birth_date=born,
                                  relation="01", deceased=i == len(births), synthetic=True))
    Household.objects.bulk_create(households)
    Member.objects.bulk_create(members)
    HouseholdYear.objects.bulk_create([HouseholdYear(household=hh, year=year, size=1, wage=Decimal("12000"))
                                       for hh in households for year in (2018, 2019, 2020)])
    return len(members)


def _remove():
    from xiezuo.consumption import demo as consumption_demo
    from xiezuo.geo.models import Division
    from xiezuo.labor import demo as labor_demo
    from xiezuo.registry.models import Household, Member
    from xiezuo.talent import demo as talent_demo

    talent_demo.delete_previous()
    consumption_demo.delete_previous()
    labor_demo.delete_previous()
    Member.objects.filter(synthetic=True, id__gte=900_000).delete()
    Household.objects.filter(synthetic=True, id__gte=900_000).delete()
    for level in ("village", "township", "county", "city", "province"):
        Division.objects.filter(level=level).delete()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from xiezuo.consumption import demo as consumption_demo
    from xiezuo.geo.loaders import load_tree
    from xiezuo.labor import demo as labor_demo
    from xiezuo.talent import demo as talent_demo

    with django_db_blocker.unblock():
        load_tree()
        _registry()
        stats = {"labor": labor_demo.build(scale=SCALE, seed=SEED, log=_quiet),
                 "consumption": consumption_demo.build(scale=SCALE, seed=SEED, log=_quiet),
                 "talent": talent_demo.build(scale=SCALE, seed=SEED, log=_quiet)}
    yield stats
    with django_db_blocker.unblock():
        _remove()


def test_report_figures_match_the_book_at_small_scale(demo, db):
    from xiezuo.plugins import book_figures

    figures = book_figures(year=2020)
    assert figures["workstations"] == 6
    assert figures["workshops"] == 57
    assert figures["labour_placed_poor"] == round(16_400 * SCALE) == 164
    assert figures["students_east"] == round(475 * SCALE) == 5
    assert figures["consumption_sales_yuan"] == Decimal("3360000000.00")
    # cumulative from 2018: a year earlier there is less
    assert book_figures(year=2019)["consumption_sales_yuan"] < Decimal("3360000000.00")


def test_placed_people_are_living_working_age_members_in_guangyuan(demo, db):
    from xiezuo.labor.models import Placement

    rows = list(Placement.objects.select_related("member", "member__household"))
    assert len({p.member_id for p in rows}) == len(rows) == 164
    for p in rows:
        assert not p.member.deceased
        assert 16 <= p.member.age_in(p.start_date.year) <= 60
        assert p.village_id == p.member.household.village_id
        assert 0 <= p.months_employed <= 12 and p.monthly_wage > 0
        assert 2018 <= p.start_date.year <= 2020


def test_consumption_is_exact_at_another_scale_and_the_demo_is_deterministic(demo, db):
    from xiezuo.consumption import demo as consumption_demo
    from xiezuo.consumption.figures import book_figures
    from xiezuo.consumption.models import Sale
    from xiezuo.labor import demo as labor_demo
    from xiezuo.labor.models import Placement

    consumption_demo.build(scale=0.03, seed=SEED + 1, log=_quiet)
    assert Sale.objects.count() == 600
    assert book_figures(year=2020)["consumption_sales_yuan"] == Decimal("3360000000.00")
    first = set(Placement.objects.values_list("member_id", "start_date", "monthly_wage"))
    labor_demo.build(scale=SCALE, seed=SEED, log=_quiet)
    assert set(Placement.objects.values_list("member_id", "start_date", "monthly_wage")) == first


def test_a_small_registry_places_everyone_it_can_and_says_so(demo, db):
    from xiezuo.labor import demo as labor_demo
    from xiezuo.labor.figures import book_figures

    messages = []
    labor_demo.build(scale=0.1, seed=SEED, log=messages.append)
    assert book_figures(year=2020)["labour_placed_poor"] == 7 * 40  # every living working-age member
    assert any("fewer than 1,640" in m for m in messages)


def test_talent_reproduces_qingchuan_training_and_plausible_exchanges(demo, db):
    from django.db.models import Count, Q, Sum

    from xiezuo.talent.models import Exchange, TrainingSession

    qc = TrainingSession.objects.filter(west_division_id="510822000000", date__year__range=(2012, 2017))
    agg = qc.aggregate(sessions=Sum("sessions"), people=Sum("headcount"),
                       medical=Sum("headcount", filter=Q(audience="medical")))
    assert agg["sessions"] == 200
    assert agg["people"] >= 12_000
    assert agg["medical"] >= 600
    per = Exchange.objects.values("west_division_id", "start_date__year").annotate(
        cadres_e2w=Count("id", filter=Q(kind="cadre", direction="e2w")),
        professionals=Count("id", filter=~Q(kind="cadre")))
    assert len(per) == 6 * 3
    for row in per:
        assert 2 <= row["cadres_e2w"] <= 4
        assert 10 <= row["professionals"] <= 30
