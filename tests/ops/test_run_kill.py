"""A measurement run in a worker killed mid-run leaves no half-written run: no result rows, no published
inputs, the latest published run as it was, the run row failed with a message and the job failed; the worker
beside it carries on and runs the next one to the end."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from tests.ops.test_worker import _wait

SUBMIT = """
from xiezuo.dataio.jobs import SystemUser
from xiezuo.measure.tasks import run_submit
from xiezuo.policy.selectors import policy_for
year = int(sys.argv[1])
out = run_submit(year=year, policy=policy_for(year=year), user=SystemUser(), publish=True).pk
"""


def _phase(site, job_id: int) -> str:
    try:
        return json.loads((site.data_dir / "jobs" / f"{job_id}.progress.json").read_text())["message"]
    except (OSError, ValueError, KeyError):
        return ""


def _latest_run(site) -> tuple[int, str]:
    return site.sql("SELECT id, status FROM measure_run ORDER BY id DESC LIMIT 1")[0]


def _published(site) -> list[int]:
    return [r[0] for r in site.sql("SELECT id FROM measure_run WHERE published = ? ORDER BY id",
                                   (True,) if site.vendor == "postgresql" else (1,))]


def _freeze_while_writing(site, workers, year: int, attempts: int = 8):
    """Submit publishing runs until one is caught in its writing phase: stop its worker (SIGSTOP) and check the
    run is still unfinished (a stopped process commits nothing). Returns (job id, run id, stopped worker)."""
    for _ in range(attempts):
        job_id = site.python(SUBMIT, str(year))
        deadline = time.monotonic() + 240
        while "writing" not in _phase(site, job_id):
            assert time.monotonic() < deadline, "the run never reached its writing phase"
            time.sleep(0.005)
        runner = site.sql("SELECT runner FROM dataio_job WHERE id = ?", (job_id,))[0][0]
        worker = next(w for w in workers if w.pid == int(runner.split(":")[1]))
        os.kill(worker.pid, signal.SIGSTOP)
        run_id, status = _latest_run(site)
        if status == "running":
            return job_id, run_id, worker
        os.kill(worker.pid, signal.SIGCONT)  # it had already finished writing: let it finish, try again
        _wait(site, job_id, lambda s: s["finished"])
    pytest.fail(f"no run was caught writing in {attempts} attempts")


def test_a_worker_killed_while_a_run_writes_leaves_no_half_written_run(site):
    site.cli("migrate", "-v0")
    site.cli("demo", "--scale", "0.002", "--no-serve", timeout=900)
    year = site.sql("SELECT year FROM measure_run WHERE published = ? ORDER BY year DESC LIMIT 1",
                    (True,) if site.vendor == "postgresql" else (1,))[0][0]

    # given two workers, and a publishing run stopped in the middle of writing its results in one of them
    workers = [site.popen("worker", "--interval", "0.2", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    try:
        published = None
        job_id, run_id, victim = _freeze_while_writing(site, workers, year)
        published = _published(site)
        # when that worker is killed
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)

        # then the job fails with a clear message, and the run row is failed too (the other worker's recovery)
        failed = _wait(site, job_id, lambda s: s["finished"], timeout=90)
        assert failed["status"] == "failed" and failed["task"] == "FAILED"
        deadline = time.monotonic() + 60
        while (run := site.sql("SELECT status, message, published FROM measure_run WHERE id = ?", (run_id,))[0])[0] \
                == "running":
            assert time.monotonic() < deadline, "the dead run was never marked failed"
            time.sleep(0.3)
        assert run[0] == "failed" and run[1] == "the process running this run stopped" and not run[2]
        # and nothing of it was written: no results, no frozen inputs, the published runs as they were
        for table in ("measure_householdresult", "measure_divisionresult"):
            assert site.sql(f"SELECT count(*) FROM {table} WHERE run_id = ?", (run_id,)) == [(0,)]  # noqa: S608
        runs = site.data_dir / "runs"
        assert not [p.name for p in runs.iterdir() if p.name.split(".")[0] == str(run_id)]
        assert _published(site) == published

        # and the other worker publishes the next run to the end
        again = site.python(SUBMIT, str(year))
        done = _wait(site, again, lambda s: s["finished"], timeout=240)
        assert done["status"] == "done", done
        new_run = _latest_run(site)
        assert new_run[1] == "succeeded" and _published(site) == [*published, new_run[0]]
        assert (runs / str(new_run[0]) / "manifest.json").exists()
    finally:
        for w in workers:
            if w.poll() is None:
                os.kill(w.pid, signal.SIGCONT)
                w.send_signal(signal.SIGTERM)
                w.wait(timeout=60)
