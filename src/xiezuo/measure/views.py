"""Pages of measurement runs: list, division drill-down, household explanation, what-if and its comparison."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from xiezuo.accounts import access
from xiezuo.dataio import jobs
from xiezuo.dataio.models import Job
from xiezuo.geo.models import Division

from . import selectors, services, tasks
from .forms import RunForm, SnapshotForm, WhatIfForm
from .models import Run

MEASURE_JOBS = (tasks.RUN_JOB, tasks.PUBLISH_JOB, tasks.SNAPSHOT_JOB)


def _own_jobs(user):
    """The jobs a user follows: their own; administrators': everyone's."""
    return Job.objects.all() if access.is_admin(user) else Job.objects.filter(created_by=user)


def _run_list(request, *, run_form=None, snapshot_form=None, status=200):
    services.recover_interrupted()  # a run whose process died shows as failed, not running for ever
    can_run = access.can_run_measurements(request.user)
    return render(request, "measure/run_list.html", {
        "runs": selectors.run_list()[:200],
        "latest": selectors.latest_published_run(),
        "can_run": can_run, "can_snapshot": access.is_admin(request.user),
        "run_form": run_form or RunForm(), "snapshot_form": snapshot_form or SnapshotForm(),
        "jobs": _own_jobs(request.user).filter(kind__in=MEASURE_JOBS).select_related("created_by")[:10]
        if can_run else [],
    }, status=status)


@login_required
def run_list(request):
    return _run_list(request)


def _submitted(request, submit, form_key: str, form):
    """Submit a job from a valid form and show its progress page; or the list again with the form's errors."""
    if form.is_valid():
        try:
            job = submit(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("dataio:job_detail", pk=job.pk)
    return _run_list(request, status=400, **{form_key: form})


@login_required
@require_http_methods(["POST"])
def run_start(request):
    """Start a measurement run: a background job; the job page shows its phases, then links to the run."""
    if not access.can_run_measurements(request.user):
        raise PermissionDenied
    return _submitted(request, lambda d: tasks.run_submit(year=d["policy"].year, policy=d["policy"],
                                                          publish=d["publish"], user=request.user),
                      "run_form", RunForm(request.POST))


@login_required
@require_http_methods(["POST"])
def snapshot_start(request):
    if not access.is_admin(request.user):
        raise PermissionDenied
    return _submitted(request, lambda d: tasks.snapshot_submit(year=d["policy"].year, policy=d["policy"],
                                                               user=request.user),
                      "snapshot_form", SnapshotForm(request.POST))


@login_required
@require_http_methods(["POST"])
def run_publish(request, pk: int):
    if not access.can_run_measurements(request.user):
        raise PermissionDenied
    run = get_object_or_404(Run, pk=pk)
    try:
        job = tasks.publish_submit(run=run, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("measure:run_detail", pk=run.pk)
    return redirect("dataio:job_detail", pk=job.pk)


@login_required
def run_detail(request, pk: int):
    run = get_object_or_404(Run.objects.select_related("policy"), pk=pk)
    parent = request.GET.get("parent", "")
    rows = list(selectors.division_results(request.user, run, parent or None))
    parent_division = Division.objects.filter(code=parent).first() if parent else None
    indicators = [i["name"] for d in run.policy.parameters.get("mpi", {}).get("dimensions", [])
                  for i in d["indicators"]]
    statuses = ("poor", "may_exit", "exited", "monitored", "not_poor")
    for r in rows:
        r.status_counts = [r.counts.get(f"hh_{s}", 0) for s in statuses]
        r.contrib = [r.contribution.get(i, 0.0) for i in indicators]
        r.drill = r.level != "village"
    return render(request, "measure/run_detail.html", {
        "run": run, "rows": rows, "parent": parent_division,
        "can_publish": (access.can_run_measurements(request.user) and run.status == Run.Status.SUCCEEDED
                        and not run.published and not run.what_if),
        "trail": parent_division.ancestors() if parent_division else [],
        "indicators": [selectors.MPI_INDICATOR_TEXT.get(i, i) for i in indicators],
        "status_labels": [selectors.STATUS_TEXT[s] for s in statuses],
    })


@login_required
def household_result(request, pk: int, household_id: int):
    run = get_object_or_404(Run.objects.select_related("policy"), pk=pk)
    result = selectors.household_result_or_404(request.user, run=run, household_id=household_id)
    template = "measure/_household_result.html" if request.headers.get("HX-Request") else \
        "measure/household_result.html"
    return render(request, template, {"run": run, "result": result, "explanation": selectors.explain(result)})


@login_required
@require_http_methods(["GET", "POST"])
def what_if(request):
    allowed = access.can_run_measurements(request.user)
    if request.method == "POST" and not allowed:
        raise PermissionDenied
    form = WhatIfForm(request.POST or None, initial={"base_run": selectors.latest_published_run()})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            job = services.what_if_submit(base_run=form.cleaned_data["base_run"], changes=form.changes(),
                                          user=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 429 if exc.code == "limit" else 200
        else:
            return redirect("measure:what_if_job", pk=job.pk)
    return render(request, "measure/what_if.html", {
        "form": form, "allowed": allowed, "what_ifs": selectors.run_list(what_if=True)[:20]}, status=status)


@login_required
def what_if_job(request, pk: int):
    """A what-if job's progress (polled by dataio's job.js); once done, its comparison. Own jobs only (admins: all)."""
    qs = Job.objects.filter(kind=services.WHAT_IF_JOB)
    job = get_object_or_404(qs if access.is_admin(request.user) else qs.filter(created_by=request.user), pk=pk)
    if job.status == Job.Status.DONE and (job.result or {}).get("run"):
        messages.success(request, _("What-if run #%(id)s finished.") % {"id": job.result["run"]})
        return redirect("measure:compare", pk=job.result["run"])
    return render(request, "measure/what_if_job.html", {"job": job, "status": jobs.status(job)})


def _comparison(request, run: Run) -> dict:
    base = run.base_run
    level = request.GET.get("level", "county")
    level = level if level in ("county", "township") else "county"
    return {"run": run, "base": base, "level": level,
            "rows": selectors.status_changes(request.user, run=run, base=base, level=level) if base else [],
            "totals_base": selectors.status_totals(base) if base else {},
            "totals_run": selectors.status_totals(run), "status_text": selectors.STATUS_TEXT}


@login_required
def compare(request, pk: int):
    run = get_object_or_404(Run.objects.select_related("policy", "base_run__policy"), pk=pk)
    return render(request, "measure/compare.html", _comparison(request, run))


@login_required
def compare_xlsx(request, pk: int):
    from openpyxl import Workbook

    run = get_object_or_404(Run.objects.select_related("policy", "base_run__policy"), pk=pk)
    wb = Workbook()
    wb.remove(wb.active)
    for level in ("county", "township"):
        request.GET = request.GET.copy()
        request.GET["level"] = level
        ctx = _comparison(request, run)
        ws = wb.create_sheet(str(_("County") if level == "county" else _("Township")))
        ws.append([_("Code"), _("Division"), _("Status"), _("Entering"), _("Leaving"), _("Net change")])
        for r in ctx["rows"]:
            ws.append([r["code"], r["name"], str(r["status_label"]), r["entering"], r["leaving"],
                       r["entering"] - r["leaving"]])
    ws = wb.create_sheet(str(_("Parameters")))
    ws.append([_("Run"), run.pk, run.policy.name])
    if run.base_run:
        ws.append([_("Compared with"), run.base_run.pk, run.base_run.policy.name])
    for key in ("poverty_line", "monitoring_threshold"):
        ws.append([key, run.base_run.policy.parameters.get(key) if run.base_run else "", run.policy.parameters.get(key)])
    ws.append(["mpi.k", run.base_run.policy.parameters.get("mpi", {}).get("k") if run.base_run else "",
               run.policy.parameters.get("mpi", {}).get("k")])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="whatif-{run.pk}.xlsx"'
    return response
