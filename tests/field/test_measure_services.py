"""Assistance measures: one writer for the household, the import and the monitoring case; scope,
rules, audit; the household page and the case page read the same record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.accounts.models import AuditEntry
from xiezuo.field import services
from xiezuo.field.models import AssistanceMeasure


def test_record_is_scoped_checked_and_audited(staff_a, staff_b, household_a):
    m = services.measure_record(household=household_a, category="industry", on=dt.date(2019, 4, 2), user=staff_a,
                                content="猕猴桃种苗补助", helping_unit="县农业农村局", helper="张三", amount="3200.5")
    assert m.year == 2019 and m.amount == Decimal("3200.50")
    entry = AuditEntry.objects.get(action="field.measure.recorded")
    assert entry.target_id == str(m.pk) and entry.division_code == household_a.village_id
    with pytest.raises(PermissionDenied):
        services.measure_record(household=household_a, category="industry", on=dt.date(2019, 4, 2), user=staff_b)
    assert AssistanceMeasure.objects.count() == 1


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"on": dt.date(2013, 12, 31)}, "on"),
    ({"on": dt.date.today() + dt.timedelta(days=2)}, "on"),
    ({"amount": "-1"}, "amount"),
    ({"amount": "1.005"}, "amount"),
    ({"category": "lottery"}, "category"),
    ({"end_on": dt.date(2019, 1, 1)}, "end_on"),
    ({"risk_type": "01"}, "risk_type"),
])
def test_bad_measures_are_refused_with_the_field(staff_a, household_a, kwargs, field):
    args = {"household": household_a, "category": "education", "on": dt.date(2019, 9, 1), "user": staff_a,
            **kwargs}
    with pytest.raises(ValidationError) as info:
        services.measure_record(**args)
    assert field in info.value.message_dict
    assert not AssistanceMeasure.objects.exists()


def test_a_link_to_another_households_record_is_refused(staff_a, household_a, divisions, make_household):
    from xiezuo.labor.models import Placement

    other = make_household(divisions["lizhou_village"], members=(("510802198502021234", "01"),))
    placement = Placement.objects.create(member=other.members.get(), village=other.village, employer="厂",
                                         place="local", start_date=dt.date(2019, 3, 1), monthly_wage=Decimal("2000"),
                                         months_employed=10)
    with pytest.raises(ValidationError, match="another household"):
        services.measure_record(household=household_a, category="employment", on=dt.date(2019, 3, 1),
                                user=staff_a, placement=placement)
    ok = services.measure_record(household=other, category="employment", on=dt.date(2019, 3, 1), user=staff_a,
                                 placement=placement)
    assert ok.link_label == "placement"


def test_update_changes_descriptive_fields_and_audits_before_and_after(staff_a, household_a):
    m = services.measure_record(household=household_a, category="health", on=dt.date(2019, 5, 1), user=staff_a,
                                amount=100)
    services.measure_update(measure=m, user=staff_a, amount=Decimal("250.00"), result="已报销")
    m.refresh_from_db()
    assert m.amount == Decimal("250.00") and m.result == "已报销"
    entry = AuditEntry.objects.get(action="field.measure.updated")
    assert entry.before["amount"] == "100.00" and entry.after["amount"] == "250.00"
    with pytest.raises(ValueError):
        services.measure_update(measure=m, user=staff_a, household=None)


def _recorded_case(staff_a, household_a, walk):
    from xiezuo.monitoring import services as monitoring_services

    case = monitoring_services.case_open(household=household_a, risk_types=["01"], source="staff_check",
                                         user=staff_a, on=dt.date(2025, 1, 6))
    from xiezuo.monitoring import workflow as wf

    case = walk(case, wf.IDENTIFICATION[1:], staff_a, dt.date(2025, 1, 7))
    return monitoring_services.case_advance(case=case, to_stage=wf.RECORDED, user=staff_a, on=dt.date(2025, 1, 20),
                                            category="marginal")


def test_the_case_measure_is_a_household_measure_read_by_both_pages(client, staff_a, household_a, walk):
    from xiezuo.monitoring import services as monitoring_services

    case = _recorded_case(staff_a, household_a, walk)
    m = monitoring_services.measure_add(case=case, kind="health", risk_type="01", responsible="王医生",
                                        start_on=dt.date(2025, 2, 1), amount=Decimal("1200.50"), user=staff_a,
                                        description="医疗救助", helping_unit="县医疗保障局")
    assert isinstance(m, AssistanceMeasure) and m.household_id == household_a.pk and m.case_id == case.pk
    assert list(case.measures.all()) == [m]
    client.force_login(staff_a)
    case_page = client.get(f"/monitoring/cases/{case.pk}/").content.decode()
    household_page = client.get(f"/registry/households/{household_a.pk}/").content.decode()
    for page in (case_page, household_page):
        assert f'data-measure="{m.pk}"' in page or "医疗救助" in page
        assert "1,200.50" in page or "1200.50" in page
    assert 'id="measures-by-year"' in household_page and 'data-year="2025"' in household_page
    assert "县医疗保障局" in case_page


def test_household_page_puts_measures_beside_the_years_income(client, staff_a, household_a):
    services.measure_record(household=household_a, category="dibao", on=dt.date(2019, 1, 10), user=staff_a,
                            content="低保金", amount="2400")
    client.force_login(staff_a)
    page = client.get(f"/registry/households/{household_a.pk}/").content.decode()
    row = page[page.index('data-year="2019"'):]
    row = row[:row.index("</tr>")]
    assert "5200.00" in row and "低保金" in row and "2400.00" in row  # web.numformat's money


def test_measure_list_is_scoped_and_filtered(client, staff_a, staff_b, household_a):
    services.measure_record(household=household_a, category="dibao", on=dt.date(2019, 1, 10), user=staff_a,
                            content="按月发放农村低保", amount="2400")
    client.force_login(staff_a)
    assert "按月发放农村低保" in client.get("/field/measures/?year=2019&county=510802").content.decode()
    assert "按月发放农村低保" not in client.get("/field/measures/?year=2020").content.decode()
    client.force_login(staff_b)
    assert "按月发放农村低保" not in client.get("/field/measures/").content.decode()
