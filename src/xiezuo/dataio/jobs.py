"""One background-job mechanism for every long task, on Django's Tasks framework.

    from xiezuo.dataio import jobs

    @jobs.register("measure.run")
    def run_measure(handle: jobs.JobHandle, params: dict) -> dict:
        for i, chunk in enumerate(chunks):
            handle.progress(i / len(chunks), "computing")   # raises jobs.Cancelled if cancelled
            ...
        return {"run": run.pk}                               # stored as Job.result

    job = jobs.submit("measure.run", params={...}, user=request.user)   # queued
    jobs.start(job)          # web: enqueue one task (`job_task`) for a worker; "inline" runs it now
    jobs.run(job)            # CLI: synchronously, here

Other apps register their kinds in `xiezuo/<app>/tasks.py` (imported on first use).
Every kind runs through the one task `job_task(job_id)` on the `django_tasks_db` backend, so
`xiezuo worker` (django-tasks-db's worker) runs all of them, several workers side by side.
The `Job` row stays what the pages read: progress, cancellation, result.

Progress and cancellation also travel through small files under XIEZUO_DATA_DIR/jobs/,
because a job's commit phase runs inside one database transaction (SQLite allows one
writer, and its readers would not see the flag). A job records the process running it
(`runner`: host, pid, process start time); a job whose process died (a killed worker) had
its transaction rolled back by the database, and `recover_stale` marks it failed.

A worker can also die between taking a job's task (django-tasks-db marks the task running) and starting the
job itself: the job would stay queued for ever, its task running in no process. `recover_stale` finds such
jobs through the task id the job records and queues them again once (a job that never started wrote
nothing); a second loss, or a task that ended without starting its job, fails the job with a clear message.
Apps whose jobs leave marks of their own (a measurement run's "running" row) add `on_recover` hooks.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import task

from xiezuo.accounts import logs

from .models import NEVER_STARTED, WORKER_LOST, Job, Worker

log = logging.getLogger(__name__)

JobFunction = Callable[["JobHandle", dict], dict | None]
_KINDS: dict[str, JobFunction] = {}
# A job run by a process on another host counts as dead when its heartbeat is this old (workers beat
# every HEARTBEAT seconds on PostgreSQL); on this host the process table answers at once.
STALE_AFTER = timedelta(minutes=2)
HEARTBEAT = 10.0
REQUEUE_LIMIT = 1  # a job whose worker died before starting it is queued again this many times, then failed
_RECOVERY: list[Callable[[], object]] = []


class Cancelled(Exception):
    """Raised by `JobHandle.progress` when the job's cancellation was requested."""


def register(kind: str) -> Callable[[JobFunction], JobFunction]:
    def wrap(fn: JobFunction) -> JobFunction:
        _KINDS[kind] = fn
        return fn
    return wrap


def on_recover(fn: Callable[[], object]) -> Callable[[], object]:
    """Register a clean-up run after jobs of dead processes were marked failed (and when a worker starts),
    e.g. measure's: the run rows those processes left "running" are marked failed too."""
    if fn not in _RECOVERY:
        _RECOVERY.append(fn)
    return fn


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


# --- which process runs a job, and is it still alive ---------------------------------------------------------

def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks) of a process from /proc, or None where there is no /proc."""
    if not Path("/proc/self/stat").exists():  # not Linux
        return None
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return ("gone", "")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2:].split()
    return fields[0], fields[19]


def process_identity(pid: int | None = None) -> str:
    """host:pid:start — the start time makes a reused pid a different process."""
    pid = pid or os.getpid()
    stat = _proc_stat(pid)
    return f"{socket.gethostname()}:{pid}:{stat[1] if stat else ''}"


def process_alive(identity: str) -> bool | None:
    """Whether the process named by `process_identity` still runs; None when it ran on another host."""
    host, pid, start = identity.rsplit(":", 2) if identity.count(":") >= 2 else (identity, "0", "")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    stat = _proc_stat(int(pid))
    if stat is None:  # no /proc: ask the kernel
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    state, started = stat
    return state not in ("gone", "Z", "X") and (not start or started == start)


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
    now = timezone.now()
    return Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=now, heartbeat_at=now, runner=process_identity()) == 1


_ran_here = 0  # jobs this process has run (what `work` reports)


def run(job: Job | int, *, echo: Callable[[int, str], None] | None = None) -> Job:
    """Run a queued job here and now; returns it finished (done, failed or cancelled)."""
    global _ran_here
    _load_kinds()
    job_id = job if isinstance(job, int) else job.pk
    if not _claim(job_id):
        return Job.objects.get(pk=job_id)
    _ran_here += 1
    _cancel_file(job_id).unlink(missing_ok=True)  # a leftover from an earlier database
    job = Job.objects.select_related("created_by").get(pk=job_id)
    handle = JobHandle(job, echo=echo)
    status, result, message = Job.Status.DONE, None, ""
    with logs.bound(handle.user, job=job_id):
        log.info("job %s (%s) started", job_id, job.kind)
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
    log.info("job %s (%s) %s", job_id, job.kind, status, extra={"job": job_id})
    return Job.objects.get(pk=job_id)


class JobFailed(Exception):
    """Makes the task of a failed job fail too, so django-tasks' own record agrees with the job's."""


@task()
def job_task(job_id: int) -> str:
    """The one Django task behind every job kind: the worker (or the immediate backend) runs the job."""
    job = run(job_id)
    if job.status == Job.Status.FAILED:
        raise JobFailed(f"job {job_id}: {job.message}")
    return job.status


def start(job: Job) -> None:
    """Hand a submitted job to the task backend, per settings.DATAIO_RUN_JOBS: "queue" (default: the
    database backend; `xiezuo worker` runs it) or "inline" (the immediate backend: now, here; tests).
    The task row is written in the caller's transaction, so a rolled-back submit leaves no task."""
    mode = getattr(settings, "DATAIO_RUN_JOBS", "queue")
    backend = "immediate" if mode == "inline" else "default"
    result = job_task.using(backend=backend).enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))


