"""dataio's job kinds: "import" (check, and commit on request) and "export"."""

from __future__ import annotations

import time

from django.utils.translation import gettext as _

from . import services
from .jobs import Cancelled, JobHandle, job_dir, register


@register("import")
def import_job(handle: JobHandle, params: dict) -> dict:
    result = services.import_file(
        path=params["path"], user=handle.user, entity=params.get("entity") or None,
        dry_run=params.get("dry_run", True), valid_only=params.get("valid_only", False),
        lang=params.get("lang", "zh"), progress=handle.progress, job_id=str(handle.job_id),
    )
    data = result.as_json()
    data["report"] = bool(result.problems)
    data["blocked"] = result.blocked
    return data


EXPORT_KEEP_SECONDS = 7 * 24 * 3600  # an export file is offered for a week, then the next export removes it


def _remove_old_exports(now: float | None = None) -> int:
    cutoff = (now or time.time()) - EXPORT_KEEP_SECONDS
    old = [p for p in job_dir().glob("*-export.*") if p.stat().st_mtime < cutoff]
    for p in old:
        p.unlink(missing_ok=True)
    return len(old)


@register("export")
def export_job(handle: JobHandle, params: dict) -> dict:
    _remove_old_exports()
    path = job_dir() / f"{handle.job_id}-export.{params['format']}"
    handle.progress(0.02, _("Exporting"))
    try:
        count = services.export_file(entity=params["entity"], fmt=params["format"], path=path, user=handle.user,
                                     params=params.get("filters") or {}, unmask=params.get("unmask", False),
                                     reason=params.get("reason", ""), lang=params.get("lang", "zh"),
                                     progress=handle.progress)
    except Cancelled:
        path.unlink(missing_ok=True)  # no half-written file left behind
        raise
    return {"rows": count, "file": str(path), "filename": f"{params['entity']}.{params['format']}"}
