"""Protection of identity numbers at rest: Fernet encryption, a keyed hash, masking.

The ciphertext can only be read with a key from XIEZUO_FIELD_KEYS; the keyed hash
(HMAC-SHA256 under a key derived from the first field key's lineage, see below) lets
the database enforce uniqueness and answer "is this number registered" without
holding the number in clear.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@lru_cache(maxsize=1)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _keys() -> tuple[str, ...]:
    return tuple(settings.XIEZUO_FIELD_KEYS)


def _hash_key() -> bytes:
    # The lookup hash must survive key rotation, so it is keyed by the *last* key
    # (the oldest); rotation adds new keys in front and re-encrypts, keeping hashes.
    return hashlib.sha256(b"xiezuo-id-hash:" + _keys()[-1].encode()).digest()


def encrypt(value: str) -> str:
    return _fernet(_keys()).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet(_keys()).decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt under the first (newest) key."""
    return _fernet(_keys()).rotate(token.encode()).decode()


def lookup_hash(value: str) -> str:
    return hmac.new(_hash_key(), value.strip().upper().encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """`510822199001011234` -> `5108**********1234` (first 4 and last 4 kept)."""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """`13812345678` -> `138****5678`."""
    value = value.strip()
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_account(value: str) -> str:
    """A bank account keeps its last 4 digits."""
    value = value.strip()
    return "*" * max(len(value) - 4, 0) + value[-4:]
