"""A committed import refreshes registry.summary (its bulk_update of household-years sends no signals)."""

from __future__ import annotations

import pytest

from xiezuo.dataio.importer import run_import

from .conftest import F_HEAD, VILLAGE, write_xlsx

pytestmark = pytest.mark.django_db


def _stored(year: int) -> tuple[int, int]:
    from xiezuo.registry import summary

    t = summary.totals(year=year, prefix=VILLAGE)
    return t["households"], t["people"]


def test_an_import_that_changes_household_sizes_refreshes_the_summary(household_file, admin, tmp_path):
    run_import(household_file, user=admin, dry_run=False)
    assert _stored(2019) == (3, 7)
    facts = write_xlsx(tmp_path / "f.xlsx", {"年度": [F_HEAD, ["A002", 2019, 5, 8000.5, 0]]})
    assert run_import(facts, user=admin, dry_run=False).changed == 1
    assert _stored(2019) == (3, 10)  # 3 + 5 + 2: the bulk_update is in the summary
    assert run_import(facts, user=admin, dry_run=True).committed is False
