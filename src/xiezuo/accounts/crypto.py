"""Protection of identity numbers, phones and bank accounts at rest: authenticated encryption, a keyed hash
(identity numbers), masking.

The ciphertext can only be read with a key from XIEZUO_FIELD_KEYS; the keyed hash
(HMAC-SHA256 under a key derived from the first field key's lineage, see below) lets
the database enforce uniqueness and answer "is this number registered" without
holding the number in clear.

Ciphertext formats (both always readable):
- ``x2:`` + base64url(nonce ‖ AES-256-GCM ciphertext and tag), under a key derived (HKDF-SHA256)
  from a field key — what `encrypt` writes. A Fernet token costs about 12 µs (a new AES-CBC
  context and an HMAC object per value); this costs under 2 µs, which matters when an import
  encrypts a few hundred thousand identity numbers. ``:`` is outside the base64url alphabet, so the
  prefix can never begin a Fernet token.
- a Fernet token (``gAAAA...``), written before; `rotate` (``xiezuo keys rotate``) rewrites it as ``x2:``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

V2 = "x2:"
_V2_AAD = b"xiezuo-field-v2"


@lru_cache(maxsize=1)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


@lru_cache(maxsize=1)
def _aead(keys: tuple[str, ...]) -> tuple[AESGCM, ...]:
    """One AES-256-GCM key per field key (newest first), derived from the Fernet key's 32 bytes."""
    out = []
    for k in keys:
        material = base64.urlsafe_b64decode(k.encode())
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"xiezuo-field-aead-v2").derive(material)
        out.append(AESGCM(derived))
    return tuple(out)


def _keys() -> tuple[str, ...]:
    return tuple(settings.XIEZUO_FIELD_KEYS)


def _hash_key() -> bytes:
    # The lookup hash must survive key rotation, so it is keyed by the *last* key
    # (the oldest); rotation adds new keys in front and re-encrypts, keeping hashes.
    return hashlib.sha256(b"xiezuo-id-hash:" + _keys()[-1].encode()).digest()


def encrypt(value: str) -> str:
    nonce = os.urandom(12)  # random 96-bit nonces: safe far beyond any registry's size per key
    sealed = _aead(_keys())[0].encrypt(nonce, value.encode(), _V2_AAD)
    return V2 + base64.urlsafe_b64encode(nonce + sealed).decode()


def encrypt_many(values: list[str]) -> list[str]:
    """`encrypt` for a batch (a bulk import): the key lookup and the randomness are taken once."""
    aead = _aead(_keys())[0]
    noise = os.urandom(12 * len(values))
    b64 = base64.urlsafe_b64encode
    out = []
    for i, value in enumerate(values):
        nonce = noise[12 * i:12 * i + 12]
        out.append(V2 + b64(nonce + aead.encrypt(nonce, value.encode(), _V2_AAD)).decode())
    return out


def decrypt(token: str) -> str:
    """Either format; raises cryptography.fernet.InvalidToken when no configured key opens it."""
    if token.startswith(V2):
        try:
            raw = base64.urlsafe_b64decode(token[len(V2):].encode())
        except ValueError:
            raise InvalidToken from None
        for aead in _aead(_keys()):
            try:
                return aead.decrypt(raw[:12], raw[12:], _V2_AAD).decode()
            except (InvalidTag, ValueError):
                continue
        raise InvalidToken
    return _fernet(_keys()).decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt under the first (newest) key, in the current format."""
    return encrypt(decrypt(token))


@lru_cache(maxsize=4)
def _keyed_hmac(oldest_key: str) -> hmac.HMAC:
    return hmac.new(hashlib.sha256(b"xiezuo-id-hash:" + oldest_key.encode()).digest(), digestmod=hashlib.sha256)


def lookup_hash(value: str) -> str:
    # Copying a keyed HMAC skips deriving the key and padding it again for every value
    # (a bulk import hashes a few hundred thousand numbers); same result as hmac.new(_hash_key(), ...).
    h = _keyed_hmac(settings.XIEZUO_FIELD_KEYS[-1]).copy()
    h.update(value.strip().upper().encode())
    return h.hexdigest()


def mask_id_number(value: str) -> str:
    """`PPCCDD199001011234` (a county code, the birth date, a sequence, a check digit) -> `**************1234`: the last 4 only.

    A mask must not combine with what is shown beside it into the number (docs/access.md,
    "Masks"): with the region digits and the full birth date shown, the check digit left
    about one candidate per person. The last 4 (3 sequence digits and the check digit) with
    the birth *year* leave about 33 even when the county is known.
    """
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


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


MASKS = {"id": mask_id_number, "phone": mask_phone, "account": mask_account}


def seal(value: str | None, kind: str) -> tuple[str, str]:
    """(ciphertext, masked form) of a phone ("phone") or bank account ("account") as stored; ("", "") if blank."""
    value = (value or "").strip()
    return (encrypt(value), MASKS[kind](value)) if value else ("", "")


def unseal(token: str) -> str:
    """The clear value of a stored ciphertext ("" for blank)."""
    return decrypt(token) if token else ""


def sealed_property(field: str, kind: str) -> property:
    """A write-only attribute `field` that stores `<field>_enc` and `<field>_masked` (e.g. `Household(phone=...)`).
    Reading it raises AttributeError: the clear value is read only through `unseal(obj.<field>_enc)`, on purpose."""
    def fset(obj, value: str | None) -> None:
        enc, masked = seal(value, kind)
        setattr(obj, f"{field}_enc", enc)
        setattr(obj, f"{field}_masked", masked)

    return property(fset=fset, doc=f"write-only: sets {field}_enc and {field}_masked")
