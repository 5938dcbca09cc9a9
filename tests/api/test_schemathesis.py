"""Property-based tests of the live OpenAPI schema with schemathesis (bounded: a few examples per operation).

Every operation is called with generated valid and invalid (negative) inputs as a county-A
user: no 5xx, documented responses match the schema, invalid inputs are rejected with 4xx,
and nothing is stored by a rejected request.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from xiezuo.wsgi import application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Calling the WSGI app directly fires request_finished, which would close the test's
    database connection (and its transaction) on PostgreSQL; Django's test client does the same."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


# Loaded at collection (pytest-django has set Django up by then); generating the schema reads no table.
schema = schemathesis.openapi.from_wsgi("/api/schema", application)


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, county_token):
    from xiezuo.registry.models import Household, Member

    before = (Household.objects.count(), Member.objects.count())
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {county_token}"},
        checks=[checks.not_a_server_error, checks.response_schema_conformance, checks.content_type_conformance,
                checks.negative_data_rejection],
    )
    if response.status_code >= 400:
        where = f"{case.method} {case.formatted_path} -> {response.status_code} {response.text[:120]!r}"
        try:
            detail = response.json().get("detail")
        except ValueError:
            detail = None
        assert detail, f"{where}: errors are JSON with a message"
        assert (Household.objects.count(), Member.objects.count()) == before, "a rejected request stored something"