def announce(job: Job, out: Callable[[str], object], err: Callable[[str], object]) -> None:
    """What a command's `--background` prints: the job, how to follow it, the id alone last (for scripts), and
    a warning when no worker is running to take it."""
    out(f"job #{job.pk} queued ({job.kind}); follow it with `xiezuo jobs show {job.pk}`")
    out(str(job.pk))
    if not live_workers():
        err("no worker is running: start one with `xiezuo worker` (or `xiezuo serve`)")


def request_cancel(job: Job) -> None:
    if job.finished:
        return
    if Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
            status=Job.Status.CANCELLED, finished_at=timezone.now(), cancel_requested=True):
        return
    _cancel_file(job.pk).touch()
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)


def status(job: Job) -> dict[str, Any]:
    """What the progress bar polls: the file's live figures while the job runs. A job whose
    process died is marked failed here, so the page says so without waiting for a worker."""
    if job.status == Job.Status.RUNNING and _runner_dead(job, timezone.now()):
        recover_stale()
        job.refresh_from_db()
    elif job.status == Job.Status.QUEUED and job.task_id and recover_unstarted(only=job.pk):
        job.refresh_from_db()
    data = {"id": job.pk, "kind": job.kind, "status": job.status, "progress": job.progress,
            "message": job.display_message, "finished": job.finished}
    if job.status == Job.Status.RUNNING:
        try:
            live = json.loads(_progress_file(job.pk).read_text())
            data["progress"], data["message"] = live["progress"], live["message"]
        except (OSError, ValueError, KeyError):
            pass
    return data


def _runner_dead(job: Job, now) -> bool:
    alive = process_alive(job.runner) if job.runner else None
    if alive is None:  # another host (or no record): its heartbeat decides
        return job.heartbeat_at is None or job.heartbeat_at < now - STALE_AFTER
    return not alive


