"""Registry pages: thin views over the scoped selectors."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from xiezuo.accounts import access

from . import selectors
from .choices import HouseholdAttribute, HouseholdStatus
from .filters import HouseholdFilter

PAGE_SIZE = 50


@login_required
def household_list(request):
    filters = HouseholdFilter.from_query(request.GET)
    qs = filters.apply(selectors.household_list(user=request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/household_list.html", {
        "page": page,
        "filters": filters,
        "query": filters.as_query(),
        "statuses": HouseholdStatus.choices,
        "attributes": HouseholdAttribute.choices,
        "can_see": access.can_see_personal_data(request.user),
        "can_bulk_unmask": access.can_bulk_unmask(request.user),
        "export_available": find_spec("xiezuo.dataio.urls") is not None,
    })


@login_required
def household_detail(request, pk: int):
    household = selectors.household_detail(user=request.user, pk=pk)
    context = {
        "household": household,
        "members": selectors.household_members(user=request.user, household=household),
        "years": selectors.household_years(user=request.user, household=household),
        "status_changes": household.status_changes.all(),
        "can_unmask": access.can_unmask(request.user),
        "explanations": _engine_explanations(request.user, household),
        "cases_fragment": _has_cases_fragment(),
    }
    if context["cases_fragment"]:
        from xiezuo.monitoring import selectors as monitoring_selectors

        finder = getattr(monitoring_selectors, "cases_for_household", None)
        context["cases"] = finder(user=request.user, household=household) if finder else []
    if find_spec("xiezuo.field.selectors") is not None:  # the household's measures beside its income
        from xiezuo.field import selectors as field_selectors

        context["measures_fragment"] = True
        context["measure_years"] = field_selectors.household_years_with_measures(
            user=request.user, household=household, years=context["years"])
    return render(request, "registry/household_detail.html", context)


def _has_cases_fragment() -> bool:
    if find_spec("xiezuo.monitoring.selectors") is None:
        return False
    try:
        get_template("monitoring/_household_cases.html")
    except TemplateDoesNotExist:
        return False
    return True


def _engine_explanations(user, household) -> list:
    """The latest published run's verdict on this household, when the engine has one."""
    if find_spec("xiezuo.measure.selectors") is None:
        return []
    from xiezuo.measure import selectors as measure_selectors

    finder = getattr(measure_selectors, "household_result", None)
    if finder is None:
        return []
    try:
        result = finder(user=user, household=household)
    except Exception:  # noqa: BLE001 — the page must render even if the engine has no run yet
        return []
    return [result] if result else []


@login_required
def poor_unit_list(request):
    """Poor villages and counties in the viewer's scope: designation, exit, and the latest judgement of the year."""
    from xiezuo.measure.models import UnitResult
    from xiezuo.measure.selectors import latest_published_run

    from .unit_selectors import poor_unit_list as units

    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 1986 <= int(year) <= 2100 else None
    code = "".join(c for c in (request.GET.get("county") or request.GET.get("division") or "") if c.isdigit())[:12]
    level = request.GET.get("level", "")
    page = Paginator(units(user=request.user, level=level, prefix=code.rstrip("0") if len(code) == 12 else code,
                           year=year), 100).get_page(request.GET.get("page"))
    run = latest_published_run(year=year) if year else None
    judged = dict(UnitResult.objects.filter(run=run, division_id__in=[u.division_id for u in page])
                  .values_list("division_id", "may_exit")) if run else {}
    rows = [{"unit": u, "status": u.status_in(year) if year else u.status, "may_exit": judged.get(u.division_id)}
            for u in page]
    return render(request, "registry/poor_unit_list.html", {"page": page, "rows": rows, "year": year,
                                                            "level": level, "code": code})
