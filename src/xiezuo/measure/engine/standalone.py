"""A Spark standalone cluster on this machine: a master and N workers, each its own JVM.

    with standalone_cluster(workers=2, cores=1, memory="1g") as master:   # "spark://127.0.0.1:PORT"
        result = spark.evaluate_snapshot(spec, snapshot_dir, out_dir, year=2021, master=master)

Started from pyspark's own distribution (`bin/spark-class org.apache.spark.deploy.master.Master` and
`...worker.Worker`), so nothing but pyspark and a Java runtime is needed. The context waits until every
worker has registered with the master (its JSON UI), and on exit stops the workers, then the master, with
their child JVMs (the executors a worker launched): each daemon runs in its own process group, which is
signalled as a whole. Logs and the workers' folders are in a temporary folder (`cluster.log_dir` while it
runs), removed on exit unless `keep_logs=True`.

For tests and the national bench; a real cluster is started by its operators (`sbin/start-master.sh`, YARN,
Kubernetes) and given to the engine as XIEZUO_SPARK_MASTER or `master=`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
HOST = "127.0.0.1"


def spark_home() -> Path:
    """pyspark's distribution (it carries bin/spark-class and the jars)."""
    import pyspark

    return Path(os.environ.get("SPARK_HOME") or Path(pyspark.__file__).parent)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def master_state(ui_port: int) -> dict | None:
    """The master's JSON UI (workers, applications), or None while it is not up."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{ui_port}/json/", timeout=2) as r:  # noqa: S310 — localhost
            return json.load(r)
    except (OSError, ValueError):
        return None


def _alive_workers(ui_port: int) -> int:
    state = master_state(ui_port)
    return -1 if state is None else sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


class Cluster(str):
    """The master URL (a str, usable as `master=`), with the cluster's log folder and UI port."""

    log_dir: Path
    ui_port: int
    pids: list[int]  # the daemons' (each leads its process group: its executors are in it)


def _stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to the daemon's process group (the daemon and the executors it started), then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    # the group may outlive its leader (an executor still exiting): make sure nothing is left, and wait
    # until the group is empty (a killed process lingers until its parent has reaped it)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


@contextlib.contextmanager
def standalone_cluster(workers: int = 2, cores: int = 1, memory: str = "1g", *, timeout: float = 180,
                       keep_logs: bool = False) -> Iterator[Cluster]:
    """Start a master and `workers` workers (each offering `cores` cores and `memory`); yield the master URL
    once every worker is registered; stop them all on exit (also after an error or Ctrl-C)."""
    home = spark_home()
    spark_class = home / "bin" / "spark-class"
    if not spark_class.exists():
        raise RuntimeError(f"{spark_class} is missing: pyspark's distribution is needed")
    log_dir = Path(tempfile.mkdtemp(prefix="xiezuo-spark-"))
    env = dict(os.environ, SPARK_HOME=str(home), SPARK_LOCAL_IP=HOST, SPARK_LOG_DIR=str(log_dir),
               PYSPARK_PYTHON=sys.executable, SPARK_WORKER_DIR=str(log_dir / "work"))
    env.pop("SPARK_CONF_DIR", None)
    port, ui_port = _free_port(), _free_port()
    url = f"spark://{HOST}:{port}"
    procs: list[subprocess.Popen] = []
    started = False

    def start(name: str, *args: str) -> subprocess.Popen:
        with open(log_dir / f"{name}.log", "wb") as log:  # the child keeps its own descriptor
            proc = subprocess.Popen([str(spark_class), *args], env=env, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)  # own process group
        procs.append(proc)
        return proc

    try:
        start("master", MASTER_CLASS, "--host", HOST, "--port", str(port), "--webui-port", str(ui_port))
        for i in range(workers):
            start(f"worker-{i}", WORKER_CLASS, url, "--host", HOST, "--cores", str(cores), "--memory", memory,
                  "--webui-port", str(_free_port()), "--work-dir", str(log_dir / f"work-{i}"))
        deadline = time.monotonic() + timeout
        while _alive_workers(ui_port) < workers:
            dead = [p for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                what = "a daemon exited" if dead else f"not all {workers} workers registered in {timeout:.0f} s"
                raise RuntimeError(f"the Spark standalone cluster did not start ({what}); logs in {log_dir}")
            time.sleep(0.5)
        cluster = Cluster(url)
        cluster.log_dir, cluster.ui_port, cluster.pids = log_dir, ui_port, [p.pid for p in procs]
        started = True
        yield cluster
    finally:
        for proc in reversed(procs):  # workers (and their executors) first, the master last
            _stop(proc)
        if started and not keep_logs:  # a cluster that did not start keeps its logs (the error names them)
            shutil.rmtree(log_dir, ignore_errors=True)
