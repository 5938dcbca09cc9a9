"""Dashboard, indicator table, trace pages and report download: thin views over `values` and `dashboard`."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from xiezuo.accounts.region import viewer_region

from .catalogue import AREAS, CATALOGUE
from .dashboard import dashboard_data, default_year, region_geojson
from .tasks import FORMATS, annual_submit
from .values import TRACE_PAGE, Query, memoised, trace_rows, value, values

YEARS = range(2013, 2031)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return default_year()
    return year if year in YEARS else default_year()


def _prefix(request) -> str:
    division = request.GET.get("division", "").strip()
    return division.rstrip("0") if division.isdigit() and len(division) <= 12 else ""


def _pairing(request) -> int | None:
    p = request.GET.get("pairing", "")
    return int(p) if p.isdigit() else None


@login_required
@require_GET
def dashboard(request):
    from django.utils import timezone

    from xiezuo.field.selectors import visit_overview

    year = _year(request)
    # Home visits are this month's work whatever the year chosen: due / made / overdue, one definition with
    # /field/due/ (where the tables drill down) and the cadre's phone page.
    return render(request, "assessment/dashboard.html", {
        "year": year, "years": YEARS, "region": viewer_region(request.user).title(get_language()),
        "visits": visit_overview(user=request.user, today=timezone.localdate())})


@login_required
@require_GET
def dashboard_json(request):
    data = dashboard_data(user=request.user, year=_year(request), language=get_language() or "zh-hans")
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
@require_GET
@cache_control(max_age=3600, private=True)
def map_geojson(request):
    """The boundaries of the viewer's region (the map fits them)."""
    return JsonResponse(region_geojson(viewer_region(request.user)))


@require_GET
@cache_control(max_age=86400 * 30, public=True)
def echarts_js(request):
    """Apache ECharts 5 from the installed `vizly` package (Apache-2.0), never a CDN."""
    import vizly

    path = Path(vizly.__file__).resolve().parent / "assets" / "echarts.min.js"
    if not path.exists():
        raise Http404("ECharts is not installed (pip install vizly)")
    return FileResponse(path.open("rb"), content_type="text/javascript")


@login_required
@require_GET
def indicator_table(request):
    """Every indicator for a year, division and pairing, against the agreement's targets."""
    year = _year(request)
    region = viewer_region(request.user)
    q = Query(year=year, prefix=_prefix(request) or region.prefix, pairing=_pairing(request), user=request.user)
    with memoised():  # people, households and incidence share one summary query
        rows = values(q)
    lang = get_language() or ""
    groups = [(str(label), [r for r in rows if r.indicator.area == area]) for area, label in AREAS.items()]
    return render(request, "assessment/indicators.html", {
        "year": year, "years": YEARS, "groups": [(g, [(r, r.indicator.name(lang)) for r in rs]) for g, rs in groups],
        "division": request.GET.get("division", ""), "pairing": q.pairing, "region": region.title(lang),
    })


@login_required
@require_GET
def trace(request):
    """The rows that make one value: the same filters as the figure that links here."""
    code = request.GET.get("indicator", "")
    if code not in CATALOGUE:
        raise Http404("unknown indicator")
    q = Query(year=_year(request), prefix=_prefix(request), pairing=_pairing(request), user=request.user)
    v = value(code, q)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    rows, total = trace_rows(code, q, limit=TRACE_PAGE, offset=(page - 1) * TRACE_PAGE)
    rows = list(rows) if rows is not None else []
    pages = max(1, -(-total // TRACE_PAGE))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "assessment/trace.html", {
        "v": v, "name": v.indicator.name(get_language()), "q": q, "rows": rows, "total": total,
        "first": (page - 1) * TRACE_PAGE + 1 if rows else 0, "last": (page - 1) * TRACE_PAGE + len(rows),
        "page": page, "pages": pages, "query": params.urlencode(),
        "previous": page - 1 if page > 1 else None, "next": page + 1 if page < pages else None,
    })


@login_required
@require_http_methods(["GET", "POST"])
def report_download(request):
    """The annual report, written by a worker: GET shows the choice (year, format), POST queues the job and
    opens its page, which offers the file when it is ready (to its owner and administrators)."""
    fmt = request.POST.get("format") or request.GET.get("format") or "xlsx"
    if fmt not in FORMATS:
        raise Http404("format must be xlsx or pdf")
    year = _year(request) if request.method == "GET" else _post_year(request)
    if request.method == "POST":
        job = annual_submit(year=year, fmt=fmt, user=request.user, lang=get_language())
        return redirect("dataio:job_detail", pk=job.pk)
    return render(request, "assessment/report.html", {"year": year, "years": YEARS, "format": fmt,
                                                      "formats": FORMATS})


def _post_year(request) -> int:
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        return default_year()
    return year if year in YEARS else default_year()
