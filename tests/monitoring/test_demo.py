"""The monitoring demo at 1 % of the book: every stage, 2021–2026, consistent, deterministic."""

from __future__ import annotations

from collections import Counter

import pytest

from xiezuo.monitoring import workflow as wf


def _quiet(_message):
    pass


@pytest.mark.django_db(transaction=False)
def test_demo_builds_every_stage_consistently_and_deterministically():
    from xiezuo.accounts import demo as accounts_demo
    from xiezuo.field.models import AssistanceMeasure as Measure
    from xiezuo.geo import demo as geo_demo
    from xiezuo.monitoring import demo
    from xiezuo.monitoring.models import Case, CaseRisk, CaseStep
    from xiezuo.registry import demo as registry_demo

    geo_demo.build(scale=0.01, seed=2013, log=_quiet)
    registry_demo.build(scale=0.01, seed=2013, log=_quiet)
    accounts_demo.build(scale=0.01, seed=2013, log=_quiet)
    first = demo.build(scale=0.01, seed=7, log=_quiet)
    fingerprint = sorted(Case.objects.values_list("household_id", "year", "stage", "opened_on", "category"))
    second = demo.build(scale=0.01, seed=7, log=_quiet)
    # Deterministic and replacing its own rows
    assert {k: v for k, v in first.items() if k != "seconds"} == {k: v for k, v in second.items() if k != "seconds"}
    assert sorted(Case.objects.values_list("household_id", "year", "stage", "opened_on", "category")) == fingerprint
    assert Case.objects.count() == first["cases"] > 0
    # Every stage is present and the monitoring years are 2021..2026
    assert set(Case.objects.values_list("stage", flat=True)) == set(wf.STAGES)
    assert set(Case.objects.values_list("year", flat=True)) <= set(range(2021, 2027))
    # Every case's step log is a legal walk ending at its stage; closed cases walked the whole path
    steps: dict[int, list[str]] = {}
    for case_id, to_stage in CaseStep.objects.order_by("case_id", "on", "id").values_list("case_id", "to_stage"):
        steps.setdefault(case_id, []).append(to_stage)
    measured = Counter()
    for case_id, risk in Measure.objects.values_list("case_id", "risk_type"):
        measured[(case_id, risk)] += 1
    for case in Case.objects.all():
        walk = steps[case.pk]
        assert walk[0] == wf.RISK_WARNING and walk[-1] == case.stage
        assert all(b in wf.TRANSITIONS[a] for a, b in zip(walk, walk[1:], strict=False))
        if case.stage == wf.CLOSED:
            assert wf.walked_required_path(walk)
            assert case.closed_on >= wf.add_months(case.identified_on, 6)
        if case.identified_on and case.stage != wf.RECORDED:
            assert all(measured[(case.pk, r)] for r in case.risk_types)
            assert case.category in wf.CATEGORIES
    # No household has two open cases for the same risk
    open_pairs = list(CaseRisk.objects.filter(is_open=True).values_list("household_id", "risk_type"))
    assert len(open_pairs) == len(set(open_pairs))
