"""dataio's job kinds: "import" (check, and commit on request) and "export"."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import services
from .jobs import Cancelled, JobHandle, job_dir, register


@register("import")
def import_job(handle: JobHandle, params: dict) -> dict:
    services.purge_old_files()  # uploads and problem reports past their retention period
    result = services.import_file(
        path=params["path"], user=handle.user, entity=params.get("entity") or None,
        dry_run=params.get("dry_run", True), valid_only=params.get("valid_only", False),
        lang=params.get("lang", "zh"), progress=handle.progress, job_id=str(handle.job_id),
    )
    data = result.as_json(max_problems=1000)  # the page lists the first ones; the report holds the rest
    data["report"] = bool(result.problems)
    data["blocked"] = result.blocked
    return data


@register("export")
def export_job(handle: JobHandle, params: dict) -> dict:
    services.purge_old_files()
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
