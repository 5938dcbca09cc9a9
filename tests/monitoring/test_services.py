"""Case services: opening, the full path to risk removal, duplicates, deadlines, measures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.accounts.models import AuditEntry
from xiezuo.monitoring import selectors, services
from xiezuo.monitoring import workflow as wf
from xiezuo.monitoring.models import Case, CaseRisk, CaseStep

IDENT = [wf.HOME_VISIT, wf.COMMITMENT, wf.DATA_COMPARISON, wf.DEMOCRATIC_APPRAISAL, wf.PUBLIC_NOTICE,
         wf.TOWNSHIP_REVIEW, wf.COUNTY_DECISION]
START = dt.date(2025, 1, 2)


def open_case(household, user, risks=("01",), on=START, **kw):
    return services.case_open(household=household, risk_types=risks, source="staff_check", user=user, on=on, **kw)


def recognise(case, user, walk, category="marginal"):
    case = walk(case, IDENT, user, START)
    return services.case_advance(case=case, to_stage=wf.RECORDED, user=user, on=START + dt.timedelta(days=10),
                                 category=category, comment="县级审定")


def test_main_path_from_signal_to_risk_removed(staff_a, household_a, walk):
    from xiezuo.registry.models import HouseholdYear

    # Given a case opened by a staff check and recognised by the county
    case = recognise(open_case(household_a, staff_a), staff_a, walk)
    assert case.identified_on == dt.date(2025, 1, 12) and case.category == "marginal"
    assert case.income_at_identification == Decimal("3000.00")
    household_a.refresh_from_db()
    assert household_a.status == "monitored"
    # When assistance is given and, later, the income is above the line
    case = services.case_advance(case=case, to_stage=wf.ASSISTING, user=staff_a, on=dt.date(2025, 1, 13))
    services.measure_add(case=case, kind="health", risk_type="01", responsible="王医生", user=staff_a,
                         start_on=dt.date(2025, 1, 15), amount=Decimal("1200.50"), result="大病保险报销")
    HouseholdYear.objects.create(household=household_a, year=2026, size=1, wage=Decimal("9000"))
    case = walk(case, wf.ELIMINATION, staff_a, dt.date(2026, 1, 5),
                **{wf.ELIMINATION_APPRAISAL: {"income_stable": True, "rigid_expense_resolved": True}})
    case = services.case_advance(case=case, to_stage=wf.CLOSED, user=staff_a, on=dt.date(2026, 1, 20))
    # Then the case is closed, every step is logged in order and audited, the risk is released
    assert case.stage == wf.CLOSED and case.closed_on == dt.date(2026, 1, 20)
    stages = [s.to_stage for s in CaseStep.objects.filter(case=case).order_by("id")]
    assert wf.walked_required_path(stages)
    assert AuditEntry.objects.filter(action="monitoring.case.advanced", target_id=str(case.pk)).count() == len(wf.REQUIRED_PATH) - 1
    assert not CaseRisk.objects.filter(case=case, is_open=True).exists()
    household_a.refresh_from_db()
    assert household_a.status == "risk_eliminated"


def test_removal_refused_before_six_months_and_without_a_measure(staff_a, household_a, walk):
    case = recognise(open_case(household_a, staff_a), staff_a, walk)
    case = services.case_advance(case=case, to_stage=wf.ASSISTING, user=staff_a, on=dt.date(2025, 1, 13))
    with pytest.raises(ValidationError) as exc:
        services.case_advance(case=case, to_stage=wf.ELIMINATION_CHECK, user=staff_a, on=dt.date(2025, 3, 1))
    text = " ".join(exc.value.messages)
    assert "six months" in text and "measure" in text
    assert Case.objects.get(pk=case.pk).stage == wf.ASSISTING


def test_income_below_threshold_sends_it_back_to_assisting(staff_a, household_a, walk):
    case = recognise(open_case(household_a, staff_a), staff_a, walk)
    case = services.case_advance(case=case, to_stage=wf.ASSISTING, user=staff_a, on=dt.date(2025, 1, 13))
    services.measure_add(case=case, kind="employment", risk_type="01", responsible="李", user=staff_a,
                         start_on=dt.date(2025, 1, 15))
    case = services.case_advance(case=case, to_stage=wf.ELIMINATION_CHECK, user=staff_a, on=dt.date(2025, 8, 1))
    # 2025 per-capita income 3,000 is below the 2025 threshold 7,293.04
    with pytest.raises(ValidationError, match="7293.04"):
        services.case_advance(case=case, to_stage=wf.ELIMINATION_APPRAISAL, user=staff_a, on=dt.date(2025, 8, 2),
                              income_stable=True, rigid_expense_resolved=True)
    case = services.case_advance(case=case, to_stage=wf.ASSISTING, user=staff_a, on=dt.date(2025, 8, 2),
                                 comment="收入未达标，继续帮扶")
    assert case.stage == wf.ASSISTING


def test_whole_household_without_labour_is_not_removed(staff_a, household_a, walk):
    household_a.members.update(labour="none")
    case = recognise(open_case(household_a, staff_a), staff_a, walk)
    case = services.case_advance(case=case, to_stage=wf.ASSISTING, user=staff_a, on=dt.date(2025, 1, 13))
    services.measure_add(case=case, kind="social_protection", risk_type="01", responsible="民政", user=staff_a,
                         start_on=dt.date(2025, 1, 15))
    with pytest.raises(ValidationError, match="monitoring continues"):
        services.case_advance(case=case, to_stage=wf.ELIMINATION_CHECK, user=staff_a, on=dt.date(2025, 9, 1))


def test_illegal_transition_is_refused_with_a_message(staff_a, household_a):
    case = open_case(household_a, staff_a)
    with pytest.raises(ValidationError, match="cannot move"):
        services.case_advance(case=case, to_stage=wf.PUBLIC_NOTICE, user=staff_a, on=START)


def test_rejection_at_township_review_closes_and_frees_the_risk(staff_a, household_a, walk):
    case = walk(open_case(household_a, staff_a), IDENT[:-1], staff_a, START)
    case = services.case_advance(case=case, to_stage=wf.CLOSED_NOT_IDENTIFIED, user=staff_a, on=START,
                                 comment="收入核实高于监测线")
    assert case.stage == wf.CLOSED_NOT_IDENTIFIED and case.identified_on is None
    # the same risk can be opened again once the earlier case is closed
    assert open_case(household_a, staff_a, on=dt.date(2025, 2, 1)).pk != case.pk


def test_same_household_and_risk_never_open_twice(staff_a, household_a):
    open_case(household_a, staff_a, risks=("01", "0201"))
    with pytest.raises(ValidationError, match="already has an open case"):
        open_case(household_a, staff_a, risks=("0201",))
    # another risk is fine
    assert open_case(household_a, staff_a, risks=("07",)).risk_types == ["07"]


def test_database_constraint_backs_the_service(staff_a, household_a):
    from django.db import IntegrityError, transaction

    case = open_case(household_a, staff_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseRisk.objects.create(case=case, household=household_a, risk_type="01")


def test_open_validates_risks_and_department(staff_a, household_a):
    with pytest.raises(ValidationError, match="Unknown risk"):
        open_case(household_a, staff_a, risks=("42",))
    with pytest.raises(ValidationError, match="At most 5"):
        open_case(household_a, staff_a, risks=("01", "03", "04", "05", "06", "07"))
    with pytest.raises(ValidationError, match="department"):
        services.case_open(household=household_a, risk_types=["01"], source="department_warning",
                           user=staff_a, on=START)


def test_overdue_from_stage_limits(staff_a, household_a, divisions):
    case = open_case(household_a, staff_a, on=dt.date(2025, 3, 1))
    assert case.stage_due_on == dt.date(2025, 3, 3)
    assert not case.is_overdue(dt.date(2025, 3, 3))
    assert case.is_overdue(dt.date(2025, 3, 4))
    queue = selectors.case_list(user=staff_a, filters=selectors.CaseFilter(queue="overdue"), today=dt.date(2025, 3, 4))
    assert list(queue) == [case]
    counts = selectors.case_counts(staff_a, today=dt.date(2025, 3, 4))
    assert counts["overdue"] == 1 and counts["mine"] == 1 and counts["by_stage"][wf.RISK_WARNING] == 1
    assert counts["by_county"]["510802000000"]["open"] == 1


def test_scope_county_b_cannot_see_or_act(staff_a, staff_b, household_a, make_user, divisions):
    from django.http import Http404

    case = open_case(household_a, staff_a)
    assert not selectors.case_list(user=staff_b).exists()
    with pytest.raises(Http404):
        selectors.case_detail(user=staff_b, pk=case.pk)
    with pytest.raises(PermissionDenied):
        services.case_advance(case=case, to_stage=wf.HOME_VISIT, user=staff_b, on=START)
    with pytest.raises(PermissionDenied):
        open_case(household_a, staff_b, risks=("07",))
    east = make_user("east", role="east_office", division=divisions["huzhou"], kind="view")
    assert selectors.case_counts(east)["total"] == 0
    assert selectors.case_counts(staff_b)["total"] == 0
    assert selectors.case_counts(staff_a)["total"] == 1


def test_measure_rules(staff_a, household_a, walk):
    case = open_case(household_a, staff_a)
    with pytest.raises(ValidationError, match="once the case is recorded"):
        services.measure_add(case=case, kind="health", risk_type="01", responsible="x", user=staff_a,
                             start_on=START)
    case = recognise(case, staff_a, walk)
    with pytest.raises(ValidationError, match="not one of this case's risks"):
        services.measure_add(case=case, kind="health", risk_type="03", responsible="x", user=staff_a,
                             start_on=START)
    m = services.measure_add(case=case, kind="finance", risk_type="01", responsible="x", user=staff_a,
                             start_on=START, amount="50000")
    assert m.amount == Decimal("50000.00")


def test_engine_intake_with_a_fake_flag_list(staff_a, household_a, divisions, make_household):
    from types import SimpleNamespace

    from xiezuo.monitoring import signals

    other = make_household(divisions["lizhou_village"], members=(("510802199202021234", "01"),))
    third = make_household(divisions["lizhou_village"], members=(("510802199303031238", "01"),))
    # the shapes measure.selectors.flagged_households returns (objects) and plain mappings
    flags = [SimpleNamespace(household=household_a, household_id=household_a.pk, category="sudden_difficulty",
                             reasons=["rigid_expenditure", "medical_expense"], pcni=Decimal("6500")),
             {"household_id": other.pk, "category": "marginal", "reasons": ["0201"]},
             {"household": third, "category": "unstable_exited", "reasons": ["below_monitoring_line"]}]
    result = signals.open_from_flags(flags, user=staff_a, run_id=7, year=2025, on=START)
    assert [c.risk_types for c in result.opened] == [["01"], ["0201"], ["99"]]
    assert all(c.source == "engine_flag" and c.source_run_id == 7 for c in result.opened)
    assert signals.category_from_flag("sudden_difficulty") == "sudden_hardship"
    # a second intake of the same run skips the households already open
    again = signals.open_from_flags(flags, user=staff_a, run_id=7, year=2025, on=START)
    assert again.opened == [] and len(again.skipped) == 3
