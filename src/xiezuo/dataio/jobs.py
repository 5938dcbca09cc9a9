"""One background-job mechanism for every long task, without Redis or Celery.

    from xiezuo.dataio import jobs

    @jobs.register("measure.run")
    def run_measure(handle: jobs.JobHandle, params: dict) -> dict:
        for i, chunk in enumerate(chunks):
            handle.progress(i / len(chunks), "computing")   # raises jobs.Cancelled if cancelled
            ...
        return {"run": run.pk}                               # stored as Job.result

    job = jobs.submit("measure.run", params={...}, user=request.user)   # queued
    jobs.start(job)          # web: a thread in the server process (or leave it to `xiezuo worker`)
    jobs.run(job)            # CLI: synchronously, here

Other apps register their kinds in `xiezuo/<app>/tasks.py` (imported on first use).
Progress and cancellation also travel through small files under
XIEZUO_DATA_DIR/jobs/, because a job's commit phase runs inside one database
transaction (SQLite allows one writer, and its readers would not see the flag).
A job that is killed leaves its transaction rolled back; `xiezuo worker` marks such
stale "running" jobs failed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Job

log = logging.getLogger(__name__)

JobFunction = Callable[["JobHandle", dict], dict | None]
_KINDS: dict[str, JobFunction] = {}
STALE_AFTER = timedelta(minutes=10)


class Cancelled(Exception):
    """Raised by `JobHandle.progress` when the job's cancellation was requested."""


def register(kind: str) -> Callable[[JobFunction], JobFunction]:
    def wrap(fn: JobFunction) -> JobFunction:
        _KINDS[kind] = fn
        return fn
    return wrap


def kinds() -> list[str]:
    _load_kinds()
    return sorted(_KINDS)


def _load_kinds() -> None:
    """Import every app's `tasks` module, where job kinds are registered."""
    from xiezuo.plugins import app_modules

    for _app, _module in app_modules("tasks", order=tuple(_apps())):
        pass


def _apps() -> list[str]:
    return [a.split(".")[-1] for a in settings.INSTALLED_APPS if a.startswith("xiezuo.")]


def job_dir() -> Path:
    path = Path(settings.DATA_DIR) / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _progress_file(job_id: int) -> Path:
    return job_dir() / f"{job_id}.progress.json"


def _cancel_file(job_id: int) -> Path:
    return job_dir() / f"{job_id}.cancel"


class SystemUser:
    """The command line without --user: a system administrator, audited as "system"."""

    pk = None
    id = None
    username = "system"
    role = "admin"
    is_superuser = True
    is_staff = True
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def __str__(self) -> str:
        return "system"


class JobHandle:
    """What a job function sees: its id, user, and a progress reporter that checks cancellation."""

    def __init__(self, job: Job, echo: Callable[[int, str], None] | None = None):
        self.job = job
        self.job_id = job.pk
        self.user = job.created_by or (SystemUser() if job.params.get("system") else None)
        self.params = job.params
        self._echo = echo
        self._last_db = 0.0

    def cancelled(self) -> bool:
        if _cancel_file(self.job_id).exists():
            return True
        if not connection.in_atomic_block:
            return Job.objects.filter(pk=self.job_id, cancel_requested=True).exists()
        return False

    def progress(self, fraction: float, message: str = "") -> None:
        pct = int(max(0.0, min(1.0, fraction)) * 100)
        if self._echo:
            self._echo(pct, message)
        _progress_file(self.job_id).write_text(json.dumps({"progress": pct, "message": message[:300],
                                                           "at": time.time()}))
        now = time.monotonic()
        if not connection.in_atomic_block and now - self._last_db > 1.0:
            self._last_db = now
            Job.objects.filter(pk=self.job_id).update(progress=pct, message=message[:300],
                                                      heartbeat_at=timezone.now())
        if self.cancelled():
            raise Cancelled


