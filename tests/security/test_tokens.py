"""Issue 12, item 2: API tokens are stored as digests, shown once, expire, and are revocable by their owner.

The attack: DRF's authtoken kept keys in clear, so whoever read the table (the admin's token
list, a database copy) could act as any user, the superuser included.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from xiezuo.accounts import services
from xiezuo.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def _every_stored_value() -> str:
    """The text of every row of every table the ORM knows, as someone with the database would read it."""
    out = []
    for model in apps.get_models(include_auto_created=True):
        out.extend(str(row) for row in model._base_manager.values_list())
    return "\n".join(out)


def _api(token: str):
    return Client().get("/api/registry/households/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_key_is_stored_nowhere(make_user):
    root = make_user("root", role="admin", is_superuser=True)
    key = services.token_create(user=root)
    assert key not in _every_stored_value()
    stored = ApiToken.objects.get(user=root)
    assert stored.digest != key and key.startswith(stored.prefix) and len(stored.prefix) <= 10
    assert _api(key).status_code == 200


def test_expired_revoked_and_inactive_tokens_are_refused(make_user):
    user = make_user("lz")
    expired = services.token_create(user=user, days=1)
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert _api(expired).status_code == 401
    revoked = services.token_create(user=user)
    assert _api(revoked).status_code == 200
    services.token_revoke(user=user)
    assert _api(revoked).status_code == 401
    other = services.token_create(user=user)
    user.is_active = False
    user.save()
    assert _api(other).status_code == 401


def test_last_used_is_recorded(make_user):
    key = services.token_create(user=make_user("lz"))
    assert ApiToken.objects.get().last_used_at is None
    assert _api(key).status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_a_user_lists_creates_and_revokes_only_their_own(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    bobs = services.token_create(user=bob, name="乙的脚本")
    client = Client()
    client.force_login(alice)
    page = client.post("/accounts/tokens/", {"op": "create", "name": "月报脚本", "days": "30"})
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    key = page.context["new_key"]
    assert key and key in page.content.decode() and _api(key).status_code == 200
    assert "乙的脚本" not in page.content.decode()
    # shown once: the list shows the prefix, never the key again
    again = client.get("/accounts/tokens/").content.decode()
    assert key not in again and key[:10] in again and "月报脚本" in again
    # bob's token cannot be revoked by alice
    bob_token = ApiToken.objects.get(user=bob)
    assert client.post("/accounts/tokens/", {"op": "revoke", "token": bob_token.pk}).status_code == 404
    assert _api(bobs).status_code == 200
    mine = ApiToken.objects.get(user=alice)
    assert client.post("/accounts/tokens/", {"op": "revoke", "token": mine.pk}).status_code == 302
    assert _api(key).status_code == 401


def test_cli_prints_the_token_once(make_user, capsys):
    make_user("api-user")
    call_command("token", "create", "api-user", "--days", "7")
    key = capsys.readouterr().out.strip()
    assert key.startswith("xz_") and _api(key).status_code == 200
    call_command("token", "revoke", "api-user")
    assert _api(key).status_code == 401


def test_drf_tokens_are_moved_as_digests(make_user):
    """The migration from DRF's clear `authtoken_token`: the old key still works, stored hashed, and expires."""
    import importlib

    migration = importlib.import_module("xiezuo.accounts.migrations.0004_api_token_hashed")
    user = make_user("legacy")
    clear = "0123456789abcdef0123456789abcdef01234567"

    class Editor:  # what the migration uses of a schema editor (SQLite refuses a real one inside a test's transaction)
        def __init__(self):
            self.connection = connection

        def execute(self, sql, params=()):
            with connection.cursor() as cur:
                cur.execute(sql, params)

    editor = Editor()
    editor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id integer)")
    editor.execute("INSERT INTO authtoken_token (key, user_id) VALUES (%s, %s)", [clear, user.pk])
    migration.move_drf_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    assert clear not in _every_stored_value()
    assert _api(clear).status_code == 200
    assert ApiToken.objects.get(user=user).expires_at < timezone.now() + dt.timedelta(days=31)
