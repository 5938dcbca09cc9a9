"""`xiezuo jobs [list|show ID|cancel ID]`: background jobs (imports, exports, measurement runs, reports,
snapshots) as the job pages show them, for the command line and the operator."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from xiezuo.dataio import jobs
from xiezuo.dataio.models import Job


class Command(BaseCommand):
    help = "List, show or cancel background jobs."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action")
        ls = sub.add_parser("list", help="the latest jobs (default)")
        ls.add_argument("--limit", type=int, default=20)
        ls.add_argument("--status", choices=[s.value for s in Job.Status])
        ls.add_argument("--kind")
        show = sub.add_parser("show", help="one job: status, progress, parameters, result (and its file)")
        show.add_argument("job_id", type=int)
        show.add_argument("--json", action="store_true")
        cancel = sub.add_parser("cancel", help="cancel a queued job, or ask a running one to stop")
        cancel.add_argument("job_id", type=int)

    def handle(self, *args, action=None, **opts):
        jobs.recover_stale()  # what dead workers left shows as it is, not as running for ever
        if action in (None, "list"):
            return self._list(limit=opts.get("limit") or 20, status=opts.get("status"), kind=opts.get("kind"))
        job = Job.objects.select_related("created_by").filter(pk=opts["job_id"]).first()
        if job is None:
            raise CommandError(f"no job {opts['job_id']}")
        if action == "cancel":
            jobs.request_cancel(job)
            job.refresh_from_db()
            self.stdout.write(f"job #{job.pk}: {job.status}{' (cancel requested)' if job.cancel_requested else ''}")
            return
        status = jobs.status(job)
        job.refresh_from_db()
        data = {**status, "params": job.params, "result": job.result, "created_by": str(job.created_by or "system"),
                "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at}
        if opts["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            return
        self.stdout.write(f"job #{job.pk} {job.kind}: {status['status']} {status['progress']}% {status['message']}")
        self.stdout.write(f"  by {data['created_by']}, created {job.created_at:%Y-%m-%d %H:%M:%S}"
                          + (f", finished {job.finished_at:%Y-%m-%d %H:%M:%S}" if job.finished_at else ""))
        self.stdout.write(f"  parameters: {json.dumps(job.params, ensure_ascii=False)}")
        result = job.result or {}
        for key in ("file", "folder", "run"):
            if result.get(key):
                self.stdout.write(f"  {key}: {result[key]}")

    def _list(self, *, limit: int, status: str | None, kind: str | None) -> None:
        qs = Job.objects.select_related("created_by")
        if status:
            qs = qs.filter(status=status)
        if kind:
            qs = qs.filter(kind=kind)
        for job in qs[:limit]:
            self.stdout.write(f"{job.pk:>6}  {job.kind:18} {job.status:9} {job.progress:>3}%  "
                              f"{job.created_at:%Y-%m-%d %H:%M}  {str(job.created_by or 'system'):12} "
                              f"{job.params.get('name', '')}  {job.message}")
