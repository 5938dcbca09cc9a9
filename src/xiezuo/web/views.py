"""The home page (division drill-down) and the book's figures page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from xiezuo.accounts import access
from xiezuo.accounts.region import viewer_region
from xiezuo.geo.models import Division
from xiezuo.web import numformat

YEARS = range(2013, 2027)


def _year(request, default: int = 2013) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if year in YEARS else default


@login_required
def home(request):
    """The viewer's region → its children → … → villages, with registered population, poor and
    incidence, every figure over the part of the division inside the viewer's scope."""
    from xiezuo.registry import stats

    year = _year(request)
    region = viewer_region(request.user)
    code = request.GET.get("division", "")
    division = (Division.objects.filter(code=code).first() if code else None) or region.root
    rows, total = [], None
    if division is not None:
        rows = stats.division_rows(parent_code=division.code, year=year, user=request.user)
        if access.within(request.user, division.code) or rows:
            total = stats.division_total(code=division.code, year=year, user=request.user)
    whole = division is not None and access.within(request.user, division.code)
    return render(request, "web/home.html", {
        "units": _units(request.user, division, year) if division is not None else None,
        "division": division,
        # a division the viewer sees only part of is titled with that part (their region)
        "title": (division.name if whole or not region.divisions else region.title(get_language()))
        if division else "",
        "ancestors": division.ancestors() if division else [],
        "rows": rows,
        "total": total,
        "year": year,
        "years": YEARS,
    })


def _units(user, division: Division, year: int) -> dict | None:
    """Poor villages and counties under the division, and its own designation with the engine's judgement."""
    from xiezuo.measure import selectors as measure
    from xiezuo.registry.unit_selectors import division_units

    units = division_units(user=user, division=division, year=year)
    if units is None:
        return None
    units["may_exit"] = measure.units_may_exit(user, year=year, prefixes=units["parts"])
    result = measure.unit_result(user, code=division.code, year=year) if units["own"] else None
    units["result"] = result
    units["criteria"] = measure.unit_criteria(result) if result else []
    return units


# The cooperation figures of the figures page: (key of book_figures, label, how the number reads). A label
# may name the partner province(s) (`%(partner)s`, the division tree's eastern side) or the viewer's region
# (`%(region)s`); without one it reads the second, generic label. The flagship projects' figures follow
# (`flagship_rows`), labelled by the projects' own names.
COOPERATION_FIGURES = [
    ("workstations", (_("Labour workstations in %(partner)s"), _("Labour workstations in the partner province")),
     "count"),
    ("workshops", _("Poverty-alleviation workshops"), "count"),
    ("labour_placed_poor", _("Poor workers placed in jobs"), "count"),
    ("students_east", _("Vocational students sent east"), "count"),
    ("consumption_sales_yuan", (_("Products of %(region)s sold"), _("Products of the region sold")), "money"),
    ("fund_pool_yuan", _("County fund pools"), "money"),
]


def _label(label, names: dict[str, str]) -> str:
    if not isinstance(label, tuple):
        return str(label)
    named, generic = label
    key = "partner" if "%(partner)s" in str(named) else "region"
    return str(named) % names if names.get(key) else str(generic)


def flagship_rows(prefixes, english: bool) -> list[tuple[str, str, str]]:
    """(key, label, kind) of each flagship project's figures (`projects.figures`), named as the project is."""
    from xiezuo.projects.figures import flagships

    rows = []
    for tag, project in flagships(list(prefixes)).items():
        name = (project.name_en or project.name) if english else project.name
        rows += [(f"{tag}_mu", _("%(project)s: area (mu)") % {"project": name}, "count"),
                 (f"{tag}_beneficiaries", _("%(project)s: people benefiting") % {"project": name}, "count")]
    return rows


def source_note(language: str | None) -> str:
    """What a published source says of the region, when the database is a demo whose definition has one
    (`[book] note`, `note_en`: the Guangyuan demo's book): the figures to compare with live in the data."""
    from xiezuo.geo.demo_region import DEFAULT, available, load
    from xiezuo.web.models import DatabaseMark

    mark = DatabaseMark.objects.filter(name="demo").first()
    name = (mark.data or {}).get("region", DEFAULT) if mark else None  # marks before regions: the default
    if name not in available():
        return ""
    book = load(name).section("book")
    return (book.get("note_en") or book.get("note", "")) if (language or "").startswith("en") else book.get("note", "")


@login_required
def figures(request):
    """The book's paragraph on poverty, computed from the database for the viewer's region."""
    from xiezuo.accounts.region import partner_title
    from xiezuo.plugins import book_figures

    year = _year(request)
    language = get_language()
    region = viewer_region(request.user)
    data = book_figures(year=year, prefixes=region.prefixes) if region.divisions else {}
    names = {d.code: d.name for d in Division.objects.filter(
        code__in=[c.ljust(12, "0") for c in (data.get("county_incidence_pct") or {})])}
    county_rows = sorted(
        ((names.get(code.ljust(12, "0"), code), pct) for code, pct in (data.get("county_incidence_pct") or {}).items()),
        key=lambda row: -(row[1] or 0),
    )
    shown = {"count": numformat.count, "money": numformat.money}
    words = {"partner": partner_title(language), "region": region.title(language)}
    listed = [(key, _label(label, words), kind) for key, label, kind in COOPERATION_FIGURES]
    if region.divisions:
        listed += flagship_rows(region.prefixes, (language or "").startswith("en"))
    coop_rows = [(key, label, shown[kind](data[key])) for key, label, kind in listed if data.get(key) is not None]
    return render(request, "web/figures.html", {"year": year, "years": YEARS, "figures": data,
                                                "county_rows": county_rows, "coop_rows": coop_rows,
                                                "region": region.title(language),
                                                "source_note": source_note(language) if data else ""})


@never_cache
def healthz(request):
    """For the proxy and the monitor, without login: is the database reachable, is a worker running?
    Says "ok" or "down" for each and nothing else (no versions, no counts). 503 when the database is down
    (the site cannot serve: a proxy takes it out); without a worker the pages still work, so 200 with
    status "degraded" (the monitor alerts on it)."""
    from xiezuo.dataio import jobs

    checks = {"database": "down", "worker": "down"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        if jobs.live_workers():
            checks["worker"] = "ok"
    except DatabaseError:
        pass
    if checks["database"] != "ok":
        return JsonResponse({"status": "down", **checks}, status=503)
    return JsonResponse({"status": "ok" if checks["worker"] == "ok" else "degraded", **checks})
