"""A few lines of view code per entity: list with filters, detail, create and edit pages.

Shared by the labour, consumption and talent apps. Each entity is described by an `Entity`:
its selector (reads, scoped), its form (parses input only), and its create/update services
(validate, check scope, audit). A service's `ValidationError` is shown on the form; the
services' `PermissionDenied` answers 403, a record outside the user's scope answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts import access
from xiezuo.geo.models import Division

PAGE_SIZE = 50


@dataclass
class Column:
    label: Any
    value: Callable[[Any], Any]
    num: bool = False


@dataclass
class Filter:
    name: str
    label: Any
    choices: Callable[[], list[tuple[str, str]]] | None = None  # None: a free number (year)


@dataclass
class Entity:
    app: str
    name: str  # url prefix, e.g. "placement"
    model: type
    title: Any
    selector: Callable[..., Any]
    columns: list[Column]
    form: type | None = None
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    update_kwarg: str = ""
    filters: list[Filter] = field(default_factory=list)
    total: Callable[[Any], list[tuple[Any, Any]]] | None = None
    personal: bool = False
    detail_extra: Callable[[Any, Any], dict] | None = None

    @property
    def noun(self):
        return self.model._meta.verbose_name

    @property
    def list_name(self) -> str:
        return self.url("list")

    @property
    def detail_name(self) -> str:
        return self.url("detail")

    @property
    def create_name(self) -> str:
        return self.url("create")

    @property
    def edit_name(self) -> str:
        return self.url("edit")

    @property
    def tabs_template(self) -> str:
        return f"{self.app}/_tabs.html"

    def url(self, view: str) -> str:
        return f"{self.app}:{self.name}_{view}"

    def urls(self) -> list:
        patterns = [path(f"{self.name}s/", login_required(self.list_view), name=f"{self.name}_list"),
                    path(f"{self.name}s/<int:pk>/", login_required(self.detail_view), name=f"{self.name}_detail")]
        if self.form and self.create:
            patterns.append(path(f"{self.name}s/new/", login_required(self.create_view), name=f"{self.name}_create"))
        if self.form and self.update:
            patterns.append(path(f"{self.name}s/<int:pk>/edit/", login_required(self.edit_view),
                                 name=f"{self.name}_edit"))
        return patterns

    # ---------------------------------------------------------------- views

    def _filter_values(self, request) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for f in self.filters:
            raw = (request.GET.get(f.name) or "").strip()
            if not raw:
                continue
            if f.choices is None:
                if raw.isdigit() and len(raw) == 4:
                    values[f.name] = int(raw)
            elif raw in {v for v, _label in f.choices()}:
                values[f.name] = raw
        return values

    def list_view(self, request):
        values = self._filter_values(request)
        qs = self.selector(user=request.user, **values)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        query = "&".join(f"{k}={v}" for k, v in values.items())
        return render(request, "labor/crud_list.html", {
            "entity": self, "page": page, "query": query, "values": values,
            "filters": [(f, f.choices() if f.choices else None) for f in self.filters],
            "rows": [(obj, [(c, c.value(obj)) for c in self.columns]) for obj in page],
            "totals": self.total(qs) if self.total else [],
            "hidden_personal": self.personal and not access.can_see_personal_data(request.user),
            "can_create": bool(self.form and self.create),
        })

    def _get(self, user, action, pk: int):
        if getattr(self.model, "scope_field", None) is None:  # reference data (eastern buyers)
            return get_object_or_404(self.model, pk=pk)
        return access.get_scoped_or_404(self.model.objects, user, action, pk=pk)

    def detail_view(self, request, pk: int):
        obj = self._get(request.user, "view", pk)
        fields = []
        for f in self.model._meta.concrete_fields:
            if f.name in ("id", "synthetic") or f.name.endswith("_hash") or f.name.endswith("_encrypted"):
                continue
            display = getattr(obj, f"get_{f.name}_display", None)
            value = display() if display else getattr(obj, f.name)
            fields.append((f.verbose_name, value))
        may_change = getattr(self.model, "scope_field", None) is None or access.may(request.user, "change", obj)
        context = {"entity": self, "obj": obj, "fields": fields,
                   "can_edit": bool(self.form and self.update and may_change)}
        if self.detail_extra:
            context.update(self.detail_extra(request, obj))
        return render(request, "labor/crud_detail.html", context)

    def _run(self, request, form, call):
        if form.is_valid():
            try:
                obj = call(form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for name, errors in exc.error_dict.items():
                        form.add_error(name if name in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            else:
                return redirect(self.url("detail"), pk=obj.pk)
        return None

    def create_view(self, request):
        form = self.form(request.POST or None, user=request.user)
        if request.method == "POST":
            done = self._run(request, form, lambda data: self.create(user=request.user, **data))
            if done:
                return done
        return render(request, "labor/crud_form.html", {"entity": self, "form": form, "obj": None})

    def edit_view(self, request, pk: int):
        obj = self._get(request.user, "change", pk)
        scratch = self.model._base_manager.get(pk=pk)  # the form's own copy; the service gets `obj` untouched
        form = self.form(request.POST or None, instance=scratch, user=request.user)
        if request.method == "POST":
            done = self._run(request, form,
                             lambda data: self.update(user=request.user, **{self.update_kwarg: obj}, **data))
            if done:
                return done
        return render(request, "labor/crud_form.html", {"entity": self, "form": form, "obj": obj})


def west_counties() -> list[tuple[str, str]]:
    return [(c[:6], n) for c, n in Division.objects.filter(level="county", side="west")
            .order_by("code").values_list("code", "name")]


def east_counties() -> list[tuple[str, str]]:
    return [(c[:6], n) for c, n in Division.objects.filter(level="county", side="east")
            .order_by("code").values_list("code", "name")]


def year_filter() -> Filter:
    return Filter("year", _("Year"))


def county_filter() -> Filter:
    return Filter("county", _("County"), west_counties)
