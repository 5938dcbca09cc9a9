"""Ciphertext formats of accounts.crypto: x2 (AES-256-GCM) is written, Fernet tokens stay readable."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet, InvalidToken

from xiezuo.accounts import crypto

ID = "51080219900101123X"


def test_encrypt_writes_the_versioned_aead_format_and_reads_it_back():
    token = crypto.encrypt(ID)
    assert token.startswith("x2:") and ID not in token
    assert crypto.decrypt(token) == ID
    assert crypto.encrypt(ID) != token  # a fresh nonce every time
    assert [crypto.decrypt(t) for t in crypto.encrypt_many([ID, "乙", ""])] == [ID, "乙", ""]


def test_fernet_tokens_written_before_still_decrypt(settings):
    old = Fernet(settings.XIEZUO_FIELD_KEYS[0].encode()).encrypt(ID.encode()).decode()
    assert old.startswith("gAAAA")
    assert crypto.decrypt(old) == ID


def test_rotation_moves_either_format_to_the_new_key_alone(settings):
    old_key = settings.XIEZUO_FIELD_KEYS[0]
    fernet_token = Fernet(old_key.encode()).encrypt(ID.encode()).decode()
    x2_token = crypto.encrypt(ID)
    new_key = Fernet.generate_key().decode()
    settings.XIEZUO_FIELD_KEYS = [new_key, old_key]
    rotated = [crypto.rotate(fernet_token), crypto.rotate(x2_token)]
    assert all(t.startswith("x2:") for t in rotated)
    settings.XIEZUO_FIELD_KEYS = [new_key]
    assert [crypto.decrypt(t) for t in rotated] == [ID, ID]
    for token in (fernet_token, x2_token):
        with pytest.raises(InvalidToken):
            crypto.decrypt(token)


def test_a_tampered_or_foreign_token_is_refused():
    token = crypto.encrypt(ID)
    # Flip one bit of the sealed bytes (not a base64 character: the last one before "==" carries padding bits)
    raw = bytearray(base64.urlsafe_b64decode(token[3:]))
    raw[20] ^= 0x01
    flipped = "x2:" + base64.urlsafe_b64encode(bytes(raw)).decode()
    assert flipped != token
    for bad in (flipped, "x2:!!!", "x2:", "gAAAAAnot-a-token"):
        with pytest.raises(InvalidToken):
            crypto.decrypt(bad)
