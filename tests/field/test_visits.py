"""Home visits from the phone: idempotent by the device's key, facts through the registry service,
a conflict answered 409 with both versions (never overwritten), a risk opens a monitoring signal,
photos checked by content, the households download masked and scoped, visits due counted."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xiezuo.field.models import CadreAccount, Visit, VisitPhoto

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def cadre_user(divisions, make_user):
    from xiezuo.registry.models import Cadre

    user = make_user("cadre_a", division=divisions["lizhou_village"])
    cadre = Cadre.objects.create(name="帮扶人甲", work_unit="县农业农村局", division=divisions["lizhou_village"])
    CadreAccount.objects.create(user=user, cadre=cadre)
    return user


@pytest.fixture
def mine(divisions, make_household, cadre_user):
    today = timezone.localdate()
    hh = make_household(divisions["lizhou_village"], year=today.year, income=Decimal("8000"),
                        members=(("510802199001011236", "01"),))
    hh.cadre = cadre_user.cadre_account.cadre
    hh.save()
    return hh


def _post(client, household, **data):
    payload = {"household": household.pk, "client_key": str(uuid.uuid4()), "on": timezone.localdate().isoformat(),
               "met": "户主", "notes": "", "facts": {}, "base_version": "", "risks": [], **data}
    files = data.pop("files", None)
    payload.pop("files", None)
    body = {"data": json.dumps(payload)}
    if files:
        body["photo"] = files
    return client.post("/field/api/visits", body), payload


def test_download_is_mine_masked_and_versioned(client, cadre_user, mine, divisions, make_household):
    from xiezuo.field import services

    services.measure_record(household=mine, category="education", on=dt.date(2019, 9, 1), user=cadre_user,
                            content="雨露计划", amount="1500")
    other = make_household(divisions["lizhou_village"], members=(("510802198001011231", "01"),))  # not mine
    client.force_login(cadre_user)
    body = client.get("/field/api/households").json()
    assert [h["id"] for h in body["households"]] == [mine.pk] and other.pk
    h = body["households"][0]
    assert h["members"][0]["id"] == "1236" and "510802" not in json.dumps(body)
    assert h["facts"]["values"]["wage"] == "8000.00" and len(h["facts"]["version"]) == 16 and h["due"] is True
    assert h["measures"] == [{"on": "2019-09-01", "category": "教育扶持", "content": "雨露计划",
                              "amount": "1500.00", "case": ""}]  # the same record as the household page


def test_a_visit_sent_twice_is_stored_once(client, cadre_user, mine):
    client.force_login(cadre_user)
    first, payload = _post(client, mine, notes="一切正常")
    assert first.status_code == 201
    again = client.post("/field/api/visits", {"data": json.dumps(payload)})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Visit.objects.count() == 1
    assert client.get("/field/api/households").json()["households"][0]["due"] is False


def test_facts_go_through_the_registry_and_a_stale_version_is_a_conflict(client, cadre_user, mine):
    from xiezuo.accounts.models import AuditEntry
    from xiezuo.registry.models import HouseholdYear

    client.force_login(cadre_user)
    version = client.get("/field/api/households").json()["households"][0]["facts"]["version"]
    ok, _ = _post(client, mine, facts={"wage": "9000"}, base_version=version)
    assert ok.status_code == 201
    hy = HouseholdYear.objects.get(household=mine, year=timezone.localdate().year)
    assert hy.wage == Decimal("9000.00")
    assert AuditEntry.objects.filter(action="registry.householdyear.updated").exists()
    # the phone still holds the old version: the server changed since, so the cadre must choose
    conflict, payload = _post(client, mine, facts={"wage": "9500"}, base_version=version)
    assert conflict.status_code == 409
    body = conflict.json()
    assert body["server"]["wage"] == "9000.00" and body["mine"]["wage"] == "9500.00"
    hy.refresh_from_db()
    assert hy.wage == Decimal("9000.00") and Visit.objects.count() == 1
    # "use mine": the same visit again with the server's version
    resolved = client.post("/field/api/visits", {"data": json.dumps({**payload, "base_version": body["version"]})})
    assert resolved.status_code == 201
    hy.refresh_from_db()
    assert hy.wage == Decimal("9500.00")


def test_an_observed_risk_opens_a_signal_once(client, cadre_user, mine):
    client.force_login(cadre_user)
    response, _ = _post(client, mine, risks=["01"], notes="户主住院")
    case_id = response.json()["case"]
    from xiezuo.monitoring.models import Case

    case = Case.objects.get(pk=case_id)
    assert case.source == "staff_check" and case.risk_types == ["01"] and "户主住院" in case.source_detail
    second, _ = _post(client, mine, risks=["01"])
    assert second.json()["case"] is None and Case.objects.count() == 1


def test_photos_are_checked_by_content(client, cadre_user, mine):
    client.force_login(cadre_user)
    good, _ = _post(client, mine, files=[SimpleUploadedFile("a.png", PNG, content_type="image/png")])
    assert good.status_code == 201 and VisitPhoto.objects.get().size == len(PNG)
    bad, _ = _post(client, mine, files=[SimpleUploadedFile("b.png", b"<script>", content_type="image/png")])
    assert bad.status_code == 400 and Visit.objects.count() == 1


def test_scope_and_bad_input(client, cadre_user, divisions, make_household, make_user):
    far = make_household(divisions["wangcang_village"], members=(("510821197003030019", "01"),))
    client.force_login(cadre_user)
    assert _post(client, far)[0].status_code == 404
    assert client.post("/field/api/visits", {"data": "{"}).status_code == 400
    assert _post(client, far, client_key="nope")[0].status_code == 404
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    mine_hh = make_household(divisions["lizhou_village"], members=(("510802198502020013", "01"),))
    assert _post(client, mine_hh, on=tomorrow)[0].status_code == 400
    assert Visit.objects.count() == 0


def test_visits_due_by_village_and_person(client, cadre_user, mine, make_user, divisions):
    client.force_login(cadre_user)
    _post(client, mine)
    leader = make_user("leader", role="county_staff", division=divisions["lizhou"], kind="view")
    client.force_login(leader)
    page = client.get("/field/due/").content.decode()
    assert "帮扶人甲" in page and 'data-key="510802101000"' in page  # the county's township, drilled from here
    page = client.get("/field/due/?division=510802101000").content.decode()
    assert 'data-key="510802101201"' in page


def test_the_shell_holds_no_household_data_and_the_worker_is_scoped(client, cadre_user, mine):
    client.force_login(cadre_user)
    shell = client.get("/field/").content.decode()
    assert mine.number not in shell and mine.head_name not in shell and "manifest.webmanifest" in shell
    sw = client.get("/field/sw.js")
    assert sw["Service-Worker-Allowed"] == "/field/" and "javascript" in sw["Content-Type"]
    assert b"/field/api/" in sw.content


def test_sign_out_clears_the_device(client, cadre_user):
    """The logout answers Clear-Site-Data (cache and storage: the households in IndexedDB, the worker's caches),
    whichever page the cadre signs out from; the app's own script also deletes its database first."""
    client.force_login(cadre_user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session
