"""measure's background jobs, and the functions that submit them (pages and `--background` commands).

- "measure.run": a measurement run of a year under a published policy, published if asked
  (`services.run_execute`, told each phase; cancellable until it starts writing, after which it finishes).
- "measure.publish": publish a finished run (`services.run_publish`: its inputs re-read and frozen).
- "measure.snapshot": the engine's inputs for a year as a county-partitioned snapshot (`snapshot.write_registry`)
  into a new folder, under XIEZUO_DATA_DIR/snapshots/ unless the command line names one.
- "measure.what_if": a what-if run (see `services.what_if_submit`).

A worker killed during any of them leaves nothing half-written: the run's results and publication are one
transaction, and the run row it left "running" is marked failed by the `on_recover` hook below (also on the run
list and before each run); a snapshot is written to `<folder>.partial-job<id>` and renamed when complete.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from xiezuo.accounts import access
from xiezuo.dataio import jobs
from xiezuo.dataio.jobs import JobHandle, register
from xiezuo.dataio.models import Job
from xiezuo.policy.models import PolicyVersion

from . import services, snapshot
from .models import Run

RUN_JOB = "measure.run"
PUBLISH_JOB = "measure.publish"
SNAPSHOT_JOB = "measure.snapshot"
PARTIAL_JOB = ".partial-job"  # <folder>.partial-job<id>: a snapshot being written by job <id>
SNAPSHOT_TABLES = 4  # households, years, members, populations: the phases of a snapshot's progress


def snapshots_dir() -> Path:
    return Path(settings.DATA_DIR) / "snapshots"


def _actor(handle: JobHandle):
    """The user the services record: the job's user, or None for the command line (audited as the system)."""
    return handle.user if getattr(handle.user, "pk", None) else None


@register(services.WHAT_IF_JOB)
def what_if_job(handle: JobHandle, params: dict) -> dict:
    base = Run.objects.select_related("policy").get(pk=params["base_run"])
    run = services.what_if(base_run=base, changes=params["changes"], user=handle.user, progress=handle.progress)
    return {"run": run.pk, "message": f"run #{run.pk}"}


@register(RUN_JOB)
def run_job(handle: JobHandle, params: dict) -> dict:
    policy = PolicyVersion.objects.get(pk=params["policy"])
    run = services.run_execute(year=params["year"], policy=policy, user=_actor(handle),
                               engine=params.get("engine", "duckdb"), publish=params.get("publish", False),
                               progress=handle.progress)
    return {"run": run.pk, "message": f"run #{run.pk}"}


@register(PUBLISH_JOB)
def publish_job(handle: JobHandle, params: dict) -> dict:
    run = Run.objects.select_related("policy").get(pk=params["run"])
    handle.progress(0.05, "reading the registry and freezing the inputs")  # the last point to cancel
    run = services.run_publish(run=run, user=_actor(handle))
    return {"run": run.pk, "message": f"run #{run.pk}"}


@register(SNAPSHOT_JOB)
def snapshot_job(handle: JobHandle, params: dict) -> dict:
    policy = PolicyVersion.objects.get(pk=params["policy"])
    root = Path(params["output"]) if params.get("output") else snapshots_dir() / f"{params['year']}-job{handle.job_id}"
    if root.exists() and any(root.iterdir()):
        raise ValidationError(_("%(dir)s exists and is not empty; a snapshot is written into a new folder."),
                              params={"dir": root})
    partial = root.with_name(f"{root.name}{PARTIAL_JOB}{handle.job_id}")
    done = 0

    def log(line: str) -> None:  # write_registry says a line per table written: that is the progress
        nonlocal done
        if " rows in " in line:
            done += 1
        handle.progress(0.05 + 0.9 * done / SNAPSHOT_TABLES, line.strip())  # raises Cancelled between tables

    handle.progress(0.02, "reading the registry")
    try:
        manifest = snapshot.write_registry(partial, year=params["year"], policy=policy, log=log)
        if root.exists():
            root.rmdir()  # empty (checked above)
        partial.rename(root)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # no half-written snapshot left behind
        raise
    tables = manifest["tables"]
    return {"folder": str(root), "households": tables["households"]["rows"], "members": tables["members"]["rows"],
            "counties": len(tables["households"]["partitions"]),
            "message": f"{tables['households']['rows']:,} households"}


@jobs.on_recover
def recover() -> None:
    """After a worker died: its run rows left "running" are failed, its partial snapshot folders removed."""
    services.recover_interrupted()
    folder = snapshots_dir()
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        _name, partial, job_id = path.name.partition(PARTIAL_JOB)
        if partial and job_id.isdigit() and not Job.objects.filter(
                pk=int(job_id), status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).exists():
            shutil.rmtree(path, ignore_errors=True)


# --- submitting (pages and `--background` commands) ------------------------------------------------------------

def _params(user, **params) -> dict:
    """The command line submits as the system (no user row): the job then runs as an administrator."""
    return {**params, "system": True} if not getattr(user, "pk", None) else params


def _ensure_one_at_a_time() -> None:
    """One run or publication queued or running at a time: each reads the whole registry."""
    busy = Job.objects.filter(kind__in=[RUN_JOB, PUBLISH_JOB],
                              status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).order_by("pk").first()
    if busy is not None:
        raise ValidationError(_("A measurement run is already in progress (job #%(id)s); start another when it "
                                "has finished."), code="busy", params={"id": busy.pk})


def _submit(kind: str, *, user, params: dict) -> Job:
    with transaction.atomic():  # the job and its task together, or neither
        job = jobs.submit(kind, params=_params(user, **params), user=user)
        jobs.start(job)
    return job


def run_submit(*, year: int, policy: PolicyVersion, user, publish: bool = False, engine: str = "duckdb") -> Job:
    """Queue a measurement run of `year` under `policy` (published if asked)."""
    if not access.can_run_measurements(user):
        raise PermissionDenied(_("Only administrators and city staff may run measurements."))
    if publish and policy.status != PolicyVersion.Status.PUBLISHED:
        raise ValidationError(_("Only a published policy can back a published run; %(name)s is a draft."),
                              params={"name": policy.name})
    _ensure_one_at_a_time()
    return _submit(RUN_JOB, user=user, params={
        "year": year, "policy": policy.pk, "publish": publish, "engine": engine,
        "name": f"{year} {policy.name}"})


def publish_submit(*, run: Run, user) -> Job:
    """Queue the publication of a finished run."""
    if not access.can_run_measurements(user):
        raise PermissionDenied(_("Only administrators and city staff may run measurements."))
    if run.what_if or run.status != Run.Status.SUCCEEDED or run.published:
        raise ValidationError(_("Only a finished, unpublished, non-what-if run can be published."))
    _ensure_one_at_a_time()
    return _submit(PUBLISH_JOB, user=user, params={"run": run.pk, "name": f"#{run.pk} {run.year}"})


def snapshot_submit(*, year: int, policy: PolicyVersion, user, output: str | Path | None = None) -> Job:
    """Queue a snapshot of the engine's inputs for `year` (administrators: it is the whole registry's data)."""
    if not access.is_admin(user):
        raise PermissionDenied(_("Only administrators may take a snapshot of the registry."))
    params = {"year": year, "policy": policy.pk, "name": f"{year} {policy.name}"}
    if output:
        params["output"] = str(Path(output).resolve())
    return _submit(SNAPSHOT_JOB, user=user, params=params)
