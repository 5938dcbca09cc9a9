"""Policy versions: validation messages, shipped data, immutability once a published run used them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from xiezuo.measure.engine.spec import validate
from xiezuo.policy import seed, selectors, services
from xiezuo.policy.models import PolicyVersion


def test_shipped_specs_are_valid_and_carry_the_national_lines():
    for item in seed.shipped():
        assert validate(item["parameters"]) == [], item["name"]
    assert seed.parameters(2013)["poverty_line"] == "2736"
    assert seed.parameters(2016)["poverty_line"] == "2952"
    assert seed.parameters(2021)["monitoring_threshold"] == "6000"
    assert seed.parameters(2021)["sources"]["monitoring_threshold"] == "V"
    assert len([i for d in seed.GLOBAL_MPI["dimensions"] for i in d["indicators"]]) == 10


def test_validation_messages_say_what_is_wrong():
    params = seed.parameters(2021)
    params["mpi"]["dimensions"][0]["indicators"][0]["weight"] = 0.5
    params["mpi"]["dimensions"][1]["indicators"][0]["rule"] = {"field": "car_owner", "op": "==", "value": 0}
    params["mpi"]["k"] = 1.5
    errors = validate(params)
    assert any("sum to" in e and "must sum to 1" in e for e in errors)
    assert any("unknown field 'car_owner'" in e for e in errors)
    assert any("k = 1.5" in e and "(0, 1]" in e for e in errors)


def test_more_categories_or_indicators_than_the_masks_hold_are_refused():
    # the engine carries reasons and deprivations as 64-bit masks: 49 categories or 63 indicators do not fit
    params = seed.parameters(2021)
    rule = {"field": "food_secure", "op": "==", "value": 0}
    params["monitoring_categories"] = [{"code": f"c{i}", "rule": rule} for i in range(49)]
    params["mpi"]["dimensions"] = [{"name": "d", "indicators": [
        {"name": f"i{i}", "weight": 1 / 63, "rule": rule} for i in range(63)]}]
    errors = validate(params)
    assert "monitoring_categories: at most 48 categories, not 49" in errors
    assert "mpi: at most 62 indicators, not 63" in errors
    params["monitoring_categories"] = params["monitoring_categories"][:48]
    params["mpi"]["dimensions"][0]["indicators"] = [
        {"name": f"i{i}", "weight": 1 / 62, "rule": rule} for i in range(62)]
    assert validate(params) == []


@pytest.fixture
def shipped(divisions):
    services.load_shipped(years=[2020, 2021])
    return PolicyVersion.objects.get(name="national-2021")


def test_selectors_find_the_years_policy_and_threshold(shipped):
    assert selectors.policy_for(year=2021) == shipped
    assert selectors.monitoring_threshold(year=2021) == Decimal("6000")
    assert selectors.monitoring_threshold(year=2020) is None


def test_drafts_are_validated_and_published_versions_refuse_edits(shipped, make_user, divisions):
    admin = make_user("boss", role="admin")
    with pytest.raises(ValidationError, match="must sum to 1"):
        bad = seed.parameters(2021)
        bad["mpi"]["k"] = 0.5
        bad["mpi"]["dimensions"][0]["indicators"][0]["weight"] = 0.9
        services.policy_create(name="bad", province=divisions["sichuan"], year=2021, parameters=bad, user=admin)
    draft = services.policy_copy(policy=shipped, name="t-7800", user=admin, changes={"monitoring_threshold": "7800"})
    assert draft.status == "draft" and draft.parameters["monitoring_threshold"] == "7800"
    services.policy_update(policy=draft, user=admin, notes="raised")
    with pytest.raises(ValidationError, match="published"):
        services.policy_update(policy=shipped, user=admin, notes="x")


def test_a_policy_used_by_a_published_run_is_frozen(shipped, make_user):
    from xiezuo.measure.models import Run

    admin = make_user("boss", role="admin")
    draft = services.policy_copy(policy=shipped, name="used", user=admin)
    Run.objects.create(policy=draft, year=2021, status="succeeded", published=True)
    assert draft.frozen and not draft.editable
    with pytest.raises(ValidationError, match="no longer be changed"):
        services.policy_update(policy=draft, user=admin, notes="x")
