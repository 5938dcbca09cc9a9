"""Personal data: encrypted at rest, masked by default, revealed one at a time with a reason, keys rotate."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test import Client

from tests.security import data
from xiezuo.accounts import crypto, services
from xiezuo.accounts.models import AuditEntry
from xiezuo.registry.models import Member


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads the SQLite database file")
def test_sqlite_file_holds_no_identity_number_in_clear(divisions, tmp_path):
    # Given members registered through the normal path, committed to the database
    data.build(divisions)
    copy = tmp_path / "copy.sqlite3"
    # When the database is copied to a file and its bytes read directly
    with connection.cursor() as cur:
        cur.execute("VACUUM INTO %s", [str(copy)])
    raw = copy.read_bytes()
    # Then no identity number appears in clear (as text, as UTF-16, or as its digits' first 14)
    for number in data.A_IDS + data.B_IDS:
        assert number.encode() not in raw
        assert number.encode("utf-16-le") not in raw
        assert number[:14].encode() not in raw
    assert b"**************1231" in raw  # only the masked form (last 4) is readable


@pytest.mark.django_db
def test_reveal_requires_permission_reason_and_scope(divisions, make_user):
    made = data.build(divisions)
    a_member, b_member = made["a"]["members"][0], made["b"]["members"][0]
    county = make_user("lz", division=divisions["lizhou"])
    village = make_user("cun", role="village_staff", division=divisions["lizhou_village"])
    # village staff may not unmask at all
    with pytest.raises(PermissionDenied):
        services.personal_data_reveal(user=village, kind="member_id", pk=a_member.pk, reason="需要核对身份信息材料")
    # a reason is required
    with pytest.raises(ValidationError):
        services.personal_data_reveal(user=county, kind="member_id", pk=a_member.pk, reason="短")
    # out of scope answers like missing
    with pytest.raises(Http404):
        services.personal_data_reveal(user=county, kind="member_id", pk=b_member.pk, reason="需要核对身份信息材料")
    assert not AuditEntry.objects.filter(action__endswith="_unmasked").exists()
    value = services.personal_data_reveal(user=county, kind="household_bank_account", pk=made["a"]["household"].pk,
                                          reason="核对补贴发放账户信息")
    assert value == "6222000011112222"
    assert AuditEntry.objects.get().action == "registry.household.bank_account_unmasked"


@pytest.mark.django_db
def test_api_serves_only_masked_forms(divisions, make_user):
    made = data.build(divisions)
    client = Client()
    client.force_login(make_user("lz", division=divisions["lizhou"]))
    body = client.get("/api/registry/members/").content.decode() + client.get("/api/registry/households/").content.decode()
    for number in data.A_IDS:
        assert number not in body and crypto.mask_id_number(number) in body
    assert made["clear"]["a"]["phone"] not in body and "138****1111" in body
    assert "6222000011112222" not in body and "************2222" in body


@pytest.mark.django_db
def test_keys_rotate_reencrypts_and_keeps_hashes(divisions, settings, capsys, tmp_path):
    made = data.build(divisions)
    member = made["a"]["members"][0]
    old_token, old_hash = member.id_number_enc, member.id_number_hash
    old_keys = list(settings.XIEZUO_FIELD_KEYS)
    settings.DATA_DIR = tmp_path
    # When the keys are rotated (file-based keys: a new key is generated and put first)
    call_command("keys", "rotate")
    member.refresh_from_db()
    new_keys = (tmp_path / "field.keys").read_text().split(",")
    # Then every ciphertext changed, decrypts to the same number under the new key alone,
    # the lookup hash is unchanged, and the rotation is audited
    assert len(new_keys) == 2 and new_keys[1:] == old_keys
    assert member.id_number_enc != old_token
    settings.XIEZUO_FIELD_KEYS = new_keys[:1]
    assert crypto.decrypt(member.id_number_enc) == data.A_IDS[0]
    settings.XIEZUO_FIELD_KEYS = new_keys
    assert crypto.lookup_hash(data.A_IDS[0]) == old_hash == member.id_number_hash
    assert Member.objects.exclude(id_number_enc="").count() == 4
    assert AuditEntry.objects.get(action="accounts.keys.rotated").data["members"] == 4
    assert "Re-encrypted 4 identity numbers" in capsys.readouterr().out


@pytest.mark.django_db
def test_keys_rotate_refuses_a_bad_key(divisions):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a Fernet key"):
        call_command("keys", "rotate", "--new-key", "not-a-key")