def recover_stale(now=None) -> int:
    """Mark running jobs whose process died as failed, and their tasks too; then recover the queued jobs whose
    worker died before starting them (`recover_unstarted`) and run the apps' `on_recover` hooks.

    The database rolled back whatever the dead process had not committed, so only the marks are left."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    dead = [j for j in Job.objects.filter(status=Job.Status.RUNNING) if _runner_dead(j, now)]
    count = 0
    for job in dead:
        count += Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
            status=Job.Status.FAILED, message=WORKER_LOST, finished_at=now)
        _progress_file(job.pk).unlink(missing_ok=True)
        if job.task_id:
            DBTaskResult.objects.filter(id=job.task_id, status="RUNNING").update(
                status="FAILED", finished_at=now, exception_class_path="xiezuo.dataio.jobs.WorkerLost",
                traceback=WORKER_LOST)
        log.warning("job %s (%s) marked failed: its process %s stopped", job.pk, job.kind, job.runner,
                    extra={"job": job.pk})
    recover_unstarted(now=now)
    if count:
        run_recovery_hooks()
    return count


def run_recovery_hooks() -> None:
    _load_kinds()  # the hooks are registered by the apps' tasks modules
    for fn in _RECOVERY:
        try:
            fn()
        except DatabaseError:
            log.warning("recovery hook %s failed; the next recovery retries", fn.__qualname__, exc_info=True)


def _task_ids(jobs_by_task: dict[str, Job]) -> list[uuid.UUID]:
    ids = []
    for task_id in jobs_by_task:
        try:
            ids.append(uuid.UUID(task_id))
        except ValueError:  # not a django-tasks-db id (the immediate backend's, in tests)
            continue
    return ids


def recover_unstarted(now=None, *, only: int | None = None) -> int:
    """Queued jobs whose task will never start them: the worker that took the task (django-tasks-db marked it
    running) is gone, or the task ended without starting the job. A job that never started changed nothing, so
    it is queued again (a new task), up to REQUEUE_LIMIT times; after that, or when its task ended, it is failed
    with NEVER_STARTED. Returns the number of jobs recovered."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    queued = Job.objects.filter(status=Job.Status.QUEUED).exclude(task_id="")
    if only is not None:
        queued = queued.filter(pk=only)
    by_task = {j.task_id: j for j in queued}
    if not by_task:
        return 0
    tasks = list(DBTaskResult.objects.filter(id__in=_task_ids(by_task), status__in=["RUNNING", "SUCCESSFUL",
                                                                                      "FAILED"]))
    if not tasks:
        return 0
    live = {w.name for w in live_workers(now)}
    recovered = 0
    for claimed in tasks:
        job = by_task[str(claimed.id)]
        if claimed.status == "RUNNING":
            if claimed.worker_ids and claimed.worker_ids[-1] in live:
                continue  # taken a moment ago by a live worker, which is about to start it
            DBTaskResult.objects.filter(id=claimed.id, status="RUNNING").update(
                status="FAILED", finished_at=now, exception_class_path="xiezuo.dataio.jobs.WorkerLost",
                traceback=NEVER_STARTED)
        requeued = int(job.params.get("requeued", 0))
        if claimed.status == "RUNNING" and requeued < REQUEUE_LIMIT:
            with transaction.atomic():
                if not Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED, task_id=job.task_id).update(
                        params={**job.params, "requeued": requeued + 1}):
                    continue  # cancelled or recovered by someone else meanwhile
                job.refresh_from_db()
                start(job)
            log.warning("job %s (%s) queued again: the worker that took it stopped before starting it", job.pk,
                        job.kind, extra={"job": job.pk})
        else:
            if not Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED, task_id=job.task_id).update(
                    status=Job.Status.FAILED, message=NEVER_STARTED, finished_at=now):
                continue
            log.warning("job %s (%s) marked failed: its task %s will never start it", job.pk, job.kind,
                        claimed.id, extra={"job": job.pk})
        recovered += 1
    return recovered


# --- workers ---------------------------------------------------------------------------------------------------

def live_workers(now=None) -> list[Worker]:
    """Workers that are running: on this host by the process table, elsewhere by their heartbeat.
    Rows of workers found dead on this host are removed."""
    now = now or timezone.now()
    live = []
    for w in Worker.objects.all():
        alive = process_alive(w.runner)
        if alive is None:
            alive = w.seen_at >= now - STALE_AFTER
        elif not alive:
            Worker.objects.filter(pk=w.pk).delete()
        if alive:
            live.append(w)
    return live


def _beat(worker: Worker, stop: threading.Event) -> None:
    """The worker's housekeeping thread: heartbeat (worker and its running job), and stale-job recovery.

    On SQLite a heartbeat write would wait behind a job's long commit; there, liveness is read from the
    process table (one host), so the thread only recovers jobs of dead processes."""
    try:
        while not stop.wait(HEARTBEAT):
            try:
                now = timezone.now()
                if connection.vendor != "sqlite":
                    Worker.objects.filter(pk=worker.pk).update(seen_at=now)
                    Job.objects.filter(status=Job.Status.RUNNING, runner=worker.runner).update(heartbeat_at=now)
                recover_stale(now)
            except DatabaseError:
                log.warning("worker heartbeat failed; retrying", exc_info=True)
            finally:
                close_old_connections()
    finally:
        connection.close()


def work(*, once: bool = False, interval: float = 1.0, queue: str = "default") -> int:
    """`xiezuo worker`: django-tasks-db's worker on the default backend, registered so that the web
    process and /healthz see it, with a housekeeping thread. Returns the number of jobs it ran."""
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker as DBWorker

    _load_kinds()
    if not recover_stale():  # (which runs the hooks when it failed a job)
        run_recovery_hooks()  # what dead processes left since the last worker ran (a killed `serve`, a reboot)
    before = _ran_here
    name = f"{socket.gethostname()[:20]}-{os.getpid()}-{get_random_string(8)}"
    worker = Worker.objects.create(name=name, runner=process_identity())
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(worker, stop), daemon=True, name="xiezuo-worker-beat")
    beat.start()
    runner = DBWorker(queue_names=queue.split(","), interval=interval, batch=once, backend_name="default",
                      startup_delay=not once, max_tasks=None, worker_id=name, excluded_queue_names=[])
    try:
        if not once:
            runner.configure_signals()
        runner.run()
    finally:
        stop.set()
        Worker.objects.filter(pk=worker.pk).delete()
    return _ran_here - before
