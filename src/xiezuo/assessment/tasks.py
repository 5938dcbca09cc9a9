"""assessment's background job: "assessment.annual", the annual report (xlsx or pdf) written by a worker.

The report is the asking user's (titled with their region, computed within their scope, see `annual`), in the
language they asked in; the file is kept in the job folder and downloaded from the job page by that user or an
administrator (dataio's `job_file`). The command line's (`xiezuo report annual --background`) covers the
installation's region.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from xiezuo.dataio import jobs
from xiezuo.dataio.jobs import JobHandle, job_dir, register
from xiezuo.dataio.models import Job

ANNUAL_JOB = "assessment.annual"
FORMATS = ("xlsx", "pdf")


@register(ANNUAL_JOB)
def annual_job(handle: JobHandle, params: dict) -> dict:
    from .annual import write_annual_report

    year, fmt = int(params["year"]), params["format"]
    path = job_dir() / f"{handle.job_id}-annual-{year}.{fmt}"
    handle.progress(0.05, "computing the figures")  # cancellable until here; the writing is one step
    user = handle.user if getattr(handle.user, "pk", None) else None
    try:
        with translation.override(params.get("lang") or settings.LANGUAGE_CODE):
            write_annual_report(year=year, fmt=fmt, path=str(path), user=user)
    except BaseException:
        path.unlink(missing_ok=True)  # no half-written file offered for download
        raise
    return {"file": str(path), "filename": f"xiezuo-annual-{year}.{fmt}", "message": path.name}


def annual_submit(*, year: int, fmt: str, user, lang: str | None = None) -> Job:
    """Queue the annual report of `year` for `user` (anyone signed in: the report is of their own scope)."""
    if fmt not in FORMATS:
        raise ValidationError(_("The report's format is xlsx or pdf."))
    params = {"year": year, "format": fmt, "lang": lang or translation.get_language() or "",
              "name": f"{year} · {fmt}"}
    if not getattr(user, "pk", None):
        params["system"] = True
    with transaction.atomic():
        job = jobs.submit(ANNUAL_JOB, params=params, user=user)
        jobs.start(job)
    return job
