"""Input snapshots (measure/snapshot.py): written from the registry county by county, a run from one gives the
direct run's results exactly, the manifest's checksums refuse a changed or incomplete snapshot, published runs
keep their inputs in the same format (a run of a snapshot keeps that snapshot's files), the content digest is the
same however the snapshot was written, and snapshots of format 1 and runs published in the old layout still
run and reproduce."""

from __future__ import annotations

import json
import shutil
import stat
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from xiezuo.measure import services, snapshot
from xiezuo.measure.engine.run import input_hash, legacy_input_hash
from xiezuo.measure.inputs import read_inputs
from xiezuo.measure.models import DivisionResult, HouseholdResult, Run
from xiezuo.policy.models import PolicyVersion
from xiezuo.registry.models import HouseholdYear, Member

from .test_runs import registry_2021  # noqa: F401 — the fixture

HH_FIELDS = ["household_id", "village_id", "size", "pcni", "pcni_after_rigid", "status", "category", "reasons",
             "registered_active", "exited_before", "below_line", "below_monitoring", "exit_ok", "mpi_score",
             "mpi_poor", "deprived"]
DIV_FIELDS = ["division_id", "level", "parent_code", "households", "people", "rural_population", "counts",
              "incidence", "fgt0", "fgt1", "fgt2", "H", "A", "M0", "censored", "contribution"]


def _policy() -> PolicyVersion:
    return PolicyVersion.objects.get(name="national-2021")


def _registry_hash() -> str:
    """The input hash of a run of the registry now: its inputs and its unit facts."""
    return input_hash(read_inputs(2021, units=True)[0])


def _results(run: Run) -> tuple[list, list]:
    hh = list(HouseholdResult.objects.filter(run=run).order_by("household_id").values_list(*HH_FIELDS))
    div = list(DivisionResult.objects.filter(run=run).order_by("division_id").values_list(*DIV_FIELDS))
    return hh, div


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):  # the messages matched below (the site's default language is zh-hans)
        yield


@pytest.fixture
def snap(registry_2021, tmp_path):  # noqa: F811
    path = tmp_path / "snap"
    snapshot.write_registry(path, year=2021, policy=_policy())
    return path


def test_a_run_on_the_snapshot_equals_the_direct_run(snap, registry_2021):  # noqa: F811
    direct = services.run_execute(year=2021, policy=_policy())
    again = services.run_from_snapshot(path=snap)
    assert again.timings["read_with"] == "snapshot" and again.timings["read"] > 0
    assert again.input_hash == direct.input_hash
    hh, div = _results(again)
    assert (hh, div) == _results(direct) and len(hh) == 4 and len(div) > 4


