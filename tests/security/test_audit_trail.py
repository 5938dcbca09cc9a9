"""The audit trail records each path (page, service, admin, API, command, import) and cannot be altered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client

from xiezuo.accounts.models import AuditEntry

pytestmark = pytest.mark.django_db


def _admin(make_user):
    return make_user("root", role="admin", is_staff=True, is_superuser=True)


def test_page_path_is_audited(two_counties, divisions, make_user):
    # Given a county-A staff member on the reveal page of an A member
    user = make_user("lz", division=divisions["lizhou"])
    member = two_counties["a"]["members"][0]
    client = Client()
    client.force_login(user)
    # When she reveals the identity number with a reason
    response = client.post(f"/accounts/reveal/member_id/{member.pk}/", {"reason": "核对低保申请材料需要"})
    # Then the page shows it once and the log has who, what, why, from the web
    assert response.status_code == 200 and "510802198001011231" in response.content.decode()
    entry = AuditEntry.objects.get(action="registry.member.id_unmasked")
    assert (entry.actor, entry.source, entry.target_id, entry.division_code) == (
        user, "web", str(member.pk), "510802101201")
    assert entry.data["reason"] == "核对低保申请材料需要" and entry.request_id


def test_service_path_is_audited(two_counties, divisions, make_user):
    from xiezuo.registry.services import household_status_change

    user = make_user("lz", division=divisions["lizhou"])
    household_status_change(household=two_counties["a"]["household"], to_status="monitored",
                            on=dt.date(2021, 3, 1), reason="因病返贫风险", user=user)
    entry = AuditEntry.objects.get(action="registry.household.monitored")
    assert entry.before["status"] == "identified" and entry.after["status"] == "monitored"
    assert entry.source == "command"  # outside a request


def test_admin_path_is_audited(two_counties, make_user):
    # Given an administrator editing a household in the admin
    hh = two_counties["a"]["household"]
    client = Client()
    client.force_login(_admin(make_user))
    page = client.get(f"/admin/registry/household/{hh.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"head_name": "甲户主赵改", "other_causes": "[]"})
    for prefix in ("members", "years"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    # When the head's name is changed
    response = client.post(f"/admin/registry/household/{hh.pk}/change/", data)
    # Then the change is saved and audited with before and after, from the admin
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = AuditEntry.objects.get(action="registry.household.updated")
    assert entry.source == "admin"
    assert entry.before["head_name"] == "甲户主赵" and entry.after["head_name"] == "甲户主赵改"
    assert entry.after["phone_enc"] == "***"  # secrets never copied in clear


def test_api_path_is_audited(two_counties, divisions, make_user):
    from xiezuo.accounts.services import token_create

    user = make_user("lz", division=divisions["lizhou"])
    token = token_create(user=user)
    client = Client()
    response = client.post("/api/registry/members/", {
        "household": two_counties["a"]["household"].pk, "name": "新成员", "id_number": "510802201001011236",
        "relation": "40"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201, response.content
    entry = AuditEntry.objects.get(action="registry.member.created")
    assert (entry.actor, entry.source) == (user, "api")
    assert "510802201001011236" not in str(entry.after)


def test_command_path_is_audited(make_user, capsys):
    make_user("api-user")
    call_command("token", "create", "api-user")
    token = capsys.readouterr().out.strip()
    assert token.startswith("xz_")
    entry = AuditEntry.objects.get(action="accounts.token.created")
    assert entry.source == "command" and entry.target_repr == "api-user"


def test_import_path_is_audited(divisions, make_user, tmp_path):
    from xiezuo.dataio import sample

    user = make_user("importer", division=divisions["lizhou"])
    households, members, facts = sample.registry_rows(2, villages=[divisions["lizhou_village"].code], prefix="AUD")
    path = sample.write_workbook(tmp_path / "import.xlsx", {"户": households, "成员": members, "年度": facts})
    call_command("import", str(path), "--user", user.username)
    created = AuditEntry.objects.filter(action="registry.household.imported")
    assert created.count() == 2
    assert set(created.values_list("source", flat=True)) == {"import"}
    assert created.first().request_id  # the import job's id


# --- the application cannot alter the log ---------------------------------------------------


@pytest.fixture
def entry(make_user):
    from xiezuo.accounts import audit

    return audit.record(action="registry.household.created", user=make_user("someone"), division_code="510802101201")


def test_orm_cannot_update_or_delete(entry):
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.action = "forged"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


@pytest.mark.parametrize("sql", ["UPDATE accounts_auditentry SET action = 'forged'", "DELETE FROM accounts_auditentry"])
def test_database_triggers_refuse_raw_sql(entry, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql)
    assert AuditEntry.objects.get(pk=entry.pk).action == "registry.household.created"


def test_admin_cannot_change_or_delete(entry, make_user):
    client = Client()
    client.force_login(_admin(make_user))
    assert client.get(f"/admin/accounts/auditentry/{entry.pk}/change/").status_code == 200  # view only
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"action": "forged"}).status_code == 403
    assert client.post(f"/admin/accounts/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post("/admin/accounts/auditentry/", {"action": "delete_selected", "_selected_action": [entry.pk],
                                                "post": "yes"})
    assert AuditEntry.objects.get(pk=entry.pk).action == "registry.household.created"


def test_deleting_a_user_keeps_their_entries(entry):
    user = entry.actor
    user.delete()
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert kept.actor_name == "someone"
