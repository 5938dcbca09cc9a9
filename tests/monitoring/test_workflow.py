"""The case workflow as a pure state machine, property-based (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xiezuo.monitoring import workflow as wf

HAPPY_FACTS = dict(
    identified_on=dt.date(2025, 1, 10), risk_types=("01",), measured_risks=frozenset({"01"}),
    per_capita_income=Decimal("9000"), threshold=Decimal("7657.69"), income_stable=True,
    rigid_expense_resolved=True, three_guarantees=True, water_safe=True, whole_household_without_labour=False,
)


def facts(**over):
    return wf.EliminationFacts(today=over.pop("today", dt.date(2025, 8, 1)), **{**HAPPY_FACTS, **over})


def test_every_stage_has_its_transitions_and_terminals_have_none():
    assert set(wf.TRANSITIONS) == set(wf.STAGES)
    for stage, targets in wf.TRANSITIONS.items():
        assert set(targets) <= set(wf.STAGES)
        assert (targets == ()) == (stage in wf.TERMINAL)


def test_county_decision_needs_a_category():
    with pytest.raises(wf.IllegalTransition) as exc:
        wf.check_transition(wf.COUNTY_DECISION, wf.RECORDED, category="", risk_types=("01",))
    assert exc.value.code == "category_required"
    wf.check_transition(wf.COUNTY_DECISION, wf.RECORDED, category="marginal", risk_types=("01",))


def test_skipping_a_step_is_refused_with_the_allowed_steps():
    with pytest.raises(wf.IllegalTransition, match="allowed: commitment"):
        wf.check_transition(wf.HOME_VISIT, wf.PUBLIC_NOTICE)


@pytest.mark.parametrize(("over", "code"), [
    ({"today": dt.date(2025, 7, 9)}, "too_early"),  # 6 months after 2025-01-10 is 2025-07-10
    ({"measured_risks": frozenset()}, "measure_missing"),
    ({"risk_types": ("01", "0201")}, "measure_missing"),
    ({"per_capita_income": Decimal("7657.69")}, "income_below_line"),  # must be strictly above
    ({"income_stable": False}, "income_unstable"),
    ({"rigid_expense_resolved": False}, "rigid_expense"),
    ({"three_guarantees": False}, "three_guarantees"),
    ({"water_safe": False}, "water"),
    ({"whole_household_without_labour": True}, "no_labour"),
])
def test_elimination_guard_refuses_each_missing_condition(over, code):
    # Given a case meeting every §5.6 condition but one
    blockers = wf.elimination_blockers(facts(**over))
    # Then exactly that condition blocks the removal
    assert [c for c, _ in blockers] == [code]
    with pytest.raises(wf.IllegalTransition) as exc:
        wf.check_transition(wf.ELIMINATION_COUNTY_APPROVAL, wf.CLOSED, facts=facts(**over))
    assert exc.value.code == code


def test_elimination_guard_allows_at_six_months_when_everything_holds():
    assert wf.elimination_blockers(facts(today=dt.date(2025, 7, 10))) == []


def test_no_labour_message_says_monitoring_continues():
    [(code, message)] = wf.elimination_blockers(facts(whole_household_without_labour=True))
    assert "monitoring continues" in message


def test_structural_guard_before_the_check_ignores_income():
    f = facts(verified=False, per_capita_income=None, income_stable=False)
    assert wf.elimination_blockers(f) == []


def test_deadlines_cap_identification_at_fifteen_days():
    opened = dt.date(2025, 3, 1)
    assert wf.stage_due_on(wf.RISK_WARNING, opened, opened) == dt.date(2025, 3, 3)
    # a township review entered on day 14 is due on day 15 (the cap), not day 16
    assert wf.stage_due_on(wf.TOWNSHIP_REVIEW, dt.date(2025, 3, 14), opened) == dt.date(2025, 3, 16)
    assert wf.stage_due_on(wf.ASSISTING, dt.date(2025, 3, 14), opened) is None
    assert wf.is_overdue(wf.HOME_VISIT, dt.date(2025, 3, 5), dt.date(2025, 3, 6))
    assert not wf.is_overdue(wf.CLOSED, dt.date(2025, 3, 5), dt.date(2025, 3, 6))
    # the per-stage limits of the identification path add up to the 15-day cap
    assert sum(wf.STAGE_LIMIT_DAYS[s] for s in wf.IDENTIFICATION) == wf.IDENTIFICATION_LIMIT_DAYS


def test_fallback_threshold_table():
    assert wf.fallback_threshold(2021) == Decimal("6000.00")
    assert wf.fallback_threshold(2022) == Decimal("6300.00")
    assert wf.fallback_threshold(2023) == Decimal("6615.00")
    assert wf.fallback_threshold(2026) == Decimal("7657.69")


def test_add_months_clamps_month_end():
    assert wf.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)


# --- random action sequences ------------------------------------------------------------------

fact_sets = st.builds(
    facts,
    today=st.dates(dt.date(2025, 1, 1), dt.date(2026, 6, 1)),
    measured_risks=st.sampled_from([frozenset(), frozenset({"01"})]),
    per_capita_income=st.sampled_from([None, Decimal("5000"), Decimal("9000")]),
    income_stable=st.booleans(), rigid_expense_resolved=st.booleans(), three_guarantees=st.booleans(),
    water_safe=st.booleans(), whole_household_without_labour=st.booleans(),
)
actions = st.tuples(st.one_of(st.sampled_from(wf.STAGES), st.integers(0, 3)), st.sampled_from(["", *wf.CATEGORIES]), fact_sets)


@settings(max_examples=300, deadline=None)
@given(st.lists(actions, max_size=60))
def test_random_action_sequences_never_reach_an_illegal_state(seq):
    stage, visited, category = wf.RISK_WARNING, [wf.RISK_WARNING], ""
    for pick, cat, f in seq:
        # an int picks one of the moves allowed now (so walks get far), a stage is any move at all
        allowed = wf.TRANSITIONS[stage]
        to_stage = pick if isinstance(pick, str) else (allowed[pick % len(allowed)] if allowed else wf.CLOSED)
        try:
            wf.check_transition(stage, to_stage, category=cat or category, risk_types=("01",), facts=f)
        except wf.IllegalTransition:
            continue
        # a legal move is always one listed in the table
        assert to_stage in wf.TRANSITIONS[stage]
        if to_stage == wf.CLOSED:
            # the §5.6 guard held on the day of closing
            assert wf.elimination_blockers(f) == []
        if to_stage == wf.RECORDED:
            category = cat or category
            assert category in wf.CATEGORIES
        stage = to_stage
        visited.append(stage)
    assert stage in wf.STAGES
    if stage == wf.CLOSED:
        assert wf.walked_required_path(visited)
    if stage in wf.TERMINAL:
        assert wf.next_stages(stage) == ()
    if stage in (wf.RECORDED, wf.ASSISTING, *wf.ELIMINATION, wf.CLOSED):
        assert category in wf.CATEGORIES


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=40))
def test_any_walk_that_ends_closed_has_the_full_path(path):
    # a walk of legal moves, each picked among those allowed
    stage, visited = wf.RISK_WARNING, [wf.RISK_WARNING]
    for pick in path:
        allowed = wf.TRANSITIONS[stage]
        if not allowed:
            break
        stage = allowed[pick % len(allowed)]
        visited.append(stage)
    if stage == wf.CLOSED:
        assert wf.walked_required_path(visited)
        assert set(wf.REQUIRED_PATH) <= set(visited)
