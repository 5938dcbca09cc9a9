"""Issue 12, item 15: the browsable API lists no out-of-scope record in a form, filter or schema.

The attack: `/api/registry/members/` in a browser rendered the POST form's household
drop-down from an unscoped queryset, so a county user and an eastern office read another
county's household numbers and heads' names. The JSON walk of test_scope_leaks does not
see HTML forms, so here every API route is walked as a browser asks for it.
"""

from __future__ import annotations

import pytest
from django.test import Client

from .test_scope_leaks import _ids_in
from .urlwalk import body_text, found, iter_patterns, urls_for

pytestmark = pytest.mark.django_db


def _walk_html(client: Client, needles: dict[str, str], ids: list[str], codes: list[str]) -> tuple[list, int]:
    leaks, count = [], 0
    for regex, _pattern in iter_patterns():
        if not regex.startswith("api/"):
            continue
        for url in urls_for(regex, ids=ids, codes=codes, strings=[]):
            response = client.get(url, HTTP_ACCEPT="text/html")
            count += 1
            assert response.status_code < 500, (url, response.status_code)
            text = body_text(response)
            leaks += [f"{url} [{response.status_code}] shows {kind} {value!r}"
                      for value, kind in needles.items() if found(text, value)]
    return leaks, count


def test_county_user_sees_no_other_countys_households_in_api_forms(two_counties, divisions, staff_user):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user("lz-staff", "county_staff", divisions["lizhou"]))
    page = client.get("/api/registry/members/", HTTP_ACCEPT="text/html").content.decode()
    assert "<form" in page  # the browsable API is rendered
    assert "甲户主赵" in page or "A510802-0001" in page or "raw" in page.lower()
    leaks, count = _walk_html(client, two_counties["b_secrets"].needles(), _ids_in("510821")[:3], ["510821100201"])
    assert count > 10
    assert not leaks, "\n".join(leaks)


def test_east_office_sees_no_household_in_api_forms(two_counties, divisions, staff_user):
    client = Client(raise_request_exception=False)
    client.force_login(staff_user("hz-office", "east_office", divisions["huzhou"]))
    secrets = two_counties["all_secrets"]
    needles = {**secrets.needles(), "乙户主钱": "head_names", "甲户主赵": "head_names",
               "A510802-0001": "household_numbers", "B510821-0001": "household_numbers"}
    leaks, count = _walk_html(client, needles, _ids_in("510802")[:2] + _ids_in("510821")[:2],
                              ["510802101201"])
    assert count > 10
    assert not leaks, "\n".join(leaks)

