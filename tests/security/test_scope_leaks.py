"""Every URL and API endpoint, walked as a county-A user and as an eastern office.

Done-when of issue 6: a user of county A finds no household, member or personal field of
county B anywhere; the eastern partner finds no identity number (clear or masked) and no
member name anywhere. The routes are enumerated from the URL configuration, so a route
added later that bypasses the scope layer fails here.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from xiezuo.accounts.access import prefixes_q

from .urlwalk import body_text, found, iter_patterns, urls_for

pytestmark = pytest.mark.django_db

QUERY = "?village=510821100201&division=510821000000&county=510821000000&parent=510821000000&prefix=510821&q=乙户"


def _ids_in(prefix: str) -> list[str]:
    """Primary keys of every scoped record under `prefix`, from every app's models."""
    ids: set[str] = set()
    for model in apps.get_models():
        field = getattr(model, "scope_field", None)
        if field and model._meta.label_lower != "accounts.auditentry":
            ids.update(str(pk) for pk in model._base_manager.filter(prefixes_q(field, [prefix]))
                       .values_list("pk", flat=True)[:20])
    return sorted(ids, key=lambda v: (len(v), v))[:10]


def _walk(client: Client, needles: dict[str, str], *, ids, codes, strings):
    leaks, errors, count = [], [], 0
    for regex, _pattern in iter_patterns():
        for url in urls_for(regex, ids=ids, codes=codes, strings=strings):
            for full in (url, url + QUERY) if "%" not in url else (url,):
                response = client.get(full)
                count += 1
                if response.status_code >= 500:
                    errors.append(f"{full} -> {response.status_code}")
                    continue
                text = body_text(response)
                leaks += [f"{full} [{response.status_code}] shows {kind} {value!r}"
                          for value, kind in needles.items() if found(text, value)]
    return leaks, errors, count


def test_county_a_user_sees_nothing_of_county_b(two_counties, divisions, staff_user):
    # Given a county-A staff user with every admin permission and data in both counties
    user = staff_user("lz-staff", "county_staff", divisions["lizhou"])
    client = Client(raise_request_exception=False)
    client.force_login(user)
    # When every route is requested with county B's ids and codes (B's household number is not
    # used as a parameter: pages rightly echo what was asked, e.g. "no household B…")
    leaks, errors, count = _walk(
        client, two_counties["b_secrets"].needles(), ids=_ids_in("510821"),
        codes=["510821100201", "510821000000", "510821"], strings=[])
    # Then nothing of county B shows, and no route fails
    assert count > 50
    assert not leaks, "county B data leaked:\n" + "\n".join(leaks)
    assert not errors, "server errors:\n" + "\n".join(errors)


def test_east_office_sees_no_identity_number_or_member_name(two_counties, divisions, staff_user):
    # Given an eastern office (湖州) with admin permissions
    user = staff_user("hz-office", "east_office", divisions["huzhou"])
    client = Client(raise_request_exception=False)
    client.force_login(user)
    secrets = two_counties["all_secrets"]
    needles = secrets.needles()
    # When every route is requested with the ids and codes of both western counties
    leaks, errors, count = _walk(
        client, needles, ids=sorted(set(_ids_in("510802") + _ids_in("510821")), key=lambda v: (len(v), v))[:10],
        codes=["510802101201", "510821100201", "510800000000"], strings=[])
    # Then no identity number, masked or clear, and no member name appears anywhere
    assert count > 50
    assert not leaks, "personal data shown to the eastern office:\n" + "\n".join(leaks)
    assert not errors, "server errors:\n" + "\n".join(errors)


def test_walker_finds_a_planted_leak(two_counties, divisions, staff_user, settings):
    """The walker itself works: a deliberately unscoped route is caught."""
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from xiezuo.registry.models import Household

    def unscoped(request):
        return HttpResponse(", ".join(h.head_name for h in Household.objects.all()))

    import types

    urlconf = types.ModuleType("leaky_urls")
    urlconf.urlpatterns = [path("leak/", unscoped)]
    settings.ROOT_URLCONF = urlconf
    clear_url_caches()
    try:
        client = Client(raise_request_exception=False)
        client.force_login(staff_user("lz2", "county_staff", divisions["lizhou"]))
        leaks, _errors, _count = _walk(client, two_counties["b_secrets"].needles(), ids=["1"], codes=[], strings=[])
    finally:
        clear_url_caches()
    assert any("乙户主钱" in leak for leak in leaks)
