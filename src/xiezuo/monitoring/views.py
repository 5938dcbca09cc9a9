"""Case pages: thin views over the selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiezuo.accounts.access import get_scoped_or_404
from xiezuo.registry.models import Household

from . import selectors, services, signals
from . import workflow as wf
from .forms import AdvanceForm, AssignForm, AttachmentForm, MeasureForm, OpenCaseForm
from .models import Case, Category, Source, Stage

PAGE_SIZE = 50

def _queues():
    return [("open", _("Open")), ("mine", _("My cases")), ("overdue", _("Overdue")), ("closed", _("Closed")),
            ("", _("All"))]


@login_required
def case_list(request):
    filters = selectors.CaseFilter.from_query(request.GET)
    if "queue" not in request.GET:
        filters.queue = "open"
    today = timezone.localdate()
    qs = selectors.case_list(user=request.user, filters=filters, today=today)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    query.setdefault("queue", filters.queue)
    return render(request, "monitoring/case_list.html", {
        "page": page, "filters": filters, "query": query, "today": today, "queues": _queues(),
        "stages": Stage.choices, "categories": Category.choices,
        "counts": selectors.case_counts(request.user, year=filters.year, today=today),
        "years": range(today.year, 2020, -1),
    })


def _detail_context(request, case, **forms):
    today = timezone.localdate()
    can_change = selectors.can_change(user=request.user, case=case)
    ctx = {
        "case": case, "today": today, "can_change": can_change,
        "steps": selectors.case_steps(user=request.user, case=case),
        "measures": selectors.case_measures(user=request.user, case=case),
        "attachments": selectors.case_attachments(user=request.user, case=case),
        "overdue": case.is_overdue(today),
        "next_stages": wf.TRANSITIONS.get(case.stage, ()),
        "measures_allowed": case.stage in (wf.RECORDED, wf.ASSISTING, *wf.ELIMINATION),
    }
    if can_change and case.is_open:
        ctx["advance_form"] = forms.get("advance_form") or AdvanceForm(case=case)
        ctx["measure_form"] = forms.get("measure_form") or MeasureForm(case=case)
        ctx["attachment_form"] = forms.get("attachment_form") or AttachmentForm()
        ctx["assign_form"] = forms.get("assign_form") or AssignForm(case=case)
    if case.stage in (wf.ASSISTING, *wf.ELIMINATION):
        facts = services.elimination_facts(case, today=today, verified=case.stage != wf.ASSISTING)
        ctx["blockers"] = services.blocker_messages(facts)
        ctx["threshold"] = facts.threshold
        ctx["income"] = facts.per_capita_income
    return ctx


@login_required
def case_detail(request, pk: int):
    case = selectors.case_detail(user=request.user, pk=pk)
    return render(request, "monitoring/case_detail.html", _detail_context(request, case))


def _changeable(request, pk: int) -> Case:
    case = selectors.case_detail(user=request.user, pk=pk)
    if not selectors.can_change(user=request.user, case=case):
        raise Http404
    return case


@login_required
@require_POST
def case_advance(request, pk: int):
    case = _changeable(request, pk)
    form = AdvanceForm(request.POST, case=case)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.case_advance(case=case, to_stage=d["to_stage"], user=request.user, on=d["on"],
                                  comment=d["comment"], category=d.get("category") or "",
                                  income_stable=d.get("income_stable"),
                                  rigid_expense_resolved=d.get("rigid_expense_resolved"))
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        else:
            messages.success(request, _("Step recorded."))
            return redirect("monitoring:case_detail", pk=case.pk)
    return render(request, "monitoring/case_detail.html", _detail_context(request, case, advance_form=form),
                  status=400)


@login_required
@require_POST
def case_assign(request, pk: int):
    case = _changeable(request, pk)
    form = AssignForm(request.POST, case=case)
    if form.is_valid():
        try:
            services.case_assign(case=case, owner=form.cleaned_data["owner"], user=request.user)
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        else:
            messages.success(request, _("Owner changed."))
            return redirect("monitoring:case_detail", pk=case.pk)
    return render(request, "monitoring/case_detail.html", _detail_context(request, case, assign_form=form),
                  status=400)


@login_required
@require_POST
def measure_add(request, pk: int):
    case = _changeable(request, pk)
    form = MeasureForm(request.POST, case=case)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.measure_add(case=case, user=request.user, kind=d["kind"], risk_type=d["risk_type"],
                                 responsible=d["responsible"], start_on=d["start_on"], end_on=d["end_on"],
                                 amount=d["amount"] or 0, result=d["result"], description=d["description"],
                                 helping_unit=d["helping_unit"])
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        else:
            messages.success(request, _("Measure added."))
            return redirect("monitoring:case_detail", pk=case.pk)
    return render(request, "monitoring/case_detail.html", _detail_context(request, case, measure_form=form),
                  status=400)


@login_required
@require_POST
def attachment_upload(request, pk: int):
    case = _changeable(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(case=case, upload=form.cleaned_data["file"], user=request.user,
                                    note=form.cleaned_data["note"])
        except ValidationError as exc:
            for m in exc.messages:
                form.add_error("file", m)
        else:
            messages.success(request, _("File attached."))
            return redirect("monitoring:case_detail", pk=case.pk)
    return render(request, "monitoring/case_detail.html", _detail_context(request, case, attachment_form=form),
                  status=400)


@login_required
def attachment_download(request, pk: int):
    att = selectors.attachment_detail(user=request.user, pk=pk)
    path = services.attachments_root() / att.stored_as
    if not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"), content_type=att.content_type, as_attachment=att.content_type ==
                            "application/pdf", filename=att.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _open_case(request, source: str, template_title: str):
    form = OpenCaseForm(request.POST or None, initial={"household_number": request.GET.get("household", "")})
    if source != Source.DEPARTMENT_WARNING:
        del form.fields["department"]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            household = get_scoped_or_404(Household.objects.all(), request.user, "view",
                                          number=d["household_number"].strip())
        except Http404:
            form.add_error("household_number", _("No household with this number in your area."))
        else:
            try:
                case = services.case_open(household=household, risk_types=d["risk_types"], source=source,
                                          user=request.user, on=d["on"], detail=d["detail"],
                                          department=d.get("department") or "",
                                          rigid_expenditure=d["rigid_expenditure"])
            except PermissionDenied:
                form.add_error(None, _("You may not open cases in this area."))
            except ValidationError as exc:
                for m in exc.messages:
                    form.add_error(None, m)
            else:
                messages.success(request, _("Case %(case)s opened.") % {"case": case})
                return redirect("monitoring:case_detail", pk=case.pk)
    return render(request, "monitoring/case_open.html", {"form": form, "title": template_title, "source": source},
                  status=400 if request.method == "POST" else 200)


@login_required
def self_report(request):
    return _open_case(request, Source.SELF_REPORT, _("Household self-report"))


@login_required
def staff_check(request):
    return _open_case(request, Source.STAFF_CHECK, _("Staff check"))


@login_required
def department_warning(request):
    return _open_case(request, Source.DEPARTMENT_WARNING, _("Department warning"))


@login_required
@require_POST
def open_from_run(request):
    run = signals.latest_published_run()
    if run is None:
        messages.warning(request, _("There is no published measurement run yet."))
    else:
        result = signals.open_from_run(run, request.user)
        messages.success(request, _("%(n)d cases opened from the run; %(s)d households skipped.")
                         % {"n": len(result.opened), "s": len(result.skipped)})
    return redirect("monitoring:case_list")
