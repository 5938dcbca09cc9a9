"""Talent services: exchanges (direction, dates, divisions), sessions and attendees; scope; audit; pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xiezuo.accounts.models import AuditEntry
from xiezuo.talent import selectors, services
from xiezuo.talent.models import Exchange, TrainingSession


def post(user, divisions, wuxing, **overrides):
    fields = dict(user=user, person_name="王建国", direction="e2w", kind="cadre", home_unit="吴兴区人民政府",
                  host_unit="旺苍县人民政府", west_division=divisions["wangcang"], east_division=wuxing,
                  start_date=dt.date(2019, 3, 1), end_date=dt.date(2021, 2, 28))
    fields.update(overrides)
    return services.exchange_create(**fields)


def test_an_exchange_is_scoped_audited_and_counts_its_months(staff, divisions, wuxing):
    e = post(staff["wangcang"], divisions, wuxing)
    assert e.months == 23
    assert AuditEntry.objects.filter(action="talent.exchange.created", division_code="510821000000").exists()
    assert list(selectors.exchange_list(user=staff["wangcang"], partner="330502", year=2019)) == [e]
    assert not selectors.exchange_list(user=staff["lizhou"]).exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"end_date": dt.date(2018, 1, 1)}, "end_date"),
    ({"direction": "up"}, "direction"),
    ({"kind": "astronaut"}, "kind"),
    ("swap", "west_division"),
])
def test_bad_exchanges_are_refused(staff, divisions, wuxing, overrides, field):
    if overrides == "swap":
        overrides = {"west_division": wuxing, "east_division": divisions["wangcang"]}
    with pytest.raises(ValidationError) as exc:
        post(staff["wangcang"], divisions, wuxing, **overrides)
    assert field in exc.value.message_dict
    assert not Exchange.objects.exists()


def test_out_of_scope_writes_are_refused(staff, divisions, wuxing):
    with pytest.raises(PermissionDenied):
        post(staff["lizhou"], divisions, wuxing)


def test_sessions_count_listed_attendees_or_the_headcount(staff, divisions, wuxing, make_member):
    counted = services.session_create(user=staff["wangcang"], title="劳务培训", date=dt.date(2019, 5, 1),
                                      place="旺苍", organiser="吴兴区人社局", audience="workers",
                                      west_division=divisions["wangcang"], east_division=wuxing, sessions=2,
                                      headcount=80)
    listed = services.session_create(user=staff["wangcang"], title="致富带头人班", date=dt.date(2019, 6, 1),
                                     place="湖州", organiser="吴兴区农业农村局", audience="village_leaders",
                                     west_division=divisions["wangcang"], headcount=0)
    member = make_member(divisions["wangcang_village"], birth="19800101")
    services.attendee_add(user=staff["wangcang"], session=listed, name=member.name, member=member)
    services.attendee_add(user=staff["wangcang"], session=listed, name="村支书")
    totals = selectors.training_totals(TrainingSession.objects.all())
    assert totals == {"sessions": 3, "person_times": 82, "medical_headcount": 0}
    assert counted.pk
    # refusals: no session, a western partner, a dead or out-of-scope member
    with pytest.raises(ValidationError):
        services.session_update(user=staff["wangcang"], session=counted, sessions=0)
    with pytest.raises(ValidationError):
        services.session_update(user=staff["wangcang"], session=counted, east_division=divisions["lizhou"])
    member.deceased = True
    member.save()
    with pytest.raises(ValidationError):
        services.attendee_add(user=staff["wangcang"], session=listed, name="x", member=member)
    other = make_member(divisions["lizhou_village"], birth="19800101")
    with pytest.raises(ValidationError):
        services.attendee_add(user=staff["wangcang"], session=listed, name="y", member=other)
    assert AuditEntry.objects.filter(action="talent.attendee.added").count() == 2


def test_talent_pages(client, staff, divisions, wuxing):
    client.force_login(staff["wangcang"])
    form = {"person_name": "李华", "direction": "w2e", "kind": "teacher", "home_unit": "旺苍中学",
            "host_unit": "吴兴高级中学", "west_division": divisions["wangcang"].pk, "east_division": wuxing.pk,
            "start_date": "2020-09-01", "end_date": "2021-01-31"}
    assert client.post("/talent/exchanges/new/", form).status_code == 302
    e = Exchange.objects.get()
    assert list(client.get("/talent/exchanges/?direction=w2e&year=2020").context["page"]) == [e]
    for url in (f"/talent/exchanges/{e.pk}/", f"/talent/exchanges/{e.pk}/edit/", "/talent/sessions/",
                "/talent/sessions/new/", "/api/talent/exchanges/?partner=330502"):
        assert client.get(url).status_code == 200, url
