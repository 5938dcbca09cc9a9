"""The engine on a real Spark standalone cluster (a master and a worker, separate JVMs from pyspark's own
distribution) over a snapshot: the executors read its Parquet partitions and write the household results as
Parquet by county; only the division table reaches the driver. Results equal DuckDB's on the same snapshot."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import types

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from xiezuo.measure.engine import Spec, evaluate
from xiezuo.measure.engine import spark as spark_backend
from xiezuo.measure.engine.synthetic import registry, village_codes
from xiezuo.policy.seed import parameters

pytestmark = [pytest.mark.spark, pytest.mark.skipif(not spark_backend.available(),
                                                    reason="pyspark or a Java runtime is missing")]
COUNTIES = {code[:6] for code in village_codes(7)}  # the synthetic registry's seven counties


@pytest.fixture(scope="module")
def spec() -> Spec:
    return Spec.from_dict(parameters(2021))


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    """A small synthetic registry written as a snapshot (the layout of `xiezuo snapshot`)."""
    from xiezuo.measure import snapshot

    reg = registry(1500, seed=23)
    path = tmp_path_factory.mktemp("snap") / "s"
    policy = types.SimpleNamespace(pk=1, name="national-2021", year=2021, parameters=parameters(2021))
    snapshot.write_tables(path, reg, year=2021, policy=policy)
    return path


@pytest.fixture(scope="module")
def cluster_run(snap, spec, tmp_path_factory):
    """One run through a standalone cluster started for the test (a master and one worker); the cluster's own
    account of the run (its JSON UI) and its daemons' process ids, read before it stops."""
    from xiezuo.measure.engine.standalone import master_state, standalone_cluster

    out = tmp_path_factory.mktemp("out") / "o"
    t0 = time.perf_counter()
    with standalone_cluster(workers=1, cores=1, memory="1g") as master:
        started = time.perf_counter() - t0
        result = spark_backend.evaluate_snapshot(spec, snap, out, year=2021, master=master, partitions=2)
        state = master_state(master.ui_port)
        pids = list(master.pids)
    print(f"\ncluster start {started:.1f} s, run {result.timings['total']:.1f} s, "
          f"whole {time.perf_counter() - t0:.1f} s; {({k: round(v, 1) for k, v in result.timings.items()})}")
    return types.SimpleNamespace(result=result, state=state, pids=pids, out=out, master=str(master))


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded (their dictionaries' order depends on the row order), sorted by household."""
    table = table.sort_by("household_id")
    return pa.table([c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns],
                    names=table.column_names)


def test_the_cluster_gives_duckdbs_results_on_the_same_snapshot(cluster_run, snap, spec):
    # given DuckDB's results on the same snapshot's files (DuckDB reads the hive layout itself)
    from xiezuo.measure import snapshot

    tables, _manifest, _policy = snapshot.read(snap)
    duck = evaluate(**tables, spec=spec, year=2021)
    # when the household rows the executors wrote are read back
    written = spark_backend.read_households(cluster_run.result.households_path, spec)
    # then every household column is equal (floats within 1e-9)
    a, b = _plain(duck.households), _plain(written)
    assert b.column_names == a.column_names and b.num_rows == a.num_rows == 1500
    for name in a.column_names:
        x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
        if pa.types.is_floating(a.column(name).type):
            assert np.allclose(np.array(x, float), np.array(y, float), atol=1e-9, rtol=0), name
        else:
            assert x == y, name
    # and every division measure within 1e-9
    da, db_ = duck.divisions, cluster_run.result.divisions
    assert db_.column_names == da.column_names and db_.num_rows == da.num_rows
    for name in da.column_names:
        x, y = da.column(name).to_pylist(), db_.column(name).to_pylist()
        if pa.types.is_floating(da.column(name).type):
            assert np.allclose(np.array(x, float), np.array(y, float), atol=1e-9, rtol=0), name
        else:
            assert x == y, name
    assert cluster_run.result.counts == {"households": 1500, "years": 1500, "members": tables["members"].num_rows,
                                         "populations": tables["populations"].num_rows}


def test_household_rows_stay_with_the_executors(cluster_run, spec):
    result = cluster_run.result
    # the driver gets the division table only
    assert result.households is None
    assert set(result.divisions.column("level").to_pylist()) == {"village", "township", "county", "city", "province"}
    # the household rows are Parquet files, one folder per county, written by the executors
    folders = spark_backend.household_partitions(cluster_run.out)
    assert {f.name.removeprefix("county=") for f in folders} == COUNTIES
    rows = 0
    for folder in folders:
        files = list(folder.glob("*.parquet"))
        assert len(files) == 1, folder  # shuffled by county first: one file per county
        table = pq.read_table(files[0])
        assert {v[:6] for v in table.column("village").to_pylist()} == {folder.name.removeprefix("county=")}
        rows += table.num_rows
    assert rows == 1500
    # the masks are described next to them
    codes = (cluster_run.out / spark_backend.CODES_FILE).read_text()
    assert "income_below_line" in codes and "nutrition" in codes


def test_the_run_was_the_clusters_and_the_cluster_is_gone(cluster_run):
    # the application ran on the standalone master (not in a local Spark inside the test process)
    apps = cluster_run.state["activeapps"] + cluster_run.state["completedapps"]
    assert [a["name"] for a in apps] == ["xiezuo-measure"]
    assert cluster_run.state["aliveworkers"] == 1
    # the master and the worker were their own processes, and no process of their groups is left
    assert len(cluster_run.pids) == 2 and os.getpid() not in cluster_run.pids
    for pid in cluster_run.pids:
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)


def test_a_cluster_that_does_not_come_up_is_stopped_and_keeps_its_logs(monkeypatch):
    from xiezuo.measure.engine import standalone

    started = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(standalone.subprocess, "Popen", popen)
    # given no time for the worker to register
    with pytest.raises(RuntimeError, match="not all 1 workers registered") as error, \
            standalone.standalone_cluster(workers=1, timeout=0.1):
        pass
    # then both daemons and their process groups are gone, and the logs are kept for the error's reader
    assert len(started) == 2
    for proc in started:
        assert proc.poll() is not None
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
    log_dir = str(error.value).rsplit("logs in ", 1)[1]
    assert os.path.isfile(os.path.join(log_dir, "master.log"))
    shutil.rmtree(log_dir)
