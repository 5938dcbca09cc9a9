"""The cooperation and projects demo reproduce the book's figures (domain brief §10.5):
fund pool 71,478,900.00 yuan at 6 %, 白叶一号 5,217 mu, round(1,817 × scale) beneficiaries."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    from xiezuo.geo.loaders import load_tree

    load_tree()


def _fix_ids(make_household, n):
    """n one-member households in 沙州镇 (510822107) with valid identity numbers."""
    from xiezuo.geo.models import Division
    from xiezuo.registry.identity import check_id_number

    villages = list(Division.objects.filter(level="village", code__startswith="510822107").order_by("code"))
    made = 0
    seq = 100
    while made < n:
        body = f"51082219900101{seq:03d}"
        seq += 1
        for check in "0123456789X":
            try:
                check_id_number(body + check)
            except Exception:  # noqa: BLE001, S112
                continue
            make_household(villages[made % len(villages)], members=((body + check, "01"),))
            made += 1
            break


def test_demo_reproduces_the_book(tree, make_household):
    from xiezuo.cooperation import demo as coop_demo
    from xiezuo.cooperation import figures as coop_figures
    from xiezuo.projects import demo, figures, selectors
    from xiezuo.projects.models import LedgerEntry, Project

    _fix_ids(make_household, 5)
    coop_demo.build(scale=0.002, seed=5, log=lambda m: None)
    demo.build(scale=0.002, seed=5, log=lambda m: None)  # round(1817 × 0.002) = 4 people
    first = list(LedgerEntry.objects.order_by("project__code", "date", "amount").values_list("project__code", "amount"))
    coop_demo.build(scale=0.002, seed=5, log=lambda m: None)
    demo.build(scale=0.002, seed=5, log=lambda m: None)
    again = list(LedgerEntry.objects.order_by("project__code", "date", "amount").values_list("project__code", "amount"))
    assert first == again  # deterministic and replaces itself

    got = figures.book_figures(year=2020)
    assert got["fund_pool_yuan"] == Decimal("71478900.00")
    assert got["white_tea_mu"] == 5217
    assert got["white_tea_beneficiaries"] == 4
    assert (got["projects_1996_2008"], got["investment_1996_2008_yuan"]) == (160, Decimal("1300000000.00"))
    assert (got["projects_2008_2011"], got["investment_2008_2011_yuan"]) == (547, Decimal("8700000000.00"))
    assert (got["projects_2011_2017"], got["investment_2011_2017_yuan"]) == (70, Decimal("37150000.00"))
    assert figures.book_figures(year=2017)["fund_pool_yuan"] == 0
    assert selectors.reconcile() == []
    assert coop_figures.book_figures(year=2020)["framework_agreements"] == 3
    assert Project.objects.get(tag="white_tea").county_id == "510822000000"


def test_each_industry_project_traces_to_registered_households_of_its_township(tree, make_household):
    import datetime as dt

    from xiezuo.cooperation import demo as coop_demo
    from xiezuo.dataio.sample import id_number
    from xiezuo.geo.models import Division
    from xiezuo.projects import demo
    from xiezuo.projects.models import Project, ProjectBeneficiary

    coop_demo.build(scale=0.002, seed=5, log=lambda m: None)
    demo.build(scale=0.002, seed=5, log=lambda m: None)
    # given registered households in the townships of three 2018–2020 industry projects, and one unregistered
    projects = list(Project.objects.filter(category="industry", year__range=(2018, 2020), place__level="township")
                    .exclude(tag="white_tea").order_by("code")[:3])
    for i, p in enumerate(projects):
        village = Division.objects.filter(parent=p.place, level="village").order_by("code").first()
        make_household(village, members=((id_number(i, p.place_id[:6]), "01"),), identified_on=dt.date(2014, 3, 1))
    village = Division.objects.filter(parent=projects[0].place, level="village").order_by("code").first()
    make_household(village, members=((id_number(9, projects[0].place_id[:6]), "01"),))
    # when the demo is built again (same seed: the same projects in the same places)
    demo.build(scale=0.002, seed=5, log=lambda m: None)
    # then each of those projects (and any other placed in those townships) is linked to a registered household
    # of its own township, a year after it started; the unregistered household never
    links = list(ProjectBeneficiary.objects.exclude(project__tag="white_tea").select_related("project", "household"))
    assert {p.code for p in projects} <= {b.project.code for b in links}
    assert {b.project.place_id for b in links} == {p.place_id for p in projects}
    for b in links:
        assert b.household.identified_on is not None and b.household.village.parent_id == b.project.place_id
        assert (b.people, b.year, b.synthetic) == (1, min(b.project.year + 1, 2020), True)
