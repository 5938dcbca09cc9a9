"""Background work through django-tasks: a worker killed in the middle of a job's commit leaves the
database as it was and the job failed with a clear message; a second worker beside it carries on."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.dataio.test_kill import SETUP

TABLES = ("registry_household", "registry_member", "registry_householdyear", "accounts_auditentry")


def _counts(site) -> list[int]:
    return [site.sql(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES]  # noqa: S608 - fixed names

SUBMIT = """
from xiezuo.dataio import jobs
job = jobs.submit("import", params={"path": sys.argv[1], "dry_run": False, "system": True})
jobs.start(job)
out = job.pk
"""

JOB = """
from xiezuo.dataio import jobs
from xiezuo.dataio.models import Job
from django_tasks_db.models import DBTaskResult
job = Job.objects.get(pk=int(sys.argv[1]))
status = jobs.status(job)
task = DBTaskResult.objects.filter(id=job.task_id).first() if job.task_id else None
out = {**status, "runner": job.runner, "task": task.status if task else None,
       "workers": len(jobs.live_workers())}
"""


def _committing(site, job_id: int, timeout: float = 240) -> str:
    """Poll the job's progress file until its commit phase, then return its runner."""
    progress = site.data_dir / "jobs" / f"{job_id}.progress.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = json.loads(progress.read_text())["message"]
        except (OSError, ValueError, KeyError):
            message = ""
        if "Saving" in message or "保存" in message:
            return site.sql("SELECT runner FROM dataio_job WHERE id = ?", (job_id,))[0][0]
        time.sleep(0.05)
    pytest.fail("the import never reached its commit phase")


def _wait(site, job_id: int, until, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        state = site.python(JOB, str(job_id))
        if until(state):
            return state
        if time.monotonic() > deadline:
            pytest.fail(f"job never reached the state: {state}")
        time.sleep(0.3)


def test_a_worker_killed_during_a_jobs_commit_changes_nothing_and_the_job_fails_clearly(site):
    site.cli("migrate", "-v0")
    small, big = site.data_dir / "small.xlsx", site.data_dir / "big.xlsx"
    site.python(SETUP.split("django.setup()", 1)[1], str(small), str(big), "5000")
    site.cli("import", str(small), "--quiet")
    before = _counts(site)
    assert before[0] == 1

    # given two workers side by side, and an import committing in one of them
    workers = [site.popen("worker", "--interval", "0.2", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    try:
        job_id = site.python(SUBMIT, str(big))
        pid = int(_committing(site, job_id).split(":")[1])
        victim = next(w for w in workers if w.pid == pid)
        time.sleep(0.3)
        assert site.sql("SELECT status FROM dataio_job WHERE id = ?", (job_id,)) == [("running",)]
        # when that worker is killed
        os.kill(pid, signal.SIGKILL)
        victim.wait(timeout=30)

        # then the job is failed with a clear message, and so is its task (the surviving worker notices)
        failed = _wait(site, job_id, lambda s: s["status"] == "failed", timeout=60)
        stored = site.sql("SELECT message FROM dataio_job WHERE id = ?", (job_id,))[0][0]
        assert stored.startswith("the worker running this job stopped (killed or crashed)")
        assert "后台进程已停止" in failed["message"]  # the page's message, in the site's language
        assert failed["task"] == "FAILED" and failed["workers"] == 1
        # and every table has the rows it had before
        assert _counts(site) == before

        # and the other worker runs the same import to the end
        again = site.python(SUBMIT, str(big))
        done = _wait(site, again, lambda s: s["finished"])
        assert done["status"] == "done", done
        assert done["task"] == "SUCCESSFUL"
        assert _counts(site)[0] == before[0] + 5000
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)
                w.wait(timeout=60)


def _get(url: str, headers: dict | None = None) -> tuple[int, str, dict]:
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:  # noqa: S310 - http only
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)
    except OSError:
        return 0, "", {}


def test_serve_starts_a_worker_when_none_runs_and_believes_only_its_proxy(site):
    import socket

    site.cli("migrate", "-v0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    site.env.update(XIEZUO_HTTPS="1", XIEZUO_PROXY="1", XIEZUO_PROXY_ADDRESS="127.0.0.1", XIEZUO_SECRET_KEY="x" * 50)
    # started with SIGINT ignored, as a background job of a non-interactive shell (CI's, a script's) starts it:
    # Ctrl+C must still stop it (serve installs its own handler; before, it never stopped)
    server = site.popen("serve", "--port", str(port), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                        start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    base = f"http://127.0.0.1:{port}"
    try:
        # /healthz answers over plain HTTP and says ok once serve's own worker has registered
        deadline = time.monotonic() + 120
        while (state := _get(f"{base}/healthz"))[0] != 200 or '"ok", "database"' not in state[1]:
            assert server.poll() is None and time.monotonic() < deadline, state
            time.sleep(0.5)
        assert json.loads(state[1]) == {"status": "ok", "database": "ok", "worker": "ok"}
        # and a job started as the web would start it is run by that worker
        job_id = site.python("""
from xiezuo.dataio import jobs
job = jobs.submit("export", params={"entity": "households", "format": "csv", "system": True})
jobs.start(job)
out = job.pk
""")
        done = _wait(site, job_id, lambda s: s["finished"], timeout=120)
        assert done["status"] == "done" and done["task"] == "SUCCESSFUL"
        # behind the proxy: HTTPS as the proxy says, a redirect to it for whoever says nothing
        assert _get(f"{base}/accounts/login/", {"X-Forwarded-Proto": "https"})[0] == 200
        plain = _get(f"{base}/accounts/login/")
        assert plain[0] == 301 and plain[2]["Location"].startswith("https://")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    # and it stopped the worker it started
    started = re.search(r"background worker started \(pid (\d+)\)", server.stdout.read().decode())
    assert started, "serve said it started no worker"
    deadline = time.monotonic() + 30
    while _state(int(started.group(1))) != "Z":
        assert time.monotonic() < deadline, "the worker outlived serve"
        time.sleep(0.2)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_serve_stops_on_sigterm_and_takes_its_worker_along(site):
    """A service manager stops serve with SIGTERM: it shuts down like Ctrl+C and stops its worker child (before,
    SIGTERM killed serve outright and left the worker running)."""
    import socket

    site.cli("migrate", "-v0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = site.popen("serve", "--port", str(port), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                        start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _get(f"http://127.0.0.1:{port}/healthz")[0] != 200:
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    started = re.search(r"background worker started \(pid (\d+)\)", server.stdout.read().decode())
    assert started
    deadline = time.monotonic() + 30
    while _state(int(started.group(1))) != "Z":
        assert time.monotonic() < deadline, "the worker outlived serve"
        time.sleep(0.2)
    # and its worker went with it
    assert site.python("from xiezuo.dataio import jobs\nout = len(jobs.live_workers())") == 0
