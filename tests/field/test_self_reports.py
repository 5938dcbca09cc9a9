"""Households' own reports (农户自主申报): the village is a signed token, the public form shows nothing of
the registry whatever is typed, it is rate- and size-limited; reports land in the township's queue with a
suggested household, and become a monitoring signal when a cadre confirms them, also for a new household."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from xiezuo.field import reports
from xiezuo.field.models import SelfReport


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def registered(divisions, make_household):
    return make_household(divisions["lizhou_village"], head_name="王秘密", phone="13512345678",
                          members=(("510802199001011236", "01"),))


def _url(divisions):
    return f"/field/r/{reports.village_token(divisions['lizhou_village'].code)}/"


def _report(client, url, **fields):
    data = {"name": "王秘密", "kind": "illness", "phone": "13512345678", "detail": "住院了", **fields}
    return client.post(url, data, REMOTE_ADDR=fields.pop("ip", "10.0.0.1"))


def test_the_token_is_signed_not_enumerable(client, divisions):
    url = _url(divisions)
    assert divisions["lizhou_village"].code not in url
    assert client.get(url).status_code == 200
    assert client.get(url[:-3] + "x/").status_code == 404
    assert client.get(f"/field/r/{divisions['lizhou_village'].code}/").status_code == 404
    town = reports.village_token(divisions["lizhou_town"].code)  # a valid signature, but not a village
    assert client.get(f"/field/r/{town}/").status_code == 404


def test_the_public_form_shows_nothing_of_the_registry(client, divisions, registered):
    url = _url(divisions)
    form = client.get(url).content.decode()
    thanks = _report(client, url).content.decode()
    unknown = _report(client, url, name="张无名", phone="13900000000", ip="10.0.0.2").content.decode()
    for page in (form, thanks, unknown):
        assert registered.number not in page and "1236" not in page
    assert thanks.replace("王秘密", "") == unknown.replace("张无名", "")  # the same answer, matched or not
    report = SelfReport.objects.get(name="王秘密")
    assert report.suggested == registered and report.status == "new"
    assert SelfReport.objects.get(name="张无名").suggested is None


def test_rate_and_size_limits(client, divisions):
    url = _url(divisions)
    codes = [_report(client, url, name=f"人{i}").status_code for i in range(6)]
    assert codes == [200] * 5 + [429]
    assert _report(client, url, name="换个地址", ip="10.0.0.9").status_code == 200  # per address
    big = client.post(url, {"name": "x", "kind": "other", "phone": "13900000000", "detail": "长" * 9000},
                      REMOTE_ADDR="10.0.0.3")
    assert big.status_code == 413
    bad = _report(client, url, kind="lottery", phone="abc", ip="10.0.0.4")
    assert bad.status_code == 400 and SelfReport.objects.count() == 6


def test_confirmed_into_a_signal_for_a_registered_or_a_new_household(client, divisions, registered, make_user):
    from xiezuo.monitoring.models import Case

    url = _url(divisions)
    _report(client, url)
    _report(client, url, name="李新户", phone="13700000001", kind="disaster", ip="10.0.0.5")
    clerk = make_user("town_clerk", division=divisions["lizhou_town"])
    outsider = make_user("far_clerk", division=divisions["wangcang"])
    client.force_login(outsider)
    assert "王秘密" not in client.get("/field/reports/").content.decode()
    client.force_login(clerk)
    queue = client.get("/field/reports/").content.decode()
    assert "王秘密" in queue and registered.number in queue
    first, second = SelfReport.objects.order_by("id")
    client.post(f"/field/reports/{first.pk}/", {"action": "confirm", "household_number": registered.number})
    first.refresh_from_db()
    assert first.status == "confirmed" and first.case.source == "self_report" and first.case.risk_types == ["01"]
    client.post(f"/field/reports/{second.pk}/", {"action": "new_household"})
    second.refresh_from_db()
    assert second.household.head_name == "李新户" and second.household.number.startswith("SR510802101201")
    assert second.case.risk_types == ["0299"] and Case.objects.count() == 2
    client.force_login(outsider)
    assert client.post(f"/field/reports/{second.pk}/", {"action": "reject"}).status_code == 404


def test_poster_has_a_qr_code_of_the_signed_address(client, divisions, make_user):
    clerk = make_user("town_clerk", division=divisions["lizhou_town"])
    client.force_login(clerk)
    page = client.get(f"/field/poster/{divisions['lizhou_village'].code}/").content.decode()
    assert "<svg" in page and "/field/r/" in page and "甲村" in page
    assert client.get(f"/field/poster/{divisions['wangcang_village'].code}/").status_code == 404


def test_the_call_back_number_is_encrypted_at_rest_and_clear_only_for_the_handler(client, divisions, make_user):
    from django.db import connection

    _report(client, _url(divisions), phone="13512349876")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM field_selfreport")
        stored = " ".join(str(v) for v in cursor.fetchone())
    assert "13512349876" not in stored and "9876" in stored  # ciphertext and the mask's last digits only
    clerk = make_user("town_clerk", division=divisions["lizhou_town"])
    viewer = make_user("town_viewer", division=divisions["lizhou_town"], kind="view")
    client.force_login(clerk)
    assert "13512349876" in client.get("/field/reports/").content.decode()
    client.force_login(viewer)
    queue = client.get("/field/reports/").content.decode()
    assert "王秘密" in queue and "13512349876" not in queue and "9876" in queue
