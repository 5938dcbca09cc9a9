"""A keyed hash chain over the audit log, so tampering below the application shows.

Each entry gets the next position (`seq`), the previous entry's hash (`prev_hash`) and its
own `hash` = HMAC-SHA256 over its canonical content and `prev_hash`. The key is derived
from the last field key (like the identity-number lookup hash, it survives key rotation)
and is never stored in the database, so someone who can write the database but not read
the key cannot forge an entry that verifies. The chain head (`AuditChainHead`, one row)
holds the last position and hash; appending locks it (`SELECT ... FOR UPDATE`) in the
writer's transaction, which serialises writers on PostgreSQL (SQLite has one writer anyway).

`verify()` walks the log in chain order and reports deleted, inserted, altered and
back-dated entries; `xiezuo audit verify` prints them and exits non-zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

HEAD_PK = 1
# The fields covered by the hash, in order; `prev_hash` and `seq` are covered too.
CONTENT_FIELDS = ("at", "actor_id", "actor_name", "action", "target_type", "target_id", "target_repr",
                  "division_code", "source", "request_id", "ip", "before", "after", "data")


@lru_cache(maxsize=4)
def _key(oldest_key: str) -> bytes:
    return hashlib.sha256(b"xiezuo-audit-chain:" + oldest_key.encode()).digest()


JSON_FIELDS = ("before", "after", "data")
PLAIN_FIELDS = tuple(n for n in CONTENT_FIELDS if n not in JSON_FIELDS and n != "at") + ("seq", "prev_hash")


def _norm(value):
    """JSON as it reads back from either database: string keys, and integral floats of 1e16 and
    more as integers (PostgreSQL's jsonb gives 1e20 back as 100000000000000000000)."""
    kind = type(value)
    if kind is dict:
        return {str(k): _norm(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_norm(v) for v in value]
    if kind is float and value.is_integer() and abs(value) >= 1e16:
        return int(value)
    return value


def canonical(entry) -> bytes:
    """The bytes an entry's hash covers: position, previous hash and content, as sorted JSON.

    `entry` is a model instance or a dict of column values (the import's fast insert path).
    """
    get = entry.get if isinstance(entry, dict) else entry.__dict__.get
    body = {name: get(name) for name in PLAIN_FIELDS}
    for name in JSON_FIELDS:
        body[name] = _norm(get(name))
    at = get("at")
    body["at"] = at.astimezone(dt.UTC).isoformat(timespec="microseconds") if at is not None else None
    if body["ip"] is not None:
        body["ip"] = str(body["ip"])
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_hash(entry) -> str:
    return hmac.new(_key(settings.XIEZUO_FIELD_KEYS[-1]), canonical(entry), hashlib.sha256).hexdigest()


def _locked_head():
    from .models import AuditChainHead

    AuditChainHead.objects.get_or_create(pk=HEAD_PK)  # present after migrate; gone after `flush`
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)


def link(entries: Sequence) -> None:
    """Give unsaved entries their place in the chain and advance the head.

    Call inside the transaction that saves the entries (see `audit.record`): the head stays
    locked until it commits, and a rollback undoes both.
    """
    if not entries:
        return
    head = _locked_head()
    now = timezone.now()
    # `at` never goes backwards along the chain (verify flags that as back-dating), even if
    # the clock is set back a little.
    at = max(now, head.at) if head.at else now
    seq, prev = head.seq, head.hash
    ip_field = entries[0]._meta.get_field("ip")
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash, entry.at = seq, prev, at
        entry.ip = ip_field.get_prep_value(entry.ip)  # the stored form, so the hash reads back equal
        entry.hash = prev = entry_hash(entry)
    head.seq, head.hash, head.at = seq, prev, at
    head.save(update_fields=["seq", "hash", "at"])


def linked_rows(rows: Iterable[dict], constants: dict) -> tuple[Iterator[dict], dict, Callable[[], None]]:
    """The import's fast path (`dataio.fastdb.insert_rows`): column dicts instead of instances.

    Locks the head now; returns the rows as a generator that adds each one's place in the
    chain, the constants with the shared `at`, and `finish`, which advances the head: call
    it after inserting every row, in the same transaction (not from inside the generator:
    on PostgreSQL the rows stream through COPY, which holds the connection).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit rows are chained inside a transaction")
    from .models import AuditEntry

    head = _locked_head()
    now = timezone.now()
    at = max(now, head.at) if head.at else now
    constants = {**constants, "at": at, "ip": AuditEntry._meta.get_field("ip").get_prep_value(constants.get("ip"))}
    defaults = {f.attname: (f.get_default() if f.has_default() else None)
                for f in AuditEntry._meta.concrete_fields if f.attname in CONTENT_FIELDS}
    for name in ("actor_name", "action", "target_type", "target_id", "target_repr", "division_code", "source",
                 "request_id"):
        defaults[name] = defaults[name] or ""

    end = {"seq": head.seq, "hash": head.hash, "done": False}

    def generate() -> Iterator[dict]:
        seq, prev = head.seq, head.hash
        for row in rows:
            seq += 1
            full = {**defaults, **constants, **row, "seq": seq, "prev_hash": prev}
            prev = entry_hash(full)
            yield {**row, "seq": seq, "prev_hash": full["prev_hash"], "hash": prev}
        end.update(seq=seq, hash=prev, done=True)

    def finish() -> None:
        if not end["done"]:
            raise RuntimeError("finish() before every chained row was inserted")
        head.seq, head.hash, head.at = end["seq"], end["hash"], at
        head.save(update_fields=["seq", "hash", "at"])

    return generate(), constants, finish


# --- verification --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    kind: str  # deleted, inserted, altered, backdated, broken_link, head
    seq: int | None
    entry_id: int | None
    message: str


@dataclass
class Report:
    checked: int = 0
    head_seq: int = 0
    head_hash: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries(batch_size: int) -> Iterator:
    from .models import AuditEntry

    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch_size])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def verify(*, batch_size: int = 5000, expect: tuple[int, str] | None = None) -> Report:
    """Walk the chain; `expect` = (seq, hash) noted earlier outside the database must still be there."""
    from .models import AuditChainHead, AuditEntry

    report = Report()
    add = report.problems.append
    for entry in AuditEntry.objects.filter(seq__isnull=True).order_by("id").only("id", "action", "at"):
        add(Problem("inserted", None, entry.id,
                    f"entry id {entry.id} ({entry.action}, {entry.at:%Y-%m-%d %H:%M}) is outside the chain"))
    prev_seq, prev_hash, prev_at = 0, "", None
    for entry in _entries(batch_size):
        report.checked += 1
        if entry.seq != prev_seq + 1:
            add(Problem("deleted", prev_seq + 1, None,
                        f"entries {prev_seq + 1}–{entry.seq - 1} are missing (deleted)"))
        if entry.prev_hash != prev_hash:
            add(Problem("broken_link", entry.seq, entry.id,
                        f"entry {entry.seq} (id {entry.id}) does not follow entry {prev_seq}: "
                        "an entry before it was deleted, inserted or altered"))
        if not hmac.compare_digest(entry.hash or "", entry_hash(entry)):
            add(Problem("altered", entry.seq, entry.id,
                        f"entry {entry.seq} (id {entry.id}, {entry.action}) does not match its hash: "
                        "altered, or inserted without the key"))
        if prev_at is not None and entry.at < prev_at:
            add(Problem("backdated", entry.seq, entry.id,
                        f"entry {entry.seq} (id {entry.id}) is dated {entry.at:%Y-%m-%d %H:%M:%S}, "
                        f"before the entry preceding it ({prev_at:%Y-%m-%d %H:%M:%S})"))
        if expect is not None and entry.seq == expect[0] and entry.hash != expect[1]:
            add(Problem("altered", entry.seq, entry.id,
                        f"entry {entry.seq} no longer has the hash noted earlier"))
        prev_seq, prev_hash, prev_at = entry.seq, entry.hash, entry.at
    head = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    report.head_seq, report.head_hash = prev_seq, prev_hash
    if head is None:
        if prev_seq:
            add(Problem("head", None, None, "the chain head is missing"))
    elif (head.seq, head.hash) != (prev_seq, prev_hash):
        add(Problem("head", head.seq, None,
                    f"the chain head says {head.seq} entries ending in {head.hash[:12]}…, the log has "
                    f"{prev_seq} ending in {prev_hash[:12] or '-'}…: the last entries were deleted or the head changed"))
    if expect is not None and expect[0] > prev_seq:
        add(Problem("deleted", expect[0], None,
                    f"entry {expect[0]}, noted earlier, is gone: the log ends at {prev_seq}"))
    report.problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return report
