"""The household-result write path: the rows a run stores are the engine's, exactly (binary COPY into the run's
own partition on PostgreSQL, executemany on SQLite); a failed write leaves no rows and no table; deleting a run,
whichever way, takes its rows (on PostgreSQL its partition) and its frozen inputs with it, unless rolled back."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from django.db import connection, transaction

from xiezuo.measure import household_rows, services
from xiezuo.measure.models import HouseholdResult, Run

from .test_runs import _run, registry_2021  # noqa: F401 (fixture)

FIELDS = [f for f in services.HH_COLUMNS if f != "run_id"]
postgres_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL's partitions")


def _stored(run: Run) -> dict[int, dict]:
    rows = HouseholdResult.objects.filter(run=run).values(*FIELDS)
    return {r["household_id"]: r for r in rows}


def _expected(run: Run) -> dict[int, dict]:
    """The rows as the text path builds them (`_household_table`: Decimal strings, clipped codes)."""
    result = services.run_reproduce(run=run)
    rows = services._plain(services._household_table(run.pk, result.households)).to_pylist()
    out = {}
    for r in rows:
        r.pop("run_id")
        r["pcni"], r["pcni_after_rigid"] = Decimal(r["pcni"]), Decimal(r["pcni_after_rigid"])
        out[r["household_id"]] = r
    return out


def _partition_state(run_id: int) -> tuple[bool, bool]:
    """(the run's table exists, it is attached as a partition of the result table)."""
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL, EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = "
                    "to_regclass(%s) AND inhparent = to_regclass(%s))",
                    [household_rows.partition(run_id), household_rows.partition(run_id), household_rows.PARENT])
        return cur.fetchone()


def test_a_runs_rows_are_all_there_and_exact(registry_2021):  # noqa: F811
    run = _run(publish=True)
    stored, expected = _stored(run), _expected(run)
    assert len(stored) == 4 and stored.keys() == expected.keys()
    for hid, row in expected.items():
        assert stored[hid] == row, hid
    a = stored[registry_2021["a"].pk]
    assert a["pcni"] == Decimal("3412.00") and a["status"] == "monitored" and not a["exit_ok"]


@postgres_only
def test_on_postgresql_a_run_has_its_own_attached_partition(registry_2021):  # noqa: F811
    first, second = _run(), _run(publish=True)
    assert _partition_state(first.pk) == (True, True) and _partition_state(second.pk) == (True, True)
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {household_rows.DEFAULT}")
        assert cur.fetchone()[0] == 0
        cur.execute(f"SELECT count(*) FROM {household_rows.partition(second.pk)}")
        assert cur.fetchone()[0] == 4
    # the ORM reads through the parent, pruned to the run's partition
    assert HouseholdResult.objects.filter(run=second, status="monitored").count() == 3


@postgres_only
def test_binary_numeric_and_text_fields_match_the_text_path(db):
    # given awkward values: negative and zero incomes, half-cent rounding both ways, the column's largest
    # value, an empty category, codes longer than the column (clipped), non-ASCII text
    n = 6
    fen = np.array([-1, 0, 5, 999_999_999_999_99, -2_500, 101], dtype=np.int64)
    size = np.array([2, 1, 2, 1, 2, 2], dtype=np.int64)
    long_reason = "x" * 450
    hh = pa.table({
        "household_id": pa.array(range(1, n + 1), pa.int64()), "village": pa.array(["510802001001"] * n),
        "size": pa.array(size), "net_fen": pa.array(fen), "medical_fen": pa.array([0, 0, 1, 0, 0, 3], pa.int64()),
        "education_fen": pa.array([0] * n, pa.int64()),
        **{f: pa.array([i % 2 for i in range(n)], pa.int8()) for f in household_rows.FLAGS},
        "status": pa.array(["poor", "monitored", "exited", "not_poor", "may_exit", "poor"]),
        "category": pa.array([None, "unstable_exited", "", "边缘易致贫户", None, "x"]),
        "reasons": pa.array(["", long_reason, "income", "", "a,b", "income"]).dictionary_encode(),
        "mpi_score": pa.array([0.0, 1 / 3, 0.5, 1.0, 0.25, 0.125]),
        "deprived": pa.array(["", "assets", "", "housing,water", "", long_reason]),
    })
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE rows_check (LIKE {household_rows.PARENT} INCLUDING DEFAULTS)")
        cur.execute("ALTER TABLE rows_check ALTER id SET DEFAULT 0")
        household_rows.copy(cur, "rows_check", 7, hh, freeze=False)
        cur.execute(f"SELECT {', '.join(services.HH_COLUMNS)} FROM rows_check ORDER BY household_id")
        got = [dict(zip(services.HH_COLUMNS, r, strict=True)) for r in cur.fetchall()]
    expected = services._plain(services._household_table(7, hh)).to_pylist()
    for r in expected:
        r["pcni"], r["pcni_after_rigid"] = Decimal(r["pcni"]), Decimal(r["pcni_after_rigid"])
    assert got == expected
    # half up: -0.5 fen is 0, 2.5 fen 3, 50.5 fen 51
    assert [str(r["pcni"]) for r in got] == ["0.00", "0.00", "0.03", "999999999999.99", "-12.50", "0.51"]
    assert got[2]["pcni_after_rigid"] == Decimal("0.02") and got[5]["pcni_after_rigid"] == Decimal("0.49")
    assert len(got[1]["reasons"]) == 400 and got[3]["category"] == "边缘易致贫户" and got[0]["category"] == ""


