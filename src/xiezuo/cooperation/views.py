"""Cooperation pages: thin views over the selectors and services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from xiezuo.accounts import access
from xiezuo.accounts.access import get_scoped_or_404
from xiezuo.web import numformat

from . import selectors, services
from .forms import (
    AgreementForm,
    EnterpriseForm,
    MeetingForm,
    OrganisationForm,
    PairingForm,
    TargetForm,
    VisitForm,
)
from .models import Agreement, CountyActivity, Enterprise, Meeting, Organisation, Pairing, Round, Side, Visit
from .pages import apply_errors, choice_value, filter_spec, page_of, query_string, west_counties, year_value


def _list(request, *, title, page, columns, rows, filters, values, create_url, tabs=True):
    return render(request, "cooperation/list.html", {
        "title": title, "page": page, "columns": columns, "rows": rows, "filters": filters,
        "query": query_string(values), "create_url": create_url, "tabs": tabs,
    })


@login_required
def pairing_list(request):
    counties = west_counties()
    values = {"year": year_value(request), "county": choice_value(request, "county", counties),
              "level": choice_value(request, "level", Pairing.Level.choices),
              "round": choice_value(request, "round", Round.choices)}
    page = page_of(request, selectors.pairing_list(user=request.user, **values))
    rows = [(reverse("cooperation:pairing_detail", args=[p.pk]),
             [p.get_level_display(), p.east_organisation or p.east_division, p.west_organisation or p.west_division,
              p.get_round_display(), p.valid_from, p.valid_to or "—"]) for p in page]
    return _list(request, title=_("Pairings"), page=page, values=values, rows=rows,
                 columns=[_("Level"), _("East"), _("West"), _("Round"), _("From"), _("To")],
                 filters=[filter_spec("year", _("Year"), None, values["year"] or ""),
                          filter_spec("county", _("County"), counties, values["county"]),
                          filter_spec("level", _("Level"), Pairing.Level.choices, values["level"]),
                          filter_spec("round", _("Round"), Round.choices, values["round"])],
                 create_url=reverse("cooperation:pairing_create"))


@login_required
def organisation_list(request):
    counties = west_counties()
    values = {"side": choice_value(request, "side", Side.choices),
              "kind": choice_value(request, "kind", Organisation.Kind.choices),
              "county": choice_value(request, "county", counties), "search": (request.GET.get("search") or "")[:50]}
    page = page_of(request, selectors.organisation_list(user=request.user, **values))
    rows = [(reverse("cooperation:organisation_detail", args=[o.pk]),
             [o.name, o.get_kind_display(), o.get_side_display(), o.division, o.uscc or "—"]) for o in page]
    return _list(request, title=_("Organisations"), page=page, values=values, rows=rows,
                 columns=[_("Name"), _("Kind"), _("Side"), _("Division"), _("Unified social credit code")],
                 filters=[filter_spec("side", _("Side"), Side.choices, values["side"]),
                          filter_spec("kind", _("Kind"), Organisation.Kind.choices, values["kind"]),
                          filter_spec("county", _("County"), counties, values["county"]),
                          filter_spec("search", _("Search"), None, values["search"])],
                 create_url=reverse("cooperation:organisation_create"))


@login_required
def agreement_list(request):
    values = {"year": year_value(request)}
    page = page_of(request, selectors.agreement_list(user=request.user, **values))
    rows = [(reverse("cooperation:agreement_detail", args=[a.pk]),
             [a.title, a.east_division, a.west_division, a.signed_on, a.valid_from, a.valid_to or "—"]) for a in page]
    return _list(request, title=_("Agreements"), page=page, values=values, rows=rows,
                 columns=[_("Title"), _("East"), _("West"), _("Signed"), _("From"), _("To")],
                 filters=[filter_spec("year", _("Year"), None, values["year"] or "")],
                 create_url=reverse("cooperation:agreement_create"))


def _detail(request, obj, *, title, edit_url, extra=None):
    fields = []
    concrete = obj._meta.concrete_fields
    if isinstance(obj, CountyActivity):  # the record's own fields first, then county, partner, pairing, note
        shared = {f.name for f in CountyActivity._meta.fields}
        concrete = sorted(concrete, key=lambda f: f.name in shared)
    for f in concrete:
        if f.name in ("id", "synthetic"):
            continue
        display = getattr(obj, f"get_{f.name}_display", None)
        value = display() if display else getattr(obj, f.name)
        fields.append((f.verbose_name, "—" if value in (None, "") else value))
    if not access.may(request.user, "change", obj):
        edit_url = None
    return render(request, "cooperation/detail.html", {"title": title, "obj": obj, "fields": fields,
                                                        "edit_url": edit_url, **(extra or {})})


@login_required
def organisation_detail(request, pk: int):
    obj = selectors.organisation_detail(user=request.user, pk=pk)
    return _detail(request, obj, title=obj.name, edit_url=reverse("cooperation:organisation_edit", args=[pk]))


@login_required
def pairing_detail(request, pk: int):
    obj = selectors.pairing_detail(user=request.user, pk=pk)
    projects = obj.projects.restrict(request.user, "view").order_by("-year", "code")[:100]
    return _detail(request, obj, title=str(obj), edit_url=reverse("cooperation:pairing_edit", args=[pk]),
                   extra={"projects": projects})


@login_required
def agreement_detail(request, pk: int):
    obj = selectors.agreement_detail(user=request.user, pk=pk)
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_target_set(user=request.user, agreement=obj, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("cooperation:agreement_detail", pk=pk)
    targets = selectors.agreement_targets(user=request.user, agreement=obj)
    years = sorted({t.year for t in targets})
    table: dict = {}
    for t in targets:
        table.setdefault(t.get_indicator_display(), {"unit": numformat.unit_label(t.unit), "values": {}}
                         )["values"][t.year] = t.target
    grid = [(name, row["unit"], [row["values"].get(y, "—") for y in years]) for name, row in table.items()]
    return _detail(request, obj, title=obj.title, edit_url=reverse("cooperation:agreement_edit", args=[pk]),
                   extra={"target_years": years, "target_grid": grid, "target_form": form})


def _edit(request, *, form_class, model, pk, create, update, kwarg, title, detail_name):
    obj = get_scoped_or_404(model.objects.all(), request.user, "change", pk=pk) if pk else None
    scratch = model._base_manager.get(pk=pk) if pk else None
    form = form_class(request.POST or None, instance=scratch, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            saved = update(user=request.user, **{kwarg: obj}, **data) if obj else create(user=request.user, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(detail_name, pk=saved.pk)
    return render(request, "cooperation/form.html", {"title": title, "form": form, "obj": obj})


@login_required
def organisation_edit(request, pk: int | None = None):
    return _edit(request, form_class=OrganisationForm, model=Organisation, pk=pk,
                 create=services.organisation_create, update=services.organisation_update, kwarg="organisation",
                 title=_("Organisation"), detail_name="cooperation:organisation_detail")


@login_required
def pairing_edit(request, pk: int | None = None):
    return _edit(request, form_class=PairingForm, model=Pairing, pk=pk, create=services.pairing_create,
                 update=services.pairing_update, kwarg="pairing", title=_("Pairing"),
                 detail_name="cooperation:pairing_detail")


@login_required
def agreement_edit(request, pk: int | None = None):
    return _edit(request, form_class=AgreementForm, model=Agreement, pk=pk, create=services.agreement_create,
                 update=services.agreement_update, kwarg="agreement", title=_("Agreement"),
                 detail_name="cooperation:agreement_detail")


# --- visits, meetings, enterprise investment --------------------------------------------------------

# kind -> (form, model, create service, update service)
ACTIVITIES = {
    "visit": (VisitForm, Visit, services.visit_create, services.visit_update),
    "meeting": (MeetingForm, Meeting, services.meeting_create, services.meeting_update),
    "enterprise": (EnterpriseForm, Enterprise, services.enterprise_create, services.enterprise_update),
}

def _activity_columns(kind):
    if kind == "enterprise":
        return [_("Name"), _("Year"), _("County"), _("East"), _("Planned investment (yuan)"),
                _("Investment arrived (yuan)"), _("In production")]
    return [_("Title"), _("Date"), _("County"), _("East"), _("Kind")]


def _activity_cells(kind, obj):
    if kind == "enterprise":
        return [obj.name, obj.year, obj.west_division, obj.east_division or "—", obj.investment_planned,
                obj.investment_arrived, _("yes") if obj.in_production else _("no")]
    return [obj.title, obj.date, obj.west_division, obj.east_division or "—", obj.get_kind_display()]


ACTIVITY_TITLES = {"visit": _("Visits"), "meeting": _("Meetings"), "enterprise": _("Enterprises")}


@login_required
def activity_list(request, kind: str):
    counties = west_counties()
    values = {"year": year_value(request), "county": choice_value(request, "county", counties)}
    page = page_of(request, selectors.activity_list(kind, user=request.user, **values))
    rows = [(reverse(f"cooperation:{kind}_detail", args=[o.pk]), _activity_cells(kind, o)) for o in page]
    return _list(request, title=ACTIVITY_TITLES[kind], page=page, values=values, rows=rows,
                 columns=_activity_columns(kind),
                 filters=[filter_spec("year", _("Year"), None, values["year"] or ""),
                          filter_spec("county", _("County"), counties, values["county"])],
                 create_url=reverse(f"cooperation:{kind}_create"))


@login_required
def activity_detail(request, kind: str, pk: int):
    obj = selectors.activity_detail(kind, user=request.user, pk=pk)
    return _detail(request, obj, title=str(obj), edit_url=reverse(f"cooperation:{kind}_edit", args=[pk]))


@login_required
def activity_edit(request, kind: str, pk: int | None = None):
    form_class, model, create, update = ACTIVITIES[kind]
    return _edit(request, form_class=form_class, model=model, pk=pk, create=create, update=update, kwarg=kind,
                 title=model._meta.verbose_name.capitalize(), detail_name=f"cooperation:{kind}_detail")
