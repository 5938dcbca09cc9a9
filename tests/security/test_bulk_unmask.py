"""Issue 12, item 6: an export in clear needs a POST, a real reason, its own permission, and a rate limit.

The attack: `GET /dataio/export/?entity=members&unmask=1&reason=x` (a link anyone could be sent,
a one-character reason) returned 680 identity numbers in clear.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from xiezuo.accounts.models import AuditEntry

from .data import A_IDS

pytestmark = pytest.mark.django_db

URL = "/dataio/export/"


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8-sig", errors="ignore")


@pytest.fixture
def county_user(divisions, make_user):
    return make_user("lz", role="county_staff", division=divisions["lizhou"])


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_attack_by_get_with_a_short_reason_is_refused(two_counties, county_user):
    county_user.user_permissions.add(Permission.objects.get(codename="bulk_unmask"))
    response = _client(county_user).get(URL, {"entity": "members", "format": "csv", "unmask": "1", "reason": "x"})
    assert response.status_code == 405
    assert not any(n in _body(response) for n in A_IDS)


def test_unmasking_one_value_does_not_allow_a_bulk_export(two_counties, county_user):
    response = _client(county_user).post(URL, {"entity": "members", "format": "csv", "unmask": "1",
                                               "reason": "年度核查低保对象身份信息"})
    assert response.status_code == 403
    assert not any(n in _body(response) for n in A_IDS)


def test_a_short_reason_is_refused(two_counties, county_user):
    county_user.user_permissions.add(Permission.objects.get(codename="bulk_unmask"))
    response = _client(county_user).post(URL, {"entity": "members", "format": "csv", "unmask": "1", "reason": "x"})
    assert response.status_code == 400
    assert not any(n in _body(response) for n in A_IDS)


def test_with_the_permission_a_post_and_a_reason_it_works_is_audited_and_rate_limited(two_counties, county_user,
                                                                                     settings):
    settings.XIEZUO_BULK_UNMASK_PER_HOUR = 2
    county_user.user_permissions.add(Permission.objects.get(codename="bulk_unmask"))
    client = _client(county_user)
    form = {"entity": "members", "format": "csv", "unmask": "1", "reason": "年度核查低保对象身份信息"}
    for _ in range(2):
        response = client.post(URL, form)
        assert response.status_code == 200 and A_IDS[0] in _body(response)
    assert AuditEntry.objects.filter(action="dataio.export.unmask_authorised", actor=county_user).count() == 2
    assert AuditEntry.objects.filter(action="dataio.export.unmasked", actor=county_user).count() == 2
    third = client.post(URL, form)
    assert third.status_code == 429 and A_IDS[0] not in _body(third)
    # the masked export stays available
    masked = client.get(URL, {"entity": "members", "format": "csv"})
    assert masked.status_code == 200 and A_IDS[0] not in _body(masked)
