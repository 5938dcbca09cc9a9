"""Labour services: placements, students, workshops and workstations — rules, refusals, audit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.accounts.models import AuditEntry
from xiezuo.labor import services
from xiezuo.labor.models import Placement, VocationalStudent, Workshop, Workstation

VALID_USCC = "91510800MA62000018"  # check character computed with stdnum.cn.uscc below


@pytest.fixture
def member(make_member, divisions):
    return make_member(divisions["lizhou_village"], birth="19900101")


def place(user, member, **overrides):
    fields = dict(user=user, member=member, employer="台州某机电有限公司", place="partner_province",
                  start_date=dt.date(2019, 3, 1), end_date=dt.date(2019, 10, 31), monthly_wage=Decimal("4200.00"))
    fields.update(overrides)
    return services.placement_create(**fields)


def test_a_placement_computes_its_months_and_is_audited(staff, member):
    # given a member of 利州 and its county staff
    # when a job from March to October is recorded
    p = place(staff["lizhou"], member)
    # then it counts 8 months, is scoped by the member's village, and is in the audit log
    assert p.months_employed == 8
    assert p.village_id == member.household.village_id
    assert p.wage_in_start_year == Decimal("33600.00")
    entry = AuditEntry.objects.get(action="labor.placement.created", target_id=str(p.pk))
    assert entry.division_code == member.household.village_id


def test_an_open_placement_counts_to_the_end_of_the_year(staff, member):
    p = place(staff["lizhou"], member, end_date=None, start_date=dt.date(2020, 5, 20))
    assert p.months_employed == 8


@pytest.mark.parametrize(("overrides", "field"), [
    ({"end_date": dt.date(2019, 2, 1)}, "end_date"),
    ({"monthly_wage": Decimal("0")}, "monthly_wage"),
    ({"monthly_wage": Decimal("-10.00")}, "monthly_wage"),
    ({"monthly_wage": Decimal("3000.005")}, "monthly_wage"),
    ({"monthly_wage": 3000.5}, "monthly_wage"),
    ({"months_employed": 13}, "months_employed"),
    ({"months_employed": -1}, "months_employed"),
    ({"place": "mars"}, "place"),
    ({"place": "in_province", "end_date": None}, None),  # accepted: control case
])
def test_bad_input_is_refused_with_the_field_and_nothing_is_saved(staff, member, overrides, field):
    if field is None:
        assert place(staff["lizhou"], member, **overrides).pk
        return
    with pytest.raises(ValidationError) as exc:
        place(staff["lizhou"], member, **overrides)
    assert field in exc.value.message_dict
    assert not Placement.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="labor.").exists()


def test_a_deceased_member_cannot_be_placed(staff, member):
    member.deceased = True
    member.save()
    with pytest.raises(ValidationError) as exc:
        place(staff["lizhou"], member)
    assert "member" in exc.value.message_dict


def test_a_child_cannot_be_placed(staff, make_member, divisions):
    child = make_member(divisions["lizhou_village"], birth="20100601")
    with pytest.raises(ValidationError) as exc:
        place(staff["lizhou"], child)
    assert "16" in exc.value.message_dict["member"][0]


def test_another_countys_member_is_refused(staff, member):
    # given a 旺苍 staff member and a 利州 member
    with pytest.raises(ValidationError) as exc:
        place(staff["wangcang"], member)
    assert "member" in exc.value.message_dict
    assert not Placement.objects.exists()


def test_a_viewer_cannot_write(make_user, divisions, member):
    viewer = make_user("lz-viewer", division=divisions["lizhou"], kind="view")
    with pytest.raises((ValidationError, PermissionDenied)):
        place(viewer, member)


def test_update_is_audited_with_before_and_after(staff, member):
    p = place(staff["lizhou"], member)
    services.placement_update(user=staff["lizhou"], placement=p, monthly_wage=Decimal("4500.00"))
    entry = AuditEntry.objects.get(action="labor.placement.updated")
    assert entry.before["monthly_wage"] == "4200.00"
    assert entry.after["monthly_wage"] == "4500.00"


def test_workstation_and_workshop_rules(staff, divisions, wuxing, make_user):
    admin = make_user("boss", role="admin")
    # a workstation is in the east and serves a western county
    ws = services.workstation_create(user=admin, name="驻吴兴工作站", east_division=wuxing,
                                     serves=divisions["wangcang"], opened_on=dt.date(2018, 5, 1))
    assert AuditEntry.objects.filter(action="labor.workstation.created", target_id=str(ws.pk)).exists()
    with pytest.raises(ValidationError) as exc:
        services.workstation_create(user=admin, name="反了", east_division=divisions["wangcang"], serves=wuxing,
                                    opened_on=dt.date(2018, 5, 1))
    assert {"east_division"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        services.workstation_create(user=admin, name="x", east_division=wuxing, serves=divisions["wangcang"],
                                    opened_on=dt.date(2018, 5, 1), closed_on=dt.date(2017, 1, 1))
    # a workshop sits in a western village; its owner's USCC must be valid
    from stdnum.cn import uscc

    good = VALID_USCC[:-1] + uscc.calc_check_digit(VALID_USCC[:-1])
    shop = services.workshop_create(user=staff["wangcang"], name="乙村扶贫车间",
                                    village=divisions["wangcang_village"], opened_on=dt.date(2019, 1, 1),
                                    jobs_offered=30, owner_uscc=good.lower())
    assert shop.owner_uscc == good
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.workshop_create(user=staff["wangcang"], name="坏码车间", village=divisions["wangcang_village"],
                                 opened_on=dt.date(2019, 1, 1), owner_uscc=bad)
    assert "owner_uscc" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.workshop_create(user=staff["lizhou"], name="越界车间", village=divisions["wangcang_village"],
                                 opened_on=dt.date(2019, 1, 1))
    assert Workshop.objects.count() == 1 and Workstation.objects.count() == 1


def test_workshop_and_workstation_links_must_fit_the_place(staff, divisions, member, make_user):
    shop = services.workshop_create(user=staff["wangcang"], name="乙村车间", village=divisions["wangcang_village"],
                                    opened_on=dt.date(2019, 1, 1))
    with pytest.raises(ValidationError) as exc:
        place(staff["lizhou"], member, place="local", workshop=shop)
    assert "workshop" in exc.value.message_dict


def test_students_one_place_per_year_and_alive(staff, make_member, divisions):
    pupil = make_member(divisions["lizhou_village"], birth="20030301")
    s = services.student_create(user=staff["lizhou"], member=pupil, school="三门县职业中等专业学校",
                                programme='苍溪–三门 "2+1" 机电班', enrolled_year=2019)
    assert s.village_id == divisions["lizhou_village"].code
    assert AuditEntry.objects.filter(action="labor.student.created").count() == 1
    with pytest.raises(ValidationError):
        services.student_create(user=staff["lizhou"], member=pupil, school="x", enrolled_year=2019)
    with pytest.raises(ValidationError):
        services.student_create(user=staff["lizhou"], member=pupil, school="x", enrolled_year=19)
    with pytest.raises(ValidationError):
        services.student_create(user=staff["wangcang"], member=pupil, school="x", enrolled_year=2020)
    assert VocationalStudent.objects.count() == 1
