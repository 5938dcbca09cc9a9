"""The audit page: scoped by division, searchable, exportable by auditors and administrators."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client

from xiezuo.accounts import audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(divisions, make_user):
    actor = make_user("writer", role="admin")
    audit.record(action="registry.household.exited", user=actor, division_code="510802101201",
                 data={"reason": "收入达标"})
    audit.record(action="registry.household.exited", user=actor, division_code="510821100201")
    audit.record(action="accounts.token.created", user=actor)
    audit.record(action="=HYPERLINK(\"http://x\")", user=actor, division_code="510802101201")


def _get(user, url):
    client = Client()
    client.force_login(user)
    return client.get(url)


def test_county_staff_sees_only_their_county(entries, divisions, make_user):
    page = _get(make_user("lz", division=divisions["lizhou"]), "/accounts/audit/")
    assert [e.division_code for e in page.context["page"]] == ["510802101201", "510802101201"]


def test_auditor_sees_all_and_filters(entries, make_user):
    auditor = make_user("aud", role="auditor")
    assert _get(auditor, "/accounts/audit/").context["page"].paginator.count == 4
    page = _get(auditor, "/accounts/audit/?action=exited&division=510821")
    assert [e.division_code for e in page.context["page"]] == ["510821100201"]
    assert _get(auditor, "/accounts/audit/?user=nobody").context["page"].paginator.count == 0


def test_east_office_sees_no_entries(entries, divisions, make_user):
    east = make_user("hz", role="east_office", division=divisions["huzhou"])
    assert _get(east, "/accounts/audit/").context["page"].paginator.count == 0


def test_export_csv_and_xlsx_for_auditors_only(entries, divisions, make_user):
    auditor = make_user("aud", role="auditor")
    response = _get(auditor, "/accounts/audit/export.csv?action=registry")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["at", "actor_name", "action"] and len(rows) == 3
    response = _get(auditor, "/accounts/audit/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    actions = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://x\")" in actions  # formulas neutralised
    assert _get(make_user("lz", division=divisions["lizhou"]), "/accounts/audit/export.csv").status_code == 403


def test_menu_entry_resolves(make_user):
    from django.urls import reverse

    assert reverse("accounts:audit_list") == "/accounts/audit/"
    assert reverse("login") == "/accounts/login/"
