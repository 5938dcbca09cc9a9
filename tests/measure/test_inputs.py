"""Reading the registry into the engine's inputs: the household-id ranges, and on PostgreSQL the parallel ADBC
read (several connections, one exported snapshot) against the single-connection read and Django's cursor, and
the unit facts of a run and of `xiezuo snapshot` read in that snapshot too."""

from __future__ import annotations

import threading
from decimal import Decimal

import pyarrow as pa
import pytest
from django.db import connection

from xiezuo.measure import inputs, services, snapshot
from xiezuo.measure.engine.run import INPUT_SCHEMAS, input_hash
from xiezuo.policy.models import PolicyVersion
from xiezuo.registry import services as registry_services
from xiezuo.registry.models import HouseholdYear, Member
from xiezuo.registry.unit_models import CountyAssessment, PoorUnit, VillageFacts

from .test_runs import registry_2021  # noqa: F401 — the fixture

KEYS = {"households": ["id"], "years": ["household_id"], "populations": ["code"],
        "members": ["household_id", "birth_year", "education", "schooling", "health", "disability", "labour",
                    "deceased"]}


def _sorted(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    return {name: t.sort_by([(k, "ascending") for k in KEYS[name]]).combine_chunks() for name, t in tables.items()}


def _cursor_read(year: int) -> dict[str, pa.Table]:
    return {name: inputs.conform(name, inputs._via_cursor(sql, params, INPUT_SCHEMAS[name]))
            for name, (sql, params) in inputs.queries(year).items()}


def test_id_ranges_cover_every_id_once():
    assert inputs._id_ranges(None, None, 4) == [None]  # no households: one unbounded part
    assert inputs._id_ranges(5, 9, 1) == [None]
    for lo, hi, parts in ((1, 1, 4), (1, 10, 3), (7, 1_000_006, 4), (3, 4, 8)):
        ranges = inputs._id_ranges(lo, hi, parts)
        assert len(ranges) <= parts
        covered = [i for a, b in ranges for i in range(a, b)] if hi - lo < 100 else None
        assert ranges[0][0] == lo and ranges[-1][1] == hi + 1
        assert all(a < b and b == c for (a, b), (c, _d) in zip(ranges, ranges[1:], strict=False))
        if covered is not None:
            assert covered == list(range(lo, hi + 1))


def test_a_household_range_reads_its_part_of_each_input(registry_2021):  # noqa: F811
    """Two ranges' rows together are the whole registry's, on SQLite and PostgreSQL (the cursor)."""
    ids = sorted(h.pk for h in registry_2021.values())
    whole = _cursor_read(2021)
    split = {}
    for rng in ((ids[0], ids[2]), (ids[2], ids[-1] + 1)):
        for name, (sql, params) in inputs.queries(2021, ids=rng).items():
            part = inputs.conform(name, inputs._via_cursor(sql, params, INPUT_SCHEMAS[name]))
            if name != "populations":
                column = "id" if name == "households" else "household_id"
                assert all(rng[0] <= i < rng[1] for i in part.column(column).to_pylist()), name
            split.setdefault(name, []).append(part)
    assert split["households"][0].num_rows == 2 and split["members"][0].num_rows == 3  # a: two members, b: one
    parts = {name: pa.concat_tables(p) for name, p in split.items() if name != "populations"}
    assert _sorted(parts) == {k: v for k, v in _sorted(whole).items() if k != "populations"}


def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the parallel ADBC read is PostgreSQL's")


@pytest.mark.django_db(transaction=True)
def test_the_parallel_read_gives_the_tables_of_one_connection_and_of_the_cursor(registry_2021):  # noqa: F811
    _postgresql()
    connect = inputs._adbc_connect()
    one = inputs._read_parallel(connect, 2021, connections=1, parts=1)
    many = inputs._read_parallel(connect, 2021, connections=3, parts=3)
    assert {name: t.schema for name, t in many.items()} == dict(INPUT_SCHEMAS)
    assert many["members"].num_rows == 5 and many["households"].num_rows == 4
    assert _sorted(many) == _sorted(one) == _sorted(_cursor_read(2021))
    tables, how = inputs.read_inputs(2021)  # outside a transaction: this read
    assert how == "adbc" and input_hash(tables) == input_hash(one)


@pytest.mark.django_db(transaction=True)
def test_a_registry_change_during_the_read_is_not_seen_by_any_connection(registry_2021, monkeypatch):  # noqa: F811
    """The change (to every household) is committed after the first connection exported its snapshot and before
    the others import it, and each connection reads a piece: every piece shows the registry as it was (a
    connection on its own snapshot would see the change: the inputs half changed)."""
    _postgresql()
    connect = inputs._adbc_connect()
    before = _sorted(inputs._read_parallel(connect, 2021, connections=1, parts=1))
    real_begin, real_conform, begun = inputs._begin, inputs.conform, []

    def begin_then_change(conn, snapshot):
        begun.append(real_begin(conn, snapshot))
        if len(begun) == 1:  # the first connection's transaction is open and its snapshot exported
            Member.objects.update(deceased=True)  # autocommit: committed now
            HouseholdYear.objects.update(size=9)
        return begun[-1]

    first_pieces = threading.Barrier(3, timeout=60)
    seen = threading.local()

    def conform_once_each(name, table):  # each connection's first piece read before any takes a second
        if not getattr(seen, "waited", False):
            seen.waited = True
            first_pieces.wait()
        return real_conform(name, table)

    monkeypatch.setattr(inputs, "_begin", begin_then_change)
    monkeypatch.setattr(inputs, "conform", conform_once_each)
    during = _sorted(inputs._read_parallel(connect, 2021, connections=3, parts=4))
    assert len(begun) == 3 and len(set(begun)) == 1 and during == before
    monkeypatch.undo()
    after = _sorted(inputs._read_parallel(connect, 2021, connections=3, parts=4))
    assert set(after["members"].column("deceased").to_pylist()) == {1}  # the change was made, and is seen now
    assert set(after["years"].column("size").to_pylist()) == {9}


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_cursor_reads_uncommitted_rows(registry_2021):  # noqa: F811
    from django.db import transaction

    with transaction.atomic():
        HouseholdYear.objects.filter(household=registry_2021["d"], year=2021).update(size=7)
        tables, how = inputs.read_inputs(2021)
    assert how == "cursor" and 7 in tables["years"].column("size").to_pylist()


def _record_unit_facts(divisions) -> None:
    """利州's village and 旺苍 designated, the village's facts of 2020 (all five haves), 旺苍's 2021 assessment."""
    for key, year in (("lizhou_village", 2014), ("wangcang", 2013)):
        registry_services.poor_unit_designate(division=divisions[key], designated_year=year)
    registry_services.village_facts_record(village=divisions["lizhou_village"], year=2020,
                                           collective_income=Decimal("80000"), hardened_road=True, clinic=True,
                                           cultural_room=True, telecom=True)
    registry_services.county_assessment_record(county=divisions["wangcang"], year=2021,
                                               wrong_exit_rate=Decimal("0.005"), missed_poor_rate=Decimal("0.004"),
                                               public_approval=Decimal("0.95"), source="test")


def _change_after_the_export(monkeypatch) -> list[str]:
    """Once the read's first transaction has exported its snapshot, a change to the households and to each of the
    unit facts is committed (Django's connection, autocommit), before anything else is read."""
    real_begin, begun = inputs._begin, []

    def begin_then_change(conn, snapshot_id):
        begun.append(real_begin(conn, snapshot_id))
        if len(begun) == 1:
            HouseholdYear.objects.update(size=9)
            VillageFacts.objects.update(clinic=False)
            PoorUnit.objects.filter(level="county").update(exit_year=2021)
            CountyAssessment.objects.update(public_approval=Decimal("0.5"))
        return begun[-1]

    monkeypatch.setattr(inputs, "_begin", begin_then_change)
    return begun


def _as_read(tables: dict[str, pa.Table]) -> tuple:
    """What the change touches, as the tables show it."""
    return (sorted(set(tables["years"].column("size").to_pylist())),
            tables["village_facts"].column("clinic").to_pylist(),
            dict(zip(tables["units"].column("code").to_pylist(), tables["units"].column("exit_year").to_pylist(),
                     strict=True)),
            [str(v) for v in tables["county_facts"].column("public_approval").to_pylist()])


BEFORE = ([1, 2], [True], {"510802101201": None, "510821000000": None}, ["0.950000"])
AFTER = ([9], [False], {"510802101201": None, "510821000000": 2021}, ["0.500000"])


@pytest.mark.django_db(transaction=True)
def test_a_runs_unit_facts_are_of_its_inputs_moment(registry_2021, divisions, monkeypatch):  # noqa: F811
    """A change committed during the run's read, after its snapshot was exported, is seen neither in the
    households nor in the unit facts (read after the inputs, as they were, the unit facts saw it: the run
    judged the units by facts of a later moment than its households, and hashed and froze those)."""
    _postgresql()
    _record_unit_facts(divisions)
    before, _how = inputs.read_inputs(2021, units=True)
    assert _as_read(before) == BEFORE
    begun = _change_after_the_export(monkeypatch)
    run = services.run_execute(year=2021, policy=PolicyVersion.objects.get(name="national-2021"), publish=True)
    monkeypatch.undo()
    assert len(begun) == 3 and run.timings["read_with"] == "adbc"
    assert run.input_hash == input_hash(before)
    frozen, _manifest, _policy = snapshot.read(run.snapshot_dir)
    assert _as_read(frozen) == BEFORE
    after, _how = inputs.read_inputs(2021, units=True)
    assert _as_read(after) == AFTER  # the change was made, and is seen now


@pytest.mark.django_db(transaction=True)
def test_a_snapshots_unit_facts_are_of_its_inputs_moment(registry_2021, divisions, monkeypatch,  # noqa: F811
                                                        tmp_path):
    """`xiezuo snapshot`: the same change, committed once its transaction began, is in none of its tables."""
    _postgresql()
    _record_unit_facts(divisions)
    before = input_hash(inputs.read_inputs(2021, units=True)[0])
    begun = _change_after_the_export(monkeypatch)
    manifest = snapshot.write_registry(tmp_path / "s", year=2021, policy=PolicyVersion.objects.get(name="national-2021"))
    monkeypatch.undo()
    tables, _manifest, _policy = snapshot.read(tmp_path / "s")
    assert len(begun) == 1 and _as_read(tables) == BEFORE and manifest["input_hash"] == before
    assert _as_read(inputs.read_inputs(2021, units=True)[0]) == AFTER
