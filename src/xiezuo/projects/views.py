"""Project pages: the library, one project with its budget, ledger, pool share and beneficiaries,
and the county fund pools. Thin views: selectors read, services write."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiezuo.accounts import access
from xiezuo.cooperation.models import Pairing
from xiezuo.cooperation.pages import (
    apply_errors,
    choice_value,
    filter_spec,
    page_of,
    query_string,
    west_counties,
    year_value,
)
from xiezuo.registry.models import Household

from . import selectors, services
from .forms import (
    BeneficiaryForm,
    BudgetForm,
    PayoutForm,
    PostingForm,
    ProjectForm,
    ReversalForm,
    TransitionForm,
)
from .models import Category, LedgerEntry, Project, Status


@login_required
def project_list(request):
    counties = west_counties()
    pairings = [(str(p.pk), str(p)) for p in Pairing.objects.restrict(request.user, "view")
                .filter(level="county").select_related("east_division", "west_division",
                                                       "east_organisation", "west_organisation")]
    pairing = choice_value(request, "pairing", pairings)
    values = {"year": year_value(request), "county": choice_value(request, "county", counties),
              "pairing": int(pairing) if pairing else None, "status": choice_value(request, "status", Status.choices),
              "category": choice_value(request, "category", Category.choices),
              "search": (request.GET.get("search") or "")[:50]}
    qs = selectors.project_list(user=request.user, **values)
    page = page_of(request, qs)
    rows = [(reverse("projects:project_detail", args=[p.pk]),
             [p.code, p.name, p.county, p.get_category_display(), p.year if not p.end_year else f"{p.year}–{p.end_year}",
              p.get_status_display()]) for p in page]
    budget = selectors.project_budget_totals(projects=qs)
    return render(request, "cooperation/list.html", {
        "title": _("Projects"), "page": page, "rows": rows, "query": query_string(values),
        "columns": [_("Code"), _("Name"), _("County"), _("Category"), _("Year"), _("Status")],
        "filters": [filter_spec("year", _("Year"), None, values["year"] or ""),
                    filter_spec("county", _("County"), counties, values["county"]),
                    filter_spec("pairing", _("Pairing"), pairings, pairing),
                    filter_spec("status", _("Status"), Status.choices, values["status"]),
                    filter_spec("category", _("Category"), Category.choices, values["category"]),
                    filter_spec("search", _("Search"), None, values["search"])],
        "totals": [(_("Budget (yuan)"), budget["amount"]), (_("Allocated"), budget["allocated"]),
                   (_("Disbursed"), budget["disbursed"]), (_("Set aside into pools"), budget["pooled"])],
        "create_url": reverse("projects:project_create"),
    })


def _detail_context(request, project, **forms):
    user = request.user
    can_change = Project.objects.restrict(user, "change").filter(pk=project.pk).exists()
    ledger = list(selectors.project_ledger(user=user, project=project))
    reversed_ids = {e.reverses_id for e in ledger if e.reverses_id}
    ctx = {
        "project": project, "can_change": can_change,
        "budgets": selectors.project_budgets(user=user, project=project),
        "ledger": ledger, "reversed_ids": reversed_ids,
        "pool_entries": selectors.pool_entries_for_project(user=user, project=project),
        "transitions": project.transitions.select_related("by").all(),
        "task_force": project.task_force.all(),
        "beneficiary_totals": selectors.project_beneficiary_totals(project=project),
        "beneficiaries": selectors.project_beneficiaries(user=user, project=project)[:200]
        if access.can_see_personal_data(user) else None,
    }
    if can_change:
        today = dt.date.today()
        ctx["transition_form"] = forms.get("transition_form") or TransitionForm(initial={"on": today})
        ctx["budget_form"] = forms.get("budget_form") or BudgetForm()
        ctx["posting_form"] = forms.get("posting_form") or PostingForm(initial={"date": today})
        ctx["reversal_form"] = forms.get("reversal_form") or ReversalForm(initial={"date": today})
        ctx["beneficiary_form"] = forms.get("beneficiary_form") or BeneficiaryForm(initial={"year": today.year})
    return ctx


@login_required
def project_detail(request, pk: int):
    project = selectors.project_detail(user=request.user, pk=pk)
    return render(request, "projects/project_detail.html", _detail_context(request, project))


def _post(request, pk, form_class, key, call):
    project = selectors.project_detail(user=request.user, pk=pk, action="change")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(project, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(reverse("projects:project_detail", args=[pk]) + f"#{key}")
    return render(request, "projects/project_detail.html", _detail_context(request, project, **{key: form}),
                  status=400)


@require_POST
@login_required
def project_transition(request, pk: int):
    return _post(request, pk, TransitionForm, "transition_form", lambda p, d: services.project_transition(
        user=request.user, project=p, **d))


@require_POST
@login_required
def project_budget(request, pk: int):
    return _post(request, pk, BudgetForm, "budget_form", lambda p, d: services.budget_set(
        user=request.user, project=p, **d))


def _posting(user, project, data):
    budget = project.budgets.filter(source=data["source"]).first()
    if budget is None:
        raise ValidationError({"source": _("The project has no budget line for this fund source.")})
    common = {"user": user, "budget": budget, "amount": data["amount"], "date": data["date"],
              "payee": data["payee"], "voucher": data["voucher"], "memo": data["memo"]}
    if data["kind"] == "allocation":
        return services.allocation_post(**common)
    return services.disbursement_post(**common)


@require_POST
@login_required
def project_post(request, pk: int):
    return _post(request, pk, PostingForm, "posting_form", lambda p, d: _posting(request.user, p, d))


def _reverse(user, project, data):
    entry = LedgerEntry.objects.filter(project=project, pk=data["entry"]).first()
    if entry is None:
        raise Http404
    return services.reversal_post(user=user, entry=entry, date=data["date"], reason=data["reason"],
                                  amount=data["amount"])


@require_POST
@login_required
def project_reverse(request, pk: int):
    return _post(request, pk, ReversalForm, "reversal_form", lambda p, d: _reverse(request.user, p, d))


def _link(user, project, data):
    household = Household.objects.restrict(user, "change").filter(number=data["household_number"].strip()).first()
    if household is None:
        raise ValidationError({"household_number": _("No household with this number in your scope.")})
    return services.beneficiary_link(user=user, project=project, household=household, people=data["people"],
                                     year=data["year"], income_added=data["income_added"] or 0)


@require_POST
@login_required
def project_beneficiary(request, pk: int):
    return _post(request, pk, BeneficiaryForm, "beneficiary_form", lambda p, d: _link(request.user, p, d))


@login_required
def project_edit(request, pk: int | None = None):
    obj = selectors.project_detail(user=request.user, pk=pk, action="change") if pk else None
    scratch = Project._base_manager.get(pk=pk) if pk else None
    form = ProjectForm(request.POST or None, instance=scratch, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        task_force = data.pop("task_force", None)
        try:
            if obj:
                saved = services.project_update(user=request.user, project=obj, task_force=task_force, **data)
            else:
                saved = services.project_create(user=request.user, task_force=task_force or (), **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("projects:project_detail", pk=saved.pk)
    return render(request, "cooperation/form.html", {"title": _("Project"), "form": form, "obj": obj})


@login_required
def pool_list(request):
    pools = selectors.pool_list(user=request.user)
    rows = [(reverse("projects:pool_detail", args=[p.pk]), [p.county, p.balance]) for p in pools]
    total = selectors.yuan(pools.aggregate(t=selectors.fen_sum("balance"))["t"])
    return render(request, "cooperation/list.html", {
        "title": _("Fund pools"), "page": page_of(request, pools), "rows": rows, "query": "",
        "columns": [_("County"), _("Balance (yuan)")], "filters": [],
        "totals": [(_("Set aside, all years (yuan)"), selectors.pool_total_scoped(user=request.user)),
                   (_("Balance (yuan)"), total)],
    })


@login_required
def pool_detail(request, pk: int):
    pool = selectors.pool_detail(user=request.user, pk=pk)
    can_change = access.within(request.user, pool.county_id, "change")
    form = PayoutForm(request.POST or None) if can_change else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.pool_payout(user=request.user, pool=pool, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("projects:pool_detail", pk=pk)
    return render(request, "projects/pool_detail.html", {
        "pool": pool, "entries": selectors.pool_entries(user=request.user, pool=pool), "form": form})
