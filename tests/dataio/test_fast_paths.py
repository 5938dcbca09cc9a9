"""The import's fast paths give the same answers as the plain ones they replace."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from xiezuo.dataio.importer import run_import

from .conftest import F_HEAD, HH_HEAD, VILLAGE, write_xlsx

pytestmark = pytest.mark.django_db


def test_lookup_hash_is_the_keyed_hmac_and_follows_the_oldest_key(settings):
    from cryptography.fernet import Fernet

    from xiezuo.accounts import crypto

    expected = hmac.new(crypto._hash_key(), b"51080219900101123X", hashlib.sha256).hexdigest()
    assert crypto.lookup_hash(" 51080219900101123x ") == expected
    before = crypto.lookup_hash("51080219900101123X")
    settings.XIEZUO_FIELD_KEYS = [Fernet.generate_key().decode(), *settings.XIEZUO_FIELD_KEYS]
    assert crypto.lookup_hash("51080219900101123X") == before  # a new key in front keeps the hashes
    settings.XIEZUO_FIELD_KEYS = [Fernet.generate_key().decode()]
    assert crypto.lookup_hash("51080219900101123X") != before


def test_insert_rows_with_constants_writes_them_on_every_row():
    from xiezuo.accounts.models import AuditEntry
    from xiezuo.dataio.fastdb import insert_rows

    n = insert_rows(AuditEntry, [{"target_id": "1", "after": {"a": 1}}, {"target_id": "2", "before": {"b": "乙"}}],
                    constants={"action": "x.imported", "request_id": "job-9", "data": {"job": "job-9"}})
    assert n == 2
    rows = list(AuditEntry.objects.filter(request_id="job-9").order_by("target_id")
                .values_list("target_id", "action", "data", "before", "after", "source"))
    assert rows == [("1", "x.imported", {"job": "job-9"}, None, {"a": 1}, ""),
                    ("2", "x.imported", {"job": "job-9"}, {"b": "乙"}, None, "")]


def test_repeated_cells_are_converted_once_but_every_bad_cell_is_reported(tmp_path, admin, divisions):
    # given a facts sheet whose size column holds 1, 1.0, "1" (all fine) and TRUE (a yes/no cell, not a
    # number: equal to 1 in Python, so a cache keyed by value alone would let it through), and the same
    # bad cause on two households
    path = write_xlsx(tmp_path / "memo.xlsx", {
        "户": [HH_HEAD, ["M1", VILLAGE, "甲", "因病"], ["M2", VILLAGE, "乙", "外星"], ["M3", VILLAGE, "丙", "外星"],
              ["M4", VILLAGE, "丁", "因病"]],
        "年度": [F_HEAD, ["M1", 2019, 1, 5000, 0], ["M4", 2019, 1.0, 5000, 0], ["M1", 2020, "1", 5000, 0],
                 ["M4", 2020, True, 5000, 0]],
    })
    result = run_import(path, user=admin, dry_run=True)
    problems = sorted((p.sheet, p.row, p.column) for p in result.errors)
    assert problems == [("年度", 5, "家庭人口数"), ("户", 3, "主要致贫原因"), ("户", 4, "主要致贫原因")]
