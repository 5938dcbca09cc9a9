"""Migration field 0001 copies monitoring's old case measures into the household measures, then
monitoring 0003 drops the old table: the case keeps its measures, now also the household's."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The registry as it stands now (its tables are not migrated back): only monitoring and field move.
BEFORE = [("monitoring", "0002_record_date_bounds"), ("geo", "0001_initial")]
AFTER = [("monitoring", "0003_measure_moved_to_field"), ("field", "0001_assistance_measure")]


@pytest.mark.django_db(transaction=True)
def test_case_measures_become_household_measures():
    executor = MigrationExecutor(connection)
    executor.migrate([("field", None)])  # unapplies monitoring 0003 too: the old table is back
    old = executor.loader.project_state(BEFORE + executor.loader.graph.leaf_nodes("registry")).apps
    Division = old.get_model("geo", "Division")
    village = Division.objects.create(code="510802101201", name="甲村", level="village", side="west")
    household = old.get_model("registry", "Household").objects.create(number="T1", village=village, head_name="甲")
    case = old.get_model("monitoring", "Case").objects.create(
        household=household, county_code="510802000000", year=2025, risk_types=["01"], source="staff_check",
        opened_on=dt.date(2025, 1, 2), stage_entered_on=dt.date(2025, 1, 2), stage="assisting")
    old.get_model("monitoring", "Measure").objects.create(
        case=case, kind="health", risk_type="01", description="大病保险", responsible="王医生",
        start_on=dt.date(2025, 1, 15), amount=Decimal("1200.50"), result="已报销")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    measure = new.get_model("field", "AssistanceMeasure").objects.get()
    assert (measure.household_id, measure.case_id, measure.year, measure.category, measure.risk_type) == \
        (household.pk, case.pk, 2025, "health", "01")
    assert (measure.content, measure.helper, measure.amount, measure.result) == \
        ("大病保险", "王医生", Decimal("1200.50"), "已报销")
    assert "monitoring_measure" not in connection.introspection.table_names()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the schema complete for the next tests
