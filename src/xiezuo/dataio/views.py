"""Import / export pages: thin views over dataio's services and job mechanism."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from xiezuo.accounts import access
from xiezuo.web.limits import detached_download

from . import jobs, services, specs, writers
from .models import Job


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _job(request, pk: int) -> Job:
    """A user sees their own jobs; administrators see all. Others' jobs answer 404."""
    qs = Job.objects.all() if access.is_admin(request.user) else Job.objects.filter(created_by=request.user)
    return get_object_or_404(qs, pk=pk)


@login_required
def job_list(request):
    qs = Job.objects.all() if access.is_admin(request.user) else Job.objects.filter(created_by=request.user)
    return render(request, "dataio/job_list.html", {
        "jobs": qs.select_related("created_by")[:50],
        "specs": [s for s in specs.all_specs() if s.offered_to(request.user)],
        "can_import": access.can_see_personal_data(request.user),
    })


@login_required
@require_POST
def upload(request):
    if not access.can_see_personal_data(request.user):
        raise PermissionDenied
    f = request.FILES.get("file")
    if f is None:
        messages.error(request, _("Choose a file to upload."))
        return redirect("dataio:job_list")
    entity = request.POST.get("entity", "")
    if entity and entity not in {s.entity for s in specs.all_specs()}:
        entity = ""
    folder = services.uploads_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    name = re.sub(r"[^\w.\-]+", "_", Path(f.name).name)[-100:] or "upload"
    path = folder / name
    with path.open("wb") as out:
        for chunk in f.chunks():
            out.write(chunk)
    job = jobs.submit("import", user=request.user, params={
        "path": str(path), "name": f.name, "entity": entity, "dry_run": True, "lang": _lang()})
    jobs.start(job)
    return redirect("dataio:job_detail", pk=job.pk)


@login_required
def job_detail(request, pk: int):
    job = _job(request, pk)
    result = job.result or {}
    errors, warnings = (result.get("errors") or [])[:200], (result.get("warnings") or [])[:100]
    return render(request, "dataio/job_detail.html", {
        "job": job, "result": result, "status": jobs.status(job),
        "report": services.report_path(job.pk).exists(),
        "can_commit": (job.kind == "import" and job.status == "done" and job.params.get("dry_run")
                       and not result.get("committed")),
        "changes": (result.get("changes") or [])[:100],
        "errors": errors, "warnings": warnings,
        # a list cut at its limit says so (the count from the result; older results: the list's length)
        "errors_more": _more(result.get("error_count", len(result.get("errors") or [])), len(errors)),
        "warnings_more": _more(result.get("warning_count", len(result.get("warnings") or [])), len(warnings)),
    })


def _more(total: int, shown: int) -> str:
    return writers.more_not_listed(total - shown) if total > shown else ""


@login_required
def job_status(request, pk: int):
    return JsonResponse(jobs.status(_job(request, pk)))


@login_required
@require_POST
def job_cancel(request, pk: int):
    jobs.request_cancel(_job(request, pk))
    return redirect("dataio:job_detail", pk=pk)


@login_required
@require_POST
def job_commit(request, pk: int):
    job = _job(request, pk)
    if job.kind != "import" or job.status != "done" or not job.params.get("dry_run"):
        raise Http404
    valid_only = request.POST.get("valid_only") == "1"
    params = {**job.params, "dry_run": False, "valid_only": valid_only, "preview": job.pk}
    new = jobs.submit("import", user=request.user, params=params)
    jobs.start(new)
    return redirect("dataio:job_detail", pk=new.pk)


@login_required
def job_report(request, pk: int):
    job = _job(request, pk)
    path = services.report_path(job.pk)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"problems-{job.pk}.xlsx")


@login_required
def job_file(request, pk: int):
    """The file a finished job wrote (an export, an annual report): its owner's, or an administrator's. Only a
    file in the job folder is served, whatever the stored result says."""
    job = _job(request, pk)
    result = job.result or {}
    path = Path(result.get("file") or "")
    if job.status != Job.Status.DONE or not path.is_file() or path.parent != jobs.job_dir():
        raise Http404
    fmt = path.suffix.lstrip(".")
    return FileResponse(path.open("rb"), as_attachment=True, filename=result.get("filename") or path.name,
                        content_type=CONTENT_TYPES.get(fmt, "application/octet-stream"))


@login_required
def template_download(request, entity: str):
    try:
        spec = specs.get(entity)
    except KeyError:
        raise Http404 from None
    lang = request.GET.get("lang") or _lang()
    handle = detached_download(".xlsx", lambda path: writers.write_template(spec, str(path),
                                                                            lang="en" if lang == "en" else "zh"))
    return FileResponse(handle, as_attachment=True, filename=f"{spec.entity}-template.xlsx")


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "pdf": "application/pdf",
}


@login_required
@require_http_methods(["GET", "POST"])
def export(request):
    """GET ?entity=households&format=xlsx plus the list page's filters: a masked export.
    In clear only by POST with unmask=1 and a reason, for holders of the bulk-unmask
    permission, within the hourly limit; authorised and audited (services.unmask_authorise)."""
    data = request.POST if request.method == "POST" else request.GET
    entity = data.get("entity", "households")
    fmt = data.get("format", "xlsx")
    try:
        specs.get(entity)
    except KeyError:
        raise Http404 from None
    if fmt not in services.FORMATS:
        raise Http404
    unmask = data.get("unmask") == "1"
    if unmask and request.method != "POST":
        return HttpResponseNotAllowed(["POST"])  # a link or a prefetch never unmasks
    reason = data.get("reason", "")
    filters = {k: v for k, v in data.items() if k not in ("entity", "format", "unmask", "reason", "csrfmiddlewaretoken")}
    size = services.export_queryset(entity=entity, user=request.user, params=filters).count()
    if unmask:
        try:
            services.unmask_authorise(user=request.user, reason=reason, entity=entity, rows=size)
        except services.UnmaskRateLimited as exc:
            return HttpResponse(str(exc), status=429, content_type="text/plain; charset=utf-8")
        except ValidationError as exc:
            return HttpResponseBadRequest("; ".join(exc.messages), content_type="text/plain; charset=utf-8")
    if size > settings.DATAIO_EXPORT_INLINE_ROWS:
        # a long list is written by a background job: the page shows its progress, then the download
        job = jobs.submit("export", user=request.user, params={
            "entity": entity, "format": fmt, "filters": filters, "unmask": unmask, "reason": reason, "lang": _lang(),
            "name": f"{entity}.{fmt}", "rows": size})
        jobs.start(job)
        return redirect("dataio:job_detail", pk=job.pk)
    handle = detached_download(f".{fmt}", lambda path: services.export_file(
        entity=entity, fmt=fmt, path=str(path), user=request.user, params=filters, unmask=unmask, reason=reason,
        lang=_lang()))
    return FileResponse(handle, as_attachment=True, filename=f"{entity}.{fmt}", content_type=CONTENT_TYPES[fmt])
