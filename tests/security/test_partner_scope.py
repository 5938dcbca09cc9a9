"""An eastern office's scope follows dated pairings (found on the demo: today's pairings decided
it, so an office whose pairing ended in 2020 lost its own 2018–2020 visits while an open-ended
donor pairing made every earlier record visible); and the scope layer imports no domain app."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

import xiezuo.accounts
from xiezuo.cooperation.models import Enterprise, Meeting, Pairing, Visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(divisions):
    """湖州 paired with 利州区 2018–2020 (ended); 浙江 a donor of 旺苍县 since 2021 (open-ended)."""
    lz, wc = divisions["lizhou"], divisions["wangcang"]
    Pairing.objects.create(level="county", east_division=divisions["huzhou"], west_division=lz, round="2018",
                           valid_from=dt.date(2018, 1, 1), valid_to=dt.date(2020, 12, 31))
    Pairing.objects.create(level="donor", east_division=divisions["zhejiang"], west_division=wc, round="2021",
                           valid_from=dt.date(2021, 1, 1))

    def visit(county, day, title):
        return Visit.objects.create(west_division=county, date=day, kind="e2w", title=title)

    return {
        "lz_2019": visit(lz, dt.date(2019, 5, 1), "利州 2019"),
        "lz_2022": visit(lz, dt.date(2022, 5, 1), "利州 2022"),
        "wc_2019": visit(wc, dt.date(2019, 5, 1), "旺苍 2019"),
        "wc_2023": visit(wc, dt.date(2023, 5, 1), "旺苍 2023"),
        "lz_meeting_2020": Meeting.objects.create(west_division=lz, date=dt.date(2020, 12, 31), kind="joint",
                                                  title="利州 联席 2020"),
        "lz_firm_2019": Enterprise.objects.create(west_division=lz, year=2019, name="利州 企业 2019",
                                                  investment_arrived=Decimal("1000000")),
        "lz_firm_2021": Enterprise.objects.create(west_division=lz, year=2021, name="利州 企业 2021"),
    }


def _seen(user, model):
    return set(model.objects.restrict(user, "view").values_list("pk", flat=True))


def test_an_ended_pairing_still_shows_its_own_years(history, divisions, make_user):
    huzhou = make_user("hz", role="east_office", division=divisions["huzhou"], kind="view")
    assert _seen(huzhou, Visit) == {history["lz_2019"].pk}
    assert _seen(huzhou, Meeting) == {history["lz_meeting_2020"].pk}
    assert _seen(huzhou, Enterprise) == {history["lz_firm_2019"].pk}
    assert set(Pairing.objects.restrict(huzhou).values_list("west_division", flat=True)) == {"510802000000"}


def test_an_open_ended_donor_pairing_shows_only_its_own_years(history, divisions, make_user):
    # the province's office also covers 湖州's pairing (its grant is on 浙江 and everything below)
    donor = make_user("zj", role="east_office", division=divisions["zhejiang"], kind="view")
    assert _seen(donor, Visit) == {history["wc_2023"].pk, history["lz_2019"].pk}  # not 旺苍 2019
    assert _seen(donor, Enterprise) == {history["lz_firm_2019"].pk}


def test_the_detail_page_follows_the_same_rule(history, divisions, make_user, client):
    client.force_login(make_user("hz", role="east_office", division=divisions["huzhou"], kind="view"))
    from django.urls import reverse

    seen = client.get(reverse("cooperation:visit_detail", args=[history["lz_2019"].pk]))
    hidden = client.get(reverse("cooperation:visit_detail", args=[history["lz_2022"].pk]))
    assert seen.status_code == 200 and hidden.status_code == 404


def test_the_scope_layer_imports_no_domain_app():
    """accounts sits below the domain apps: pairings reach it through a registered provider."""
    domain = {"registry", "cooperation", "monitoring", "projects", "labor", "consumption", "talent",
              "assessment", "measure", "policy", "dataio"}
    root = Path(xiezuo.accounts.__file__).parent
    offending = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            for name in names:
                parts = name.split(".")
                if parts[0] == "xiezuo" and len(parts) > 1 and parts[1] in domain:
                    offending.append(f"{path.relative_to(root)}: {name}")
    assert offending == []
