"""Case pages: queues, detail, steps, measures, attachments, signal forms, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xiezuo.monitoring import services
from xiezuo.monitoring.models import Attachment, Case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


@pytest.fixture
def case_a(staff_a, household_a):
    return services.case_open(household=household_a, risk_types=["01"], source="self_report", user=staff_a,
                              on=dt.date(2025, 1, 2))


def test_list_and_detail_render_with_queues(client, staff_a, case_a):
    client.force_login(staff_a)
    r = client.get(reverse("monitoring:case_list"))
    assert r.status_code == 200 and str(case_a) in r.content.decode()
    r = client.get(reverse("monitoring:case_list"), {"queue": "overdue"})
    assert str(case_a) in r.content.decode()  # opened 2025-01-02, due 2025-01-04
    r = client.get(reverse("monitoring:case_list"), {"queue": "closed"})
    assert str(case_a) not in r.content.decode()
    r = client.get(reverse("monitoring:case_detail", args=[case_a.pk]))
    assert r.status_code == 200 and 'data-stage="risk_warning"' in r.content.decode()


def test_advance_by_post_and_refusal_shown(client, staff_a, case_a):
    client.force_login(staff_a)
    url = reverse("monitoring:case_advance", args=[case_a.pk])
    r = client.post(url, {"to_stage": "home_visit", "on": "2025-01-03", "comment": "入户核查完成"})
    assert r.status_code == 302
    assert Case.objects.get(pk=case_a.pk).stage == "home_visit"
    r = client.post(url, {"to_stage": "closed", "on": "2025-01-03"})
    assert r.status_code == 400
    assert Case.objects.get(pk=case_a.pk).stage == "home_visit"


def test_self_report_form_opens_a_case(client, staff_a, household_a):
    client.force_login(staff_a)
    r = client.post(reverse("monitoring:self_report"), {"household_number": household_a.number,
                                                         "risk_types": ["01", "09"], "on": "2025-02-01",
                                                         "detail": "孩子上大学，医疗支出大"})
    assert r.status_code == 302
    case = Case.objects.get(household=household_a)
    assert case.source == "self_report" and case.risk_types == ["01", "09"]
    # the same risk again is refused on the page
    r = client.post(reverse("monitoring:staff_check"), {"household_number": household_a.number,
                                                         "risk_types": ["01"], "on": "2025-02-02"})
    assert r.status_code == 400 and Case.objects.count() == 1


def test_forms_refuse_households_out_of_scope(client, staff_b, household_a):
    client.force_login(staff_b)
    r = client.post(reverse("monitoring:staff_check"), {"household_number": household_a.number,
                                                         "risk_types": ["01"], "on": "2025-02-01"})
    assert r.status_code == 400 and not Case.objects.exists()


def test_attachment_upload_download_and_checks(client, staff_a, staff_b, case_a, settings, monkeypatch):
    client.force_login(staff_a)
    url = reverse("monitoring:attachment_upload", args=[case_a.pk])
    r = client.post(url, {"file": SimpleUploadedFile("photo.png", PNG, "image/png"), "note": "入户照片"})
    assert r.status_code == 302
    att = Attachment.objects.get()
    assert att.content_type == "image/png" and att.size == len(PNG)
    stored = settings.DATA_DIR / "attachments" / att.stored_as
    assert stored.read_bytes() == PNG and stored.parent.name == str(case_a.pk)
    r = client.get(reverse("monitoring:attachment_download", args=[att.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PNG
    # type checked by content: a text file named .png, and a PDF named .jpg are refused
    r = client.post(url, {"file": SimpleUploadedFile("fake.png", b"hello, not an image", "image/png")})
    assert r.status_code == 400
    r = client.post(url, {"file": SimpleUploadedFile("scan.jpg", PDF, "image/jpeg")})
    assert r.status_code == 400
    # size limit
    monkeypatch.setattr(services, "MAX_ATTACHMENT_BYTES", 50)
    r = client.post(url, {"file": SimpleUploadedFile("big.pdf", PDF + b" " * 100, "application/pdf")})
    assert r.status_code == 400 and Attachment.objects.count() == 1
    # out of scope: 404 for the case, the download and the upload
    client.force_login(staff_b)
    assert client.get(reverse("monitoring:attachment_download", args=[att.pk])).status_code == 404
    assert client.get(reverse("monitoring:case_detail", args=[case_a.pk])).status_code == 404
    r = client.post(url, {"file": SimpleUploadedFile("photo.png", PNG, "image/png")})
    assert r.status_code == 404


def test_east_office_sees_no_case(client, make_user, divisions, case_a):
    east = make_user("east", role="east_office", division=divisions["huzhou"], kind="view")
    client.force_login(east)
    r = client.get(reverse("monitoring:case_list"))
    assert r.status_code == 200 and str(case_a) not in r.content.decode()
    assert client.get(reverse("monitoring:case_detail", args=[case_a.pk])).status_code == 404


def test_view_only_user_cannot_act(client, make_user, divisions, case_a):
    viewer = make_user("viewer", division=divisions["lizhou"], kind="view")
    client.force_login(viewer)
    r = client.get(reverse("monitoring:case_detail", args=[case_a.pk]))
    assert r.status_code == 200 and "advance-form" not in r.content.decode()
    r = client.post(reverse("monitoring:case_advance", args=[case_a.pk]), {"to_stage": "home_visit",
                                                                             "on": "2025-01-03"})
    assert r.status_code == 404


def test_household_fragment_lists_cases(client, staff_a, case_a):
    from django.template.loader import render_to_string

    from xiezuo.monitoring.selectors import cases_for_household

    html = render_to_string("monitoring/_household_cases.html",
                            {"cases": cases_for_household(user=staff_a, household=case_a.household)})
    assert str(case_a) in html


def test_api_lists_cases_in_scope(client, staff_a, staff_b, case_a):
    client.force_login(staff_a)
    r = client.get("/api/monitoring/cases/", {"county": "510802"})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1 and body["results"][0]["risk_types"] == ["01"]
    assert body["results"][0]["steps"][0]["to_stage"] == "risk_warning"
    assert client.get("/api/monitoring/cases/counts/").json()["total"] == 1
    client.force_login(staff_b)
    assert client.get("/api/monitoring/cases/").json()["count"] == 0
    assert client.get(f"/api/monitoring/cases/{case_a.pk}/").status_code == 404


def test_household_page_shows_its_cases(client, staff_a, case_a):
    client.force_login(staff_a)
    r = client.get(reverse("registry:household_detail", args=[case_a.household.pk]))
    assert r.status_code == 200 and reverse("monitoring:case_detail", args=[case_a.pk]) in r.content.decode()


def test_owner_can_be_handed_to_a_colleague_in_scope_only(client, staff_a, staff_b, case_a, make_user, divisions):
    from xiezuo.accounts.access import users_within
    from xiezuo.accounts.models import AuditEntry

    colleague = make_user("clerk_a2", division=divisions["lizhou_village"])
    viewer = make_user("viewer_a", division=divisions["lizhou"], kind="view")
    leader = make_user("leader_a", role="leader", division=divisions["lizhou"])
    allowed = users_within(case_a.household.village_id, "change", personal_data=True)
    assert colleague in allowed and staff_a in allowed
    assert staff_b not in allowed and viewer not in allowed and leader not in allowed

    client.force_login(staff_a)
    page = client.get(reverse("monitoring:case_detail", args=[case_a.pk])).content.decode()
    assert 'id="assign-form"' in page and "clerk_a2" in page and "clerk_b" not in page
    r = client.post(reverse("monitoring:case_assign", args=[case_a.pk]), {"owner": colleague.pk})
    assert r.status_code == 302
    assert Case.objects.get(pk=case_a.pk).owner == colleague
    assert AuditEntry.objects.filter(action="monitoring.case.assigned").count() == 1

    # Someone outside the village is not offered, and is refused by the service too
    r = client.post(reverse("monitoring:case_assign", args=[case_a.pk]), {"owner": staff_b.pk})
    assert r.status_code == 400 and Case.objects.get(pk=case_a.pk).owner == colleague
    with pytest.raises(ValidationError):
        services.case_assign(case=case_a, owner=viewer, user=staff_a)

    # County B's clerk cannot reassign county A's case at all
    client.force_login(staff_b)
    assert client.post(reverse("monitoring:case_assign", args=[case_a.pk]), {"owner": staff_b.pk}).status_code == 404