def test_a_failed_write_leaves_no_rows_and_no_table(registry_2021, monkeypatch):  # noqa: F811
    real = services._check_references

    def fail_after_the_copy(run, table, villages):
        real(run, table, villages)
        raise RuntimeError("disk full after the copy")

    monkeypatch.setattr(services, "_check_references", fail_after_the_copy)
    with pytest.raises(RuntimeError):
        _run(publish=True)
    failed = Run.objects.latest("id")
    assert failed.status == "failed" and not failed.published
    assert not HouseholdResult.objects.filter(run=failed).exists()
    if connection.vendor == "postgresql":
        assert _partition_state(failed.pk) == (False, False)
    assert not (services.runs_dir() / str(failed.pk)).exists()


def test_deleting_runs_takes_their_rows_with_them(registry_2021, django_capture_on_commit_callbacks):  # noqa: F811
    kept, gone, also_gone = _run(), _run(publish=True), _run()
    assert (services.runs_dir() / str(gone.pk)).is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.runs_delete(runs=Run.objects.filter(pk=gone.pk)) == 1
    assert not (services.runs_dir() / str(gone.pk)).exists()
    assert not Run.objects.filter(pk=gone.pk).exists()
    assert not HouseholdResult.objects.filter(run_id=gone.pk).exists()
    assert HouseholdResult.objects.filter(run=kept).count() == 4
    if connection.vendor == "postgresql":
        assert _partition_state(gone.pk) == (False, False) and _partition_state(kept.pk) == (True, True)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.runs_delete(runs=[also_gone]) == 1  # instances as well as a queryset
    _run_gone(also_gone.pk)
    assert HouseholdResult.objects.filter(run=kept).count() == 4


def _run_gone(run_id: int) -> None:
    assert not Run.objects.filter(pk=run_id).exists()
    assert not HouseholdResult.objects.filter(run_id=run_id).exists()
    if connection.vendor == "postgresql":
        assert _partition_state(run_id) == (False, False)
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {household_rows.DEFAULT} WHERE run_id = %s", [run_id])
            assert cur.fetchone()[0] == 0
    assert not (services.runs_dir() / str(run_id)).exists()


@pytest.mark.parametrize("how", ["instance", "queryset", "related manager"])
def test_every_way_of_deleting_a_run_drops_its_partition_and_frozen_inputs(
        registry_2021, django_capture_on_commit_callbacks, how):  # noqa: F811
    # given a kept run and a published one, each with its partition (PostgreSQL) and the published one's inputs
    kept, gone = _run(), _run(publish=True)
    assert (services.runs_dir() / str(gone.pk)).is_dir()
    # when the run is deleted past runs_delete, as Run.delete(), a QuerySet's delete or the policy's runs do it
    with django_capture_on_commit_callbacks(execute=True):
        if how == "instance":
            Run.objects.get(pk=gone.pk).delete()
        elif how == "queryset":
            Run.objects.filter(pk=gone.pk).delete()
        else:
            gone.policy.runs.filter(pk=gone.pk).delete()
    # then its rows, its table and its frozen inputs are gone; the other run is whole
    _run_gone(gone.pk)
    assert HouseholdResult.objects.filter(run=kept).count() == 4
    if connection.vendor == "postgresql":
        assert _partition_state(kept.pk) == (True, True)


@postgres_only
def test_a_deletion_rolled_back_keeps_the_partition_and_the_frozen_inputs(
        registry_2021, django_capture_on_commit_callbacks):  # noqa: F811
    run_id = _run(publish=True).pk
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        Run.objects.get(pk=run_id).delete()
        assert _partition_state(run_id) == (False, False)
        raise RuntimeError("the deletion's transaction fails after the drop")
    assert callbacks == []  # the folder's removal was for the commit only
    assert _partition_state(run_id) == (True, True)
    assert HouseholdResult.objects.filter(run_id=run_id).count() == 4
    assert (services.runs_dir() / str(run_id)).is_dir()


def test_no_deletion_of_another_record_cascades_to_a_run(registry_2021):  # noqa: F811
    """A run is deleted only as itself (what the pre_delete receiver sees, whichever path): its policy version is
    protected, the user who started it and the run it was compared with are let go."""
    from django.db.models import PROTECT, SET_NULL, ProtectedError

    assert {f.name: f.remote_field.on_delete for f in Run._meta.fields if f.is_relation} == {
        "policy": PROTECT, "base_run": SET_NULL, "created_by": SET_NULL}
    base = _run()
    run = services.run_execute(year=2021, policy=base.policy, what_if=True, base_run=base)
    with pytest.raises(ProtectedError):
        run.policy.delete()
    base.delete()
    run.refresh_from_db()
    assert run.base_run is None and HouseholdResult.objects.filter(run=run).count() == 4
    if connection.vendor == "postgresql":
        assert _partition_state(run.pk) == (True, True)
