"""Runs on Spark (measure/spark_runs.py): from a snapshot, the executors read its files and write the household
results as Parquet, loaded into the database county by county; from the registry, the inputs are written as a
snapshot first. Both store what a DuckDB run stores, and a run of a snapshot is published with its files."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import translation

from xiezuo.measure import services, snapshot, spark_runs
from xiezuo.measure.engine import spark as spark_backend
from xiezuo.measure.models import HouseholdResult, Run
from xiezuo.registry.models import HouseholdYear

from .test_runs import registry_2021  # noqa: F401 — the fixture
from .test_snapshot import _as_format_1, _policy, _results

pytestmark = [pytest.mark.spark, pytest.mark.skipif(not spark_backend.available(),
                                                    reason="pyspark or a Java runtime is missing")]


@pytest.fixture(scope="module")
def spark():
    """One local Spark session for the module (its JVM start is most of a run's time); a run reuses it."""
    session = spark_backend.session()
    yield session
    session.stop()


def _same(a: list, b: list) -> None:
    """Result rows equal, floats (and the floats in JSON columns) within 1e-9."""
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        for x, y in zip(ra, rb, strict=True):
            if isinstance(x, dict):
                assert x.keys() == y.keys()
                assert all(math.isclose(x[k], y[k], abs_tol=1e-9) for k in x), (ra, rb)
            elif isinstance(x, float):
                assert math.isclose(x, y, abs_tol=1e-9), (ra, rb)
            else:
                assert x == y, (ra, rb)


def test_monitor_run_on_a_snapshot_with_spark_stores_duckdbs_results(registry_2021, spark, tmp_path,  # noqa: F811
                                                                        capsys):
    # given a snapshot and a DuckDB run on it
    path = tmp_path / "snap"
    snapshot.write_registry(path, year=2021, policy=_policy())
    duck = services.run_from_snapshot(path=path)
    # when the command runs it on Spark (the module's session is active: the run uses it)
    call_command("monitor", "run", "--snapshot", str(path), "--engine", "spark")
    run = Run.objects.latest("pk")
    # then the same rows are stored, and the run says where its inputs came from
    assert run.engine == "spark" and run.status == Run.Status.SUCCEEDED
    hh, div = _results(run)
    _same(hh, _results(duck)[0])
    _same(div, _results(duck)[1])
    assert len(hh) == 4 and run.input_households == 4 and run.input_members == 5
    assert run.summary["households"] == duck.summary["households"]
    assert run.timings["read_with"] == "snapshot"
    assert "the executors read" in capsys.readouterr().out
    # and the scratch folder (the Parquet output) is gone
    assert not list(spark_runs.scratch_dir().iterdir())


def test_a_registry_run_on_spark_goes_through_a_snapshot(registry_2021, spark):  # noqa: F811
    logged = []
    duck = services.run_execute(year=2021, policy=_policy())
    run = services.run_execute(year=2021, policy=_policy(), engine="spark", spark=spark, log=logged.append)
    hh, div = _results(run)
    _same(hh, _results(duck)[0])
    _same(div, _results(duck)[1])
    assert run.input_hash == duck.input_hash  # the inputs were read here: hashed as usual
    assert any("writing the inputs as a snapshot" in m for m in logged)
    assert not list(spark_runs.scratch_dir().iterdir())


def test_a_failed_spark_run_leaves_no_rows_and_no_scratch(registry_2021, spark, monkeypatch):  # noqa: F811
    real, calls = spark_backend.read_households, []

    def broken(*args, **kwargs):  # the first county loads, the second fails: its rows must go too
        calls.append(args)
        if len(calls) > 1:
            raise RuntimeError("a Parquet file went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(spark_backend, "read_households", broken)
    with pytest.raises(RuntimeError):
        services.run_execute(year=2021, policy=_policy(), engine="spark", spark=spark)
    run = Run.objects.latest("pk")
    assert run.status == Run.Status.FAILED and not run.household_results.exists() and len(calls) == 2
    assert not list(spark_runs.scratch_dir().iterdir())


def test_a_spark_run_from_a_snapshot_is_published_with_its_files(registry_2021, spark, tmp_path):  # noqa: F811
    # given a snapshot, a DuckDB run of it, and the registry changed after it was taken
    path = tmp_path / "snap"
    manifest = snapshot.write_registry(path, year=2021, policy=_policy())
    duck = services.run_from_snapshot(path=path)
    HouseholdYear.objects.filter(household=registry_2021["b"]).update(wage=Decimal("1"))
    # when a Spark run of it is published
    run = services.run_from_snapshot(path=path, engine="spark", spark=spark, publish=True)
    # then its input hash is the snapshot's digest (the DuckDB run's too), and it keeps the snapshot's files
    assert run.published and run.input_hash == manifest["input_hash"] == duck.input_hash
    frozen = snapshot.verify(run.snapshot_dir)
    assert frozen["input_hash"] == run.input_hash and frozen["tables"] == manifest["tables"]
    assert run.summary["inputs"]["units_from"] == "snapshot"
    # and a recomputation from them gives the same hash and the same household statuses
    result = services.run_reproduce(run=run)
    assert result.input_hash == run.input_hash
    stored = dict(HouseholdResult.objects.filter(run=run).values_list("household_id", "status"))
    again = dict(zip(result.households.column("household_id").to_pylist(),
                     result.households.column("status").to_pylist(), strict=True))
    assert again == stored == dict(HouseholdResult.objects.filter(run=duck).values_list("household_id", "status"))


def test_a_spark_run_of_a_format_1_snapshot_runs_but_is_not_published(registry_2021, spark, tmp_path):  # noqa: F811
    path = tmp_path / "snap"
    snapshot.write_registry(path, year=2021, policy=_policy())
    _as_format_1(path)
    with translation.override("en"), pytest.raises(ValidationError, match="take the snapshot again"):
        services.run_from_snapshot(path=path, engine="spark", spark=spark, publish=True)
    assert not Run.objects.exists()
    logged = []
    run = services.run_from_snapshot(path=path, engine="spark", spark=spark, log=logged.append)
    assert run.status == Run.Status.SUCCEEDED and run.input_hash == ""
    assert any("holds no unit facts" in line for line in logged)
    with translation.override("en"), pytest.raises(ValidationError, match="has no input hash"):
        services.run_publish(run=run, user=None)