def submit(kind: str, *, params: dict | None = None, user=None) -> Job:
    _load_kinds()
    if kind not in _KINDS:
        raise KeyError(f"unknown job kind {kind!r}")
    return Job.objects.create(kind=kind, params=params or {}, created_by=user if getattr(user, "pk", None) else None)


def _claim(job_id: int) -> bool:
    return Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()) == 1


def run(job: Job | int, *, echo: Callable[[int, str], None] | None = None) -> Job:
    """Run a queued job here and now; returns it finished (done, failed or cancelled)."""
    _load_kinds()
    job_id = job if isinstance(job, int) else job.pk
    if not _claim(job_id):
        return Job.objects.get(pk=job_id)
    _cancel_file(job_id).unlink(missing_ok=True)  # a leftover from an earlier database
    job = Job.objects.select_related("created_by").get(pk=job_id)
    handle = JobHandle(job, echo=echo)
    status, result, message = Job.Status.DONE, None, ""
    try:
        result = _KINDS[job.kind](handle, job.params)
    except Cancelled:
        status, message = Job.Status.CANCELLED, "cancelled"
    except Exception as exc:
        log.exception("job %s failed", job_id)
        status, message = Job.Status.FAILED, f"{type(exc).__name__}: {exc}"[:300]
        result = {"traceback": traceback.format_exc()[-4000:]}
    finally:
        _progress_file(job_id).unlink(missing_ok=True)
        _cancel_file(job_id).unlink(missing_ok=True)
    if not message and isinstance(result, dict):
        message = str(result.get("message", ""))[:300]
    Job.objects.filter(pk=job_id).update(status=status, result=result, message=message,
                                         progress=100 if status == Job.Status.DONE else job.progress,
                                         finished_at=timezone.now())
    return Job.objects.get(pk=job_id)


def start(job: Job) -> None:
    """Start a submitted job according to settings.DATAIO_RUN_JOBS: "thread" (default, a thread
    in this process after the transaction commits), "inline" (now, here) or "queue" (leave it
    to `xiezuo worker`)."""
    mode = getattr(settings, "DATAIO_RUN_JOBS", "thread")
    if mode == "inline":
        run(job)
    elif mode == "thread":
        transaction.on_commit(lambda: threading.Thread(target=_thread_main, args=(job.pk,), daemon=True,
                                                       name=f"xiezuo-job-{job.pk}").start())


def _thread_main(job_id: int) -> None:
    close_old_connections()
    try:
        run(job_id)
    finally:
        connection.close()


def request_cancel(job: Job) -> None:
    if job.finished:
        return
    if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.CANCELLED, finished_at=timezone.now(), cancel_requested=True):
        return
    _cancel_file(job.pk).touch()
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)


def status(job: Job) -> dict[str, Any]:
    """What the progress bar polls: the file's live figures while the job runs."""
    data = {"id": job.pk, "kind": job.kind, "status": job.status, "progress": job.progress,
            "message": job.message, "finished": job.finished}
    if job.status == Job.Status.RUNNING:
        try:
            live = json.loads(_progress_file(job.pk).read_text())
            data["progress"], data["message"] = live["progress"], live["message"]
        except (OSError, ValueError, KeyError):
            pass
    return data


def recover_stale(now=None) -> int:
    """Mark running jobs without a heartbeat for STALE_AFTER as failed (their process died)."""
    now = now or timezone.now()
    return Job.objects.filter(status=Job.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER).update(
        status=Job.Status.FAILED, message=_("The process running this job stopped."), finished_at=now)


def work(*, once: bool = False, poll: float = 1.0, echo=None) -> int:
    """The worker loop of `xiezuo worker`: run queued jobs oldest first."""
    done = 0
    while True:
        recover_stale()
        job = Job.objects.filter(status=Job.Status.QUEUED).order_by("created_at", "id").first()
        if job is not None:
            run(job, echo=echo)
            done += 1
            continue
        if once:
            return done
        time.sleep(poll)
