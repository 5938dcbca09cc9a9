"""The home page (division drill-down) and the book's figures page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from xiezuo.accounts import access
from xiezuo.geo.models import Division

DEFAULT_CITY = "510800000000"  # 广元市
YEARS = range(2013, 2027)


def _year(request, default: int = 2013) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if year in YEARS else default


@login_required
def home(request):
    """City → county → township → village, with registered population, poor and incidence."""
    from xiezuo.registry import stats

    year = _year(request)
    code = request.GET.get("division", DEFAULT_CITY)
    division = Division.objects.filter(code=code).first() or Division.objects.filter(code=DEFAULT_CITY).first()
    rows, total = [], None
    if division is not None:
        rows = stats.division_rows(parent_code=division.code, year=year, user=request.user)
        if access.within(request.user, division.code) or rows:
            total = stats.division_total(code=division.code, year=year, user=request.user)
    return render(request, "web/home.html", {
        "division": division,
        "ancestors": division.ancestors() if division else [],
        "rows": rows,
        "total": total,
        "year": year,
        "years": YEARS,
    })


@login_required
def figures(request):
    """The book's paragraph on Guangyuan's poverty, computed from the database."""
    from xiezuo.plugins import book_figures

    year = _year(request)
    data = book_figures(year=year) if access.within(request.user, DEFAULT_CITY) else {}
    counties = {d.code[:6]: d.name for d in Division.objects.filter(level="county", code__startswith="5108")}
    county_rows = sorted(
        ((counties.get(code, code), pct) for code, pct in (data.get("county_incidence_pct") or {}).items()),
        key=lambda row: -(row[1] or 0),
    )
    return render(request, "web/figures.html", {"year": year, "years": YEARS, "figures": data,
                                                "county_rows": county_rows})
