"""A committed import brings registry.summary up to date (its bulk writes of household-years send no signals):
the villages it touched only, or everything when it touched many."""

from __future__ import annotations

import pytest

from xiezuo.dataio.importer import run_import

from .conftest import F_HEAD, HH_HEAD, OTHER_VILLAGE, VILLAGE, write_xlsx

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


def _rows() -> dict[str, set[int]]:
    from xiezuo.registry.models import VillageYear

    out: dict[str, set[int]] = {}
    for code, pk in VillageYear.objects.values_list("village_code", "pk"):
        out.setdefault(code, set()).add(pk)
    return out


def test_an_import_recomputes_only_the_villages_it_touched(household_file, admin, tmp_path, monkeypatch):
    from xiezuo.registry import summary
    from xiezuo.registry.models import HouseholdYear

    # given households in two villages and a built summary
    run_import(household_file, user=admin, dry_run=False)
    other = write_xlsx(tmp_path / "o.xlsx", {"户": [HH_HEAD, ["B001", OTHER_VILLAGE, "乙户", "缺技术"]],
                                             "年度": [F_HEAD, ["B001", 2019, 4, 9000, 0]]})
    run_import(other, user=admin, dry_run=False)
    summary.refresh()
    before = _rows()
    # when a file changes one household of the first village
    facts = write_xlsx(tmp_path / "f.xlsx", {"年度": [F_HEAD, ["A002", 2019, 5, 8000.5, 0]]})
    assert run_import(facts, user=admin, dry_run=False).changed == 1
    # then that village's rows were recomputed, the other village's left alone, and the counts are right
    after = _rows()
    assert after[OTHER_VILLAGE] == before[OTHER_VILLAGE] and after[VILLAGE].isdisjoint(before[VILLAGE])
    assert _stored(2019) == (3, 10)
    direct = HouseholdYear.objects.filter(year=2019, household__village_id=OTHER_VILLAGE).count()
    assert summary.totals(year=2019, prefix=OTHER_VILLAGE)["households"] == direct == 1
    # and a file touching more villages than the limit rebuilds everything
    monkeypatch.setattr(summary, "INCREMENTAL_MAX_VILLAGES", 0)
    facts = write_xlsx(tmp_path / "g.xlsx", {"年度": [F_HEAD, ["A002", 2019, 6, 8000.5, 0]]})
    assert run_import(facts, user=admin, dry_run=False).changed == 1
    rebuilt = _rows()
    assert rebuilt[OTHER_VILLAGE].isdisjoint(after[OTHER_VILLAGE]) and _stored(2019) == (3, 11)
