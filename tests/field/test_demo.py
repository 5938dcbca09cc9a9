"""The assistance-measure demo on the real demo chain at 1 %: every registered household has measures,
each consistent with the household's yearly facts and with the cooperation record that paid for it;
deterministic; `xiezuo report figures --json` counts them."""

from __future__ import annotations

import io
import json

import pytest


def _quiet(_message):
    pass


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from xiezuo.plugins import app_modules

    with django_db_blocker.unblock():
        for app, module in app_modules("demo"):
            if app in ("measure", "assessment", "consumption", "policy"):
                continue  # not needed here; monitoring falls back to the registry's candidates
            module.build(scale=0.01, seed=2013, log=_quiet)
    yield
    with django_db_blocker.unblock():  # empty the tables again for the modules after this one
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db
def test_every_household_has_measures_consistent_with_its_facts(demo):
    from django.db.models import Q

    from xiezuo.field.models import AssistanceMeasure
    from xiezuo.registry.models import Household, HouseholdYear

    measures = list(AssistanceMeasure.objects.select_related("placement__member", "attendee__member", "beneficiary",
                                                             "case"))
    assert measures
    assert not Household.objects.filter(synthetic=True).exclude(assistance_measures__isnull=False).exists()
    facts = {(hy.household_id, hy.year): hy for hy in HouseholdYear.objects.filter(year__gte=2013, year__lte=2026)}
    categories = {m.category for m in measures}
    assert {"dibao", "pension", "industry", "housing", "employment", "education"} <= categories
    for m in measures:
        assert m.year == m.on.year >= 2014 and m.amount >= 0
        hy = facts.get((m.household_id, m.year))
        if m.category == "dibao" and not m.case_id:
            assert hy.transfer_dibao > 0 and m.amount == hy.transfer_dibao
        if m.category == "pension" and not m.case_id:
            assert hy.transfer_pension > 0 and m.amount == hy.transfer_pension
        if m.category == "housing" and not m.case_id:
            before = facts[(m.household_id, m.year - 1)]
            assert before.housing_grade in ("C", "D") and hy.housing_grade in ("A", "B")
        if m.category == "health" and not m.case_id:
            assert 0 < m.amount <= hy.medical_expense
        if m.category == "education" and not m.case_id:
            assert 0 < m.amount <= hy.education_expense
        if m.placement_id:  # a placed worker's household earns wages that year
            assert m.category == "employment" and m.placement.member.household_id == m.household_id
            assert m.on == m.placement.start_date and hy.wage > 0
        if m.attendee_id:
            assert m.attendee.member.household_id == m.household_id
        if m.beneficiary_id:
            assert m.beneficiary.household_id == m.household_id and m.category == "industry"
        if m.case_id:
            assert m.case.household_id == m.household_id and m.risk_type in m.case.risk_types
    from xiezuo.labor.models import Placement

    assert AssistanceMeasure.objects.filter(placement__isnull=False).count() == Placement.objects.count() > 0
    assert AssistanceMeasure.objects.filter(~Q(case=None)).exists()  # the case measures are household measures


@pytest.mark.django_db
def test_the_demo_is_deterministic_and_keeps_the_case_measures(demo):
    from xiezuo.field import demo as field_demo
    from xiezuo.field.models import AssistanceMeasure

    def fingerprint():
        # by household number: the families entered from self-reports get new ids on a rebuild
        return sorted((number, category, on, amount, case is not None) for number, category, on, amount, case
                      in AssistanceMeasure.objects.values_list("household__number", "category", "on", "amount",
                                                               "case_id"))

    first = fingerprint()
    cases = AssistanceMeasure.objects.filter(case__isnull=False).count()
    field_demo.build(scale=0.01, seed=2013, log=_quiet)
    assert fingerprint() == first
    assert AssistanceMeasure.objects.filter(case__isnull=False).count() == cases > 0


@pytest.mark.django_db
def test_report_figures_count_measures_and_households(demo):
    from django.core.management import call_command

    from xiezuo.field.models import AssistanceMeasure

    out = io.StringIO()
    call_command("report", "figures", "--year", "2020", "--json", stdout=out)
    data = json.loads(out.getvalue())
    in_2020 = AssistanceMeasure.objects.filter(year=2020)
    assert data["assistance_measures"] == in_2020.count() > 0
    assert data["households_with_measures"] == in_2020.values("household_id").distinct().count() > 0
    assert data["visits_due"] == data["visits_made"] == 0  # no visit recorded in 2020: the app came later


@pytest.mark.django_db
def test_report_figures_count_this_years_visits_due_and_made(demo):
    """The demo's visits (this and last month, in 利州区) counted in household-months by the one definition."""
    from django.utils import timezone

    from xiezuo.field import selectors
    from xiezuo.field.figures import book_figures
    from xiezuo.field.models import Visit
    from xiezuo.registry.models import Household

    today = timezone.localdate()
    data = book_figures(year=today.year)
    due = selectors.households_due(Household.objects.all()).count()
    first = Visit.objects.order_by("on").values_list("on", flat=True).first()
    months = (today.month - first.month + 1) if first.year == today.year else today.month
    assert data["visits_due"] == due * months > 0
    this_month = selectors.visit_tally(Household.objects.all(), today=today)
    assert this_month.made > 0 and data["visits_made"] >= this_month.made


@pytest.mark.django_db
def test_the_field_demo_has_a_cadre_visits_and_self_reports_with_every_monitoring_category(demo, client):
    from xiezuo.accounts.models import User
    from xiezuo.field.models import SelfReport, Visit
    from xiezuo.monitoring.models import Case

    cadre = User.objects.get(username="cadre")
    client.force_login(cadre)
    households = client.get("/field/api/households").json()["households"]
    assert households and Visit.objects.filter(household_id__in=[h["id"] for h in households]).exists()
    assert {"unstable_exited", "marginal", "sudden_hardship"} <= set(Case.objects.values_list("category", flat=True))
    marginal = Case.objects.filter(category="marginal", source="self_report").select_related("household")
    assert marginal and all(c.household.number.startswith("SR") for c in marginal)
    assert SelfReport.objects.filter(status="new").exists() and SelfReport.objects.filter(status="confirmed").exists()
    # the county logins manage their persons responsible
    client.force_login(User.objects.get(username="lizhou"))
    assert client.get("/field/cadres/").status_code == 200
