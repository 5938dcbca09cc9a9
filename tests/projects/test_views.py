"""Pages: list with filters, detail, create, post to the ledger, refusals shown on the form, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from xiezuo.projects import services
from xiezuo.projects.models import LedgerEntry, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def qc_staff(make_user, coop_world):
    return make_user("qc-staff", division=coop_world["qingchuan"])


def test_project_list_filters_and_detail(client, make_project, qc_staff, coop_world):
    project = make_project(user=qc_staff)
    make_project(county=coop_world["wangcang"])
    client.force_login(qc_staff)
    page = client.get(reverse("projects:project_list"), {"year": "2019", "county": "510822", "status": "approved"})
    assert page.status_code == 200
    assert project.code in page.content.decode()
    assert page.context["page"].paginator.count == 1
    detail = client.get(reverse("projects:project_detail", args=[project.pk]))
    assert detail.status_code == 200 and "posting_form" in detail.context


def test_out_of_scope_project_is_404(client, make_project, qc_staff, coop_world):
    other = make_project(county=coop_world["wangcang"])
    client.force_login(qc_staff)
    assert client.get(reverse("projects:project_detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("projects:project_post", args=[other.pk]), {}).status_code == 404


def test_create_project_through_the_form(client, qc_staff, coop_world):
    client.force_login(qc_staff)
    response = client.post(reverse("projects:project_create"), {
        "code": "QC-2020-T1", "name": "茶园", "county": "510822000000", "village": "510822220201",
        "category": "industry", "year": "2020"})
    project = Project.objects.get(code="QC-2020-T1")
    assert response.status_code == 302 and project.place_id == "510822220201"
    assert project.transitions.get().to_status == "reserve"


def test_posting_and_refusal_on_the_page(client, make_project, qc_staff):
    project = make_project(user=qc_staff)
    client.force_login(qc_staff)
    url = reverse("projects:project_post", args=[project.pk])
    ok = client.post(url, {"kind": "allocation", "source": "east_fiscal", "amount": "1000.00",
                           "date": "2019-03-01"})
    assert ok.status_code == 302
    refused = client.post(url, {"kind": "disbursement", "source": "east_fiscal", "amount": "999.00",
                                "date": "2019-03-02", "payee": "p", "voucher": "v"})
    assert refused.status_code == 400
    assert "940.00 left" in refused.content.decode()
    assert LedgerEntry.objects.count() == 1


def test_reverse_and_transition_pages(client, make_project, qc_staff):
    project = make_project(user=qc_staff)
    entry = services.allocation_post(user=qc_staff, budget=project.budgets.get(source="local"),
                                     amount=Decimal("10.00"), date=dt.date(2019, 3, 1))
    client.force_login(qc_staff)
    r = client.post(reverse("projects:project_reverse", args=[project.pk]),
                    {"entry": entry.pk, "date": "2019-03-02", "reason": "typo"})
    assert r.status_code == 302 and LedgerEntry.objects.filter(reverses=entry).exists()
    r = client.post(reverse("projects:project_transition", args=[project.pk]),
                    {"to_status": "completed", "on": "2019-04-01"})
    assert r.status_code == 400 and "cannot skip" in r.content.decode()


def test_east_office_sees_project_without_beneficiaries(client, make_project, make_user, coop_world):
    project = make_project()
    east = make_user("hz-east", role="east_office", division=coop_world["huzhou"])
    client.force_login(east)
    page = client.get(reverse("projects:project_detail", args=[project.pk]))
    assert page.status_code == 200
    assert page.context["beneficiaries"] is None and "posting_form" not in page.context


def test_pool_pages(client, make_project, admin_user):
    project = make_project()
    services.allocation_post(user=admin_user, budget=project.budgets.get(source="east_fiscal"),
                             amount=Decimal("1000.00"), date=dt.date(2019, 3, 1))
    client.force_login(admin_user)
    assert "60.00" in client.get(reverse("projects:pool_list")).content.decode()
    from xiezuo.projects.models import FundPool

    pool = FundPool.objects.get()
    r = client.post(reverse("projects:pool_detail", args=[pool.pk]), {"amount": "61.00", "date": "2019-05-01",
                                                                      "payee": "p", "voucher": "v"})
    assert r.status_code == 200 and "overdraw" in r.content.decode()


def test_refusal_in_chinese_by_default(client, make_project, qc_staff):
    from django.conf import settings

    project = make_project(user=qc_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    client.force_login(qc_staff)
    r = client.post(reverse("projects:project_transition", args=[project.pk]),
                    {"to_status": "completed", "on": "2019-04-01"})
    assert "项目不能跳过环节" in r.content.decode()
