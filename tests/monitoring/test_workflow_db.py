"""Random action sequences through the services (Hypothesis, against the database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from xiezuo.monitoring import services
from xiezuo.monitoring import workflow as wf
from xiezuo.monitoring.models import Case, CaseRisk, CaseStep

# mostly "next" (one of the moves allowed now, so walks get far), sometimes any move, sometimes a measure
action = st.tuples(st.sampled_from(["next"] * 5 + ["advance", "measure", "measure"]), st.sampled_from(wf.STAGES),
                   st.sampled_from([0, 0, 0, 0, 1]), st.sampled_from([0, 1, 2, 3, 200]), st.sampled_from(wf.CATEGORIES), st.booleans(),
                   st.sampled_from(["01", "07"]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(actions=st.lists(action, min_size=5, max_size=60), rich=st.booleans(), no_labour=st.booleans(),
       from_assisting=st.booleans())
def test_services_never_reach_an_illegal_state(staff_a, divisions, make_household, actions, rich, no_labour,
                                               from_assisting):
    from django.db import transaction

    with transaction.atomic():  # each example starts from the same database
        _run(staff_a, divisions, make_household, actions, rich, no_labour, from_assisting)
        transaction.set_rollback(True)


def _run(staff_a, divisions, make_household, actions, rich, no_labour, from_assisting):
    from xiezuo.registry.models import HouseholdYear

    hh = make_household(divisions["lizhou_village"], year=2024, income=Decimal("3000"))
    if rich:
        HouseholdYear.objects.create(household=hh, year=2026, size=1, wage=Decimal("9000"))
    if no_labour:
        hh.members.update(labour="none")
    case = services.case_open(household=hh, risk_types=["01", "07"], source="staff_check", user=staff_a,
                              on=dt.date(2024, 1, 2))
    day = dt.date(2024, 1, 2)
    if from_assisting:  # half the examples start their random walk at assistance, where removal is decided
        for stage in (*wf.IDENTIFICATION[1:], wf.RECORDED, wf.ASSISTING):
            case = services.case_advance(case=case, to_stage=stage, user=staff_a, on=day, category="marginal")
        for risk in ("01", "07"):
            services.measure_add(case=case, kind="health", risk_type=risk, responsible="x", user=staff_a, start_on=day)
    for kind, stage, pick, gap, category, confirm, risk in actions:
        case = Case.objects.get(pk=case.pk)
        day = min(day + dt.timedelta(days=gap), dt.date(2026, 11, 1))
        try:
            if kind == "measure":
                services.measure_add(case=case, kind="health", risk_type=risk, responsible="x", user=staff_a,
                                     start_on=day)
                continue
            allowed = wf.TRANSITIONS[case.stage]
            to_stage = stage if kind == "advance" or not allowed else allowed[pick % len(allowed)]
            services.case_advance(case=case, to_stage=to_stage, user=staff_a, on=day, category=category,
                                  income_stable=confirm, rigid_expense_resolved=confirm)
        except ValidationError:
            pass
    case = Case.objects.get(pk=case.pk)
    walk = list(CaseStep.objects.filter(case=case).order_by("id").values_list("to_stage", flat=True))
    # the log is a legal walk ending where the case is
    assert walk[0] == wf.RISK_WARNING and walk[-1] == case.stage
    assert all(b in wf.TRANSITIONS[a] for a, b in zip(walk, walk[1:], strict=False))
    event(f"final stage {case.stage}")
    if case.stage == wf.CLOSED:
        # every required step in order, and the §5.6 guard held
        assert wf.walked_required_path(walk)
        assert rich and not no_labour
        assert case.closed_on >= wf.add_months(case.identified_on, 6)
        assert set(case.measures.values_list("risk_type", flat=True)) >= {"01", "07"}
    if case.stage in (wf.RECORDED, wf.ASSISTING, *wf.ELIMINATION, wf.CLOSED):
        assert case.category in wf.CATEGORIES and case.identified_on is not None
    # risks are open exactly while the case is
    assert set(CaseRisk.objects.filter(case=case).values_list("is_open", flat=True)) == {case.is_open}