def test_layout_manifest_and_permissions(snap, registry_2021):  # noqa: F811
    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["format_version"] == snapshot.FORMAT_VERSION and manifest["year"] == 2021
    policy = _policy()
    assert manifest["policy"] == {"id": policy.pk, "name": "national-2021", "year": 2021,
                                  "sha256": snapshot.policy_digest(policy.parameters)}
    assert manifest["tables"]["households"] == {"rows": 4, "partitions": {"510802": 2, "510821": 2}}
    assert manifest["tables"]["members"]["rows"] == 5
    assert "households/county=510802/part-0.parquet" in manifest["files"]
    # DuckDB reads the layout as hive partitions
    rows = duckdb.sql(f"SELECT county, count(*) FROM read_parquet('{snap}/households/*/*.parquet', "
                      "hive_partitioning=true) GROUP BY ALL ORDER BY 1").fetchall()
    assert [(str(c), n) for c, n in rows] == [("510802", 2), ("510821", 2)]
    assert pq.ParquetFile(snap / "members/county=510802/part-0.parquet").metadata.num_row_groups == 1
    for path in [snap, *snap.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def test_no_identity_numbers_or_names_in_a_snapshot(snap, registry_2021):  # noqa: F811
    ids = ["510802199001011236", "510802199202021234", "510802198001011234", "510821197001011232",
           "510821196001011231"]  # the fixture's
    secrets = ids + [m.name for m in Member.objects.all()] + \
        [h.head_name for h in registry_2021.values()] + [h.number for h in registry_2021.values()]
    assert all(secrets)
    for path in snap.rglob("*.parquet"):
        text = json.dumps(pq.read_table(path).to_pylist(), ensure_ascii=False)
        assert not [s for s in secrets if s in text], path


def test_a_snapshot_is_written_in_batches(registry_2021, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setattr(snapshot, "BATCH_ROWS", 1)  # every row its own batch: files still one per county
    snapshot.write_registry(tmp_path / "s", year=2021, policy=_policy())
    tables, manifest, _p = snapshot.read(tmp_path / "s")
    assert manifest["tables"]["members"]["partitions"] == {"510802": 3, "510821": 2}
    assert input_hash(tables) == manifest["input_hash"] == _registry_hash()


@pytest.mark.parametrize("damage", ["change", "delete", "extra", "manifest"])
def test_a_changed_or_incomplete_snapshot_is_refused(snap, registry_2021, damage):  # noqa: F811
    part = snap / "years/county=510821/part-0.parquet"
    if damage == "change":
        data = bytearray(part.read_bytes())
        data[len(data) // 2] ^= 1
        part.write_bytes(bytes(data))
        message = "years/county=510821/part-0.parquet does not match its checksum"
    elif damage == "delete":
        part.unlink()
        message = "incomplete: years/county=510821/part-0.parquet is missing"
    elif damage == "extra":
        shutil.copy(part, part.with_name("part-1.parquet"))
        message = "years/county=510821/part-1.parquet is not in its manifest"
    else:
        (snap / "manifest.json").unlink()
        message = "manifest.json is missing"
    with pytest.raises(CommandError, match=message):
        call_command("monitor", "run", "--snapshot", str(snap))
    assert not Run.objects.exists()


def test_a_changed_policy_is_refused_unless_one_is_named(snap, registry_2021):  # noqa: F811
    PolicyVersion.objects.filter(name="national-2021").update(parameters={**_policy().parameters, "note": "x"})
    with pytest.raises(CommandError, match="changed since the snapshot"):
        call_command("monitor", "run", "--snapshot", str(snap))
    with pytest.raises(CommandError, match="is of 2021, not 2020"):
        call_command("monitor", "run", "--snapshot", str(snap), "--year", "2020")


def test_cli_snapshot_then_run(registry_2021, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "cli"
    call_command("snapshot", "--year", "2021", "-o", str(out))
    assert "4 households in 2 counties, 5 members" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not empty"):
        call_command("snapshot", "--year", "2021", "-o", str(out))
    call_command("monitor", "run", "--snapshot", str(out), "--publish")
    run = Run.objects.get()
    assert run.published and run.summary["households"] == {"monitored": 3, "exited": 1}


def test_a_published_run_keeps_a_snapshot_that_reproduces(registry_2021):  # noqa: F811
    run = services.run_execute(year=2021, policy=_policy(), publish=True)
    manifest = snapshot.verify(run.snapshot_dir)
    assert manifest["input_hash"] == run.input_hash and manifest["tables"]["households"]["rows"] == 4
    HouseholdYear.objects.filter(household=registry_2021["b"]).update(wage=Decimal("1"))
    assert services.run_reproduce(run=run).input_hash == run.input_hash
    again = services.run_from_snapshot(path=run.snapshot_dir)  # the same folder is a snapshot like any other
    assert _results(again) == _results(run)


def test_a_run_published_in_the_old_layout_still_reproduces(registry_2021, tmp_path):  # noqa: F811
    run = services.run_execute(year=2021, policy=_policy())
    old = tmp_path / "runs" / "old"
    old.mkdir(parents=True)
    inputs, _how = read_inputs(2021)
    for name, table in inputs.items():  # as snapshot_write wrote them before the snapshot format
        pq.write_table(table, old / f"{name}.parquet")
    (old / "policy.json").write_text(json.dumps({"name": "national-2021", "year": 2021,
                                                 "parameters": _policy().parameters}))
    # a run of that time recorded the hash of that time
    Run.objects.filter(pk=run.pk).update(published=True, snapshot_dir=str(old), input_hash=legacy_input_hash(inputs))
    run.refresh_from_db()
    result = services.run_reproduce(run=run)
    assert result.input_hash == run.input_hash and result.households.num_rows == 4


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_snapshot_streams_with_adbc_on_postgresql(registry_2021, tmp_path):  # noqa: F811
    from django.db import connection

    from xiezuo.measure import inputs

    assert (inputs._adbc_connect() is not None) == (connection.vendor == "postgresql")
    logged = []
    snapshot.write_registry(tmp_path / "s", year=2021, policy=_policy(), log=logged.append)
    read = [line for line in logged if " files (" in line]  # the four tables' lines (the unit facts are small)
    assert len(read) == 4
    assert all(line.endswith("(ADBC)" if connection.vendor == "postgresql" else "(cursor)") for line in read)
    tables, manifest, _p = snapshot.read(tmp_path / "s")
    assert manifest["tables"]["households"]["partitions"] == {"510802": 2, "510821": 2}
    assert input_hash(tables) == manifest["input_hash"] == _registry_hash()


def test_a_large_sqlite_registry_is_streamed_by_the_child_reader(registry_2021, tmp_path, monkeypatch):  # noqa: F811
    """The child reads a copy of the test database (the child cannot see this test's open transaction)."""
    import sqlite3

    from django.db import connection

    from xiezuo.measure import inputs, sqlite_reader

    if connection.vendor != "sqlite":
        pytest.skip("the child reader is for SQLite")
    copy = tmp_path / "copy.sqlite3"
    with sqlite3.connect(copy) as target:  # this connection's dump: the test's uncommitted rows included
        target.executescript("\n".join(connection.connection.iterdump()))
    monkeypatch.setattr(inputs, "_sqlite_file", lambda year: str(copy))
    calls = []
    real = sqlite_reader.stream
    monkeypatch.setattr(sqlite_reader, "stream", lambda *a: calls.append(a) or real(*a))
    logged = []
    snapshot.write_registry(tmp_path / "s", year=2021, policy=_policy(), log=logged.append)
    assert len(calls) == 4 and all("(ADBC, child)" in line for line in logged if " rows in " in line), logged
    tables, manifest, _p = snapshot.read(tmp_path / "s")
    assert manifest["tables"]["members"]["partitions"] == {"510802": 3, "510821": 2}
    assert input_hash(tables) == manifest["input_hash"] == _registry_hash()


def test_the_refusal_is_translated(snap, registry_2021):  # noqa: F811
    from django.utils import translation

    (snap / "members/county=510802/part-0.parquet").unlink()
    with translation.override("zh-hans"), pytest.raises(snapshot.SnapshotError) as caught:
        snapshot.read(snap)
    assert caught.value.messages == ["快照不完整：缺少 members/county=510802/part-0.parquet。"]


def test_tables_in_memory_are_grouped_by_county(tmp_path):
    # given inputs in no particular order, with members and a year of a household not among the inputs
    from types import SimpleNamespace

    import pyarrow as pa

    from xiezuo.measure.engine.run import INPUT_SCHEMAS, conform

    villages = ["510822100001", "510802100001", "510822100002", "510802100002"]
    households = pa.table({"id": [4, 1, 3, 2], "village": villages, "attribute": ["general"] * 4,
                           "identified_year": [None, 2014, None, 2015], "exit_year": [None] * 4})
    members = pa.table({"household_id": [3, 9, 1, 4, 2, 1], "birth_year": [1980, 1990, 1970, 1960, 2000, 2010],
                        "education": ["primary"] * 6, "schooling": ["none"] * 6, "health": ["healthy"] * 6,
                        "disability": [""] * 6, "labour": ["normal"] * 6, "deceased": [0] * 6})
    years = pa.table({f.name: [0] * 5 for f in INPUT_SCHEMAS["years"]} | {"household_id": [2, 4, 9, 1, 3],
                                                                          "housing_grade": ["A"] * 5})
    tables = {"households": households, "members": members, "years": years,
              "populations": INPUT_SCHEMAS["populations"].empty_table()}
    policy = SimpleNamespace(pk=1, name="p", year=2021, parameters={})
    # when they are written as a snapshot
    manifest = snapshot.write_tables(tmp_path / "s", tables, year=2021, policy=policy)
    # then each county has its file with its households' rows, the stray rows in hive's NULL partition
    assert manifest["tables"]["members"]["partitions"] == {"510802": 3, "510822": 2, snapshot.NO_COUNTY: 1}
    assert manifest["tables"]["years"]["partitions"] == {"510802": 2, "510822": 2, snapshot.NO_COUNTY: 1}
    got = pq.read_table(tmp_path / "s" / "members" / "county=510822" / "part-0.parquet")
    assert sorted(got.column("household_id").to_pylist()) == [3, 4]
    # and read back, the inputs are the same (same hash)
    again, _manifest, _policy = snapshot.read(tmp_path / "s")
    assert input_hash(again) == input_hash({k: conform(k, v) for k, v in tables.items()})


def _as_format_1(path) -> None:
    """Make a snapshot look written before format 2: no content digests, no unit facts, no input hash."""
    manifest = json.loads((path / "manifest.json").read_text())
    for name in ("units", "village_facts", "county_facts"):
        shutil.rmtree(path / name)
        del manifest["tables"][name]
    manifest["files"] = {rel: {k: v for k, v in meta.items() if k != "digest"}
                         for rel, meta in manifest["files"].items() if rel.split("/")[0] in
                         ("policy.json", "households", "years", "members", "populations")}
    manifest.update(format_version=1, input_hash=None)
    (path / "manifest.json").write_text(json.dumps(manifest))


def test_the_digest_is_the_same_however_the_snapshot_was_written(registry_2021, tmp_path):  # noqa: F811
    # given a removed household, whose year and members are read but which is not among the households
    from xiezuo.registry.models import Household

    Household.objects.filter(pk=registry_2021["d"].pk).update(status="removed")
    # when the registry is snapshot as it streams, and as the tables a run holds
    streamed = snapshot.write_registry(tmp_path / "streamed", year=2021, policy=_policy())
    tables = read_inputs(2021, units=True)[0]
    written = snapshot.write_tables(tmp_path / "written", tables, year=2021, policy=_policy())
    # then the same rows sit in the same files (the removed household's under hive's NULL county) and the
    # content digests agree, with each other and with the run's input hash
    assert streamed["tables"]["members"]["partitions"] == {"510802": 3, "510821": 1, snapshot.NO_COUNTY: 1}
    assert {k: v for k, v in streamed["tables"].items()} == written["tables"]
    assert {r: m["digest"] for r, m in streamed["files"].items() if "digest" in m} == \
        {r: m["digest"] for r, m in written["files"].items() if "digest" in m}
    assert streamed["input_hash"] == written["input_hash"] == input_hash(tables)
    assert streamed["tables"]["years"]["partitions"] == {"510802": 2, "510821": 1, snapshot.NO_COUNTY: 1}
    assert streamed["format_version"] == 2 and len(streamed["files"]) == 1 + 2 + 3 + 3 + 1 + 3


def test_the_digest_tells_a_changed_row(registry_2021, tmp_path):  # noqa: F811
    before = snapshot.write_registry(tmp_path / "a", year=2021, policy=_policy())["input_hash"]
    Member.objects.filter(household=registry_2021["c"]).update(schooling="dropout")
    after = snapshot.write_registry(tmp_path / "b", year=2021, policy=_policy())
    assert after["input_hash"] != before
    changed = [r for r in after["files"] if "digest" in after["files"][r] and
               after["files"][r]["digest"] != json.loads((tmp_path / "a/manifest.json").read_text())["files"][r]["digest"]]
    assert changed == ["members/county=510821/part-0.parquet"]


def test_a_duckdb_run_of_a_snapshot_is_published_with_its_files(snap, registry_2021):  # noqa: F811
    # given a snapshot, and the registry changed after it was taken
    manifest = snapshot.verify(snap)
    HouseholdYear.objects.filter(household=registry_2021["b"]).update(wage=Decimal("1"))
    # when a run of the snapshot is published
    run = services.run_from_snapshot(path=snap, publish=True)
    # then its input hash is the snapshot's digest, and its frozen inputs are the snapshot's files, linked
    assert run.published and run.input_hash == manifest["input_hash"]
    frozen = snapshot.verify(run.snapshot_dir)
    assert frozen["input_hash"] == run.input_hash and frozen["frozen_from"]["path"] == str(snap.resolve())
    rel = "members/county=510802/part-0.parquet"
    assert frozen["files"][rel] == manifest["files"][rel]
    assert (snap / rel).stat().st_ino == (Path(run.snapshot_dir) / rel).stat().st_ino
    assert run.summary["inputs"] == {"units_from": "snapshot", "snapshot": str(snap.resolve())}
    # and a recomputation from them gives the same hash and the same results
    result = services.run_reproduce(run=run)
    assert result.input_hash == run.input_hash
    stored = dict(HouseholdResult.objects.filter(run=run).values_list("household_id", "status"))
    again = dict(zip(result.households.column("household_id").to_pylist(),
                     result.households.column("status").to_pylist(), strict=True))
    assert again == stored and len(stored) == 4
    # and the original snapshot can go: the run keeps its files
    shutil.rmtree(snap)
    assert services.run_reproduce(run=run).input_hash == run.input_hash


def test_a_run_under_another_policy_freezes_that_policy(snap, registry_2021):  # noqa: F811
    from xiezuo.policy.services import policy_copy

    other = policy_copy(policy=_policy(), name="national-2021-b", user=None, changes={"monitoring_threshold": "7000"},
                        check_scope=False)
    PolicyVersion.objects.filter(pk=other.pk).update(status=PolicyVersion.Status.PUBLISHED)
    other.refresh_from_db()
    run = services.run_from_snapshot(path=snap, policy=other, publish=True)
    frozen = snapshot.verify(run.snapshot_dir)
    assert frozen["policy"]["name"] == "national-2021-b" and frozen["input_hash"] == run.input_hash
    _tables, policy, _manifest = services.snapshot_read(run)
    assert policy["parameters"]["monitoring_threshold"] == "7000"


def test_publishing_a_run_of_a_snapshot_later(snap, registry_2021):  # noqa: F811
    # given an unpublished run of a snapshot, and the registry changed since
    run = services.run_from_snapshot(path=snap)
    HouseholdYear.objects.filter(household=registry_2021["b"]).update(wage=Decimal("1"))
    # when it is published while the snapshot is there: the snapshot's files are kept
    published = services.run_publish(run=run, user=None)
    assert published.published and snapshot.verify(published.snapshot_dir)["input_hash"] == run.input_hash
    # and another run of a copy, once the copy is gone, is refused with what to do
    copy = shutil.copytree(snap, snap.with_name("copy"))
    second = services.run_from_snapshot(path=copy)
    assert second.summary["inputs"]["snapshot"] == str(copy)
    shutil.rmtree(copy)
    with pytest.raises(ValidationError, match="ran on the snapshot .* which is gone or no longer as it was"):
        services.run_publish(run=second, user=None)


def test_a_snapshot_of_format_1_still_runs_and_publishes(snap, registry_2021):  # noqa: F811
    _as_format_1(snap)
    logged = []
    run = services.run_from_snapshot(path=snap, publish=True, log=logged.append)
    assert any("holds no unit facts" in line for line in logged)
    assert run.summary["inputs"]["units_from"] == "database"
    assert run.input_hash == _registry_hash()  # computed from the tables read, the database's unit facts with them
    frozen = snapshot.verify(run.snapshot_dir)  # written out (format 2): the old files have no digests to link
    assert frozen["format_version"] == 2 and frozen["input_hash"] == run.input_hash
    assert "units/part-0.parquet" in frozen["files"] and "frozen_from" not in frozen
    assert services.run_reproduce(run=run).input_hash == run.input_hash


def test_a_run_frozen_in_format_1_still_reproduces(registry_2021, tmp_path):  # noqa: F811
    run = services.run_execute(year=2021, policy=_policy(), publish=True)
    inputs, _how = read_inputs(2021)
    _as_format_1(Path(run.snapshot_dir))
    Run.objects.filter(pk=run.pk).update(input_hash=legacy_input_hash(inputs))  # the hash of that time
    run.refresh_from_db()
    assert services.run_reproduce(run=run).input_hash == run.input_hash
