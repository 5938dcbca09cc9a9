"""The dashboard's data: figure cards, trends, the region's divisions side by side, and the map.

Everything the page shows comes from `dashboard_data(...)`, served as JSON to the page's
script; the numbers are the catalogue's values (`values.py`), so a card, a chart, a report
cell and a trace page agree by construction. Every figure is the viewer's: computed over
the viewer's region (`accounts.region`: a county user's county, an eastern office's paired
western divisions, the whole city for an administrator), with numerator and denominator from
the same scope, and titled with it. The registry figures (cards, divisions, the 2013–2020
trend) are sums over the per-village summary (`registry.summary`), not scans of the
household-years; the result is still cached per scope, year and language for `CACHE_SECONDS`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.core.cache import cache
from django.db.models import Max
from django.urls import reverse

from xiezuo.accounts.access import figure_prefixes, scope_prefixes
from xiezuo.accounts.region import Region, viewer_region
from xiezuo.geo.models import PREFIX_LENGTH

from .catalogue import AREAS, CATALOGUE
from .values import Query, _json_number, memoised, values, values_by_child

POVERTY_YEARS = range(2013, 2021)  # 2013–2020: the registry's poverty years
COOP_FIRST_YEAR = 2018
CACHE_SECONDS = 300
# While there are registered poor: the poverty figures first. Once the region's poverty is
# eliminated (no registered poor in the year, 2020 on the demo), the year's poverty cards would
# read 0: monitoring and the book's cumulative cooperation figures (labelled "cumulative") take
# their place, so a 2020+ dashboard says what was achieved.
CARDS = ("poor_people", "incidence_pct", "poor_villages_exited", "poor_villages_may_exit", "monitoring_cases",
         "aid_committed", "projects", "placements_cumulative", "sales_cumulative", "fund_pool", "workshops",
         "cadres_sent")
CARDS_AFTER = ("monitoring_cases", "monitoring_risk_eliminated", "poor_villages_exited", "poor_counties_exited",
               "aid_committed", "projects", "fund_pool",
               "placements_cumulative", "sales_cumulative", "workshops", "workstations", "vocational_students")
DIVISION_CODES = ("poor_people", "incidence_pct", "monitoring_cases", "aid_committed", "projects",
                  "placements_cumulative", "sales_cumulative", "workshops", "placements", "sales", "cadres_sent")
COUNTY_CODES = DIVISION_CODES  # the name the report and older callers use
GEO_DIR = Path(__file__).resolve().parent.parent / "geo" / "data"
# western divisions with boundaries: every `*_counties.geojson` of the demo regions' data (the Guangyuan
# counties' real boundaries; Dingxi's schematic boxes); a map shows those of the viewer's region only
MAP_FILES = tuple(sorted(p.name for p in GEO_DIR.glob("*_counties.geojson")))


def default_year() -> int:
    from xiezuo.registry.models import HouseholdYear

    return HouseholdYear.objects.aggregate(y=Max("year"))["y"] or 2020


@lru_cache(maxsize=1)
def _features() -> tuple[dict, ...]:
    features = []
    for name in MAP_FILES:
        for f in json.loads((GEO_DIR / name).read_text(encoding="utf-8"))["features"]:
            f["properties"]["adcode"] = str(f["properties"]["adcode"])
            features.append(f)
    return tuple(features)


def combined_geojson() -> dict:
    """Every western division with a boundary, one FeatureCollection (WGS84)."""
    return {"type": "FeatureCollection", "features": list(_features())}


def region_geojson(region: Region) -> dict:
    """The boundaries of the viewer's region only, so the map fits it: the counties under or
    around its divisions (a township user's county). Partners are not geography here."""
    prefixes = region.prefixes
    keep = [f for f in _features()
            if any(f["properties"]["adcode"].startswith(p) or p.startswith(f["properties"]["adcode"])
                   for p in prefixes)]
    return {"type": "FeatureCollection", "features": keep}


def partners(user, year: int, region: Region) -> list[dict]:
    """The region's city- and county-level pairings in force at the end of `year` (one
    definition with the pairing indicators), as links for the list beside the map."""
    from xiezuo.accounts.access import prefixes_q
    from xiezuo.cooperation.models import Pairing
    from xiezuo.cooperation.selectors import in_force_q

    qs = (Pairing.objects.restrict_figures(user).filter(in_force_q(year), level__in=("city", "county"))
          .filter(prefixes_q("west_division__code", list(region.prefixes)))
          .select_related("east_division", "west_division", "east_division__parent").order_by("west_division_id",
                                                                                               "east_division_id"))
    out, seen = [], set()
    for p in qs:
        key = (p.east_division_id, p.west_division_id)
        if key in seen:
            continue
        seen.add(key)
        east = p.east_division
        east_name = (f"{east.parent.name}{east.name}" if east.parent and east.level == "county" else east.name)
        out.append({"id": p.pk, "url": reverse("cooperation:pairing_detail", args=[p.pk]), "east": east_name, "east_code": east.code, "west": p.west_division.name,
                    "west_code": p.west_division_id, "level": p.level, "since": p.valid_from.year})
    return out


def _poverty_trend(user, region: Region | None = None) -> dict:
    """Registered poor people, 2013–2020, from the registry's per-village summary, in the viewer's
    region and figure scope."""
    from xiezuo.registry import summary

    region = region or viewer_region(user)
    rows = summary.by_year(years=POVERTY_YEARS, prefix=region.prefix, prefixes=figure_prefixes(user))
    people = [rows[y]["poor_people"] if y in rows else 0 for y in POVERTY_YEARS]
    return {"years": list(POVERTY_YEARS), "poor_people": people}


def _coop_trend(user, year: int, prefix: str) -> dict:
    years = list(range(COOP_FIRST_YEAR, max(year, COOP_FIRST_YEAR) + 1))
    codes = ["aid_committed", "placements", "sales", "monitoring_cases"]
    by_year = [values(Query(year=y, prefix=prefix, user=user), codes) for y in years]  # one call a year
    out: dict = {"years": years}
    for i, code in enumerate(codes):
        out[code] = [_json_number(row[i].value) for row in by_year]
    return out


def region_children(region: Region) -> list:
    """The divisions compared side by side: a single division's children (a city's counties, a
    county's townships), or the region's own divisions when it has several."""
    from xiezuo.geo.models import Division

    if len(region.divisions) == 1:
        return list(Division.objects.filter(parent=region.divisions[0]).order_by("code"))
    return list(region.divisions)


def _rows(divisions: list, q: Query, language: str, with_population: bool = False) -> list[dict]:
    """Per division, the comparison indicators (one grouped query per indicator and level)."""
    from xiezuo.geo.selectors import populations_within

    english = language.startswith("en")
    by_level: dict[int, dict[str, dict]] = {}
    rows = []
    pops = populations_within(prefixes_asked=[d.prefix for d in divisions], scope=figure_prefixes(q.user),
                              year=q.year) if with_population else {}
    for d in divisions:
        n = PREFIX_LENGTH[d.level]
        if n not in by_level:
            by_level[n] = {code: values_by_child(code, q, n) or {} for code in DIVISION_CODES}
        rows.append({"code": d.code, "prefix": d.prefix, "level": d.level,
                     "name": d.name_en if english and d.name_en else d.name, "name_zh": d.name,
                     "rural_population": pops.get(d.prefix),
                     "values": {c: _json_number(by_level[n][c].get(d.prefix)) for c in DIVISION_CODES}})
    return rows


def _drill(children: list, q: Query, language: str) -> dict[str, list[dict]]:
    """Each child's own children (a county's townships), for the map's drill-down."""
    from xiezuo.geo.models import Division

    if not children or children[0].level not in ("city", "county"):  # only divisions with a boundary drill down
        return {}
    grand = list(Division.objects.filter(parent__in=children).order_by("code"))
    rows = _rows(grand, q, language, with_population=True)
    out: dict[str, list[dict]] = {c.code: [] for c in children}
    for d, row in zip(grand, rows, strict=True):
        out[d.parent_id].append(row)
    return out


def dashboard_data(*, user, year: int, language: str = "zh-hans") -> dict:
    key = f"assessment:dash:{year}:{language}:{getattr(user, 'pk', None)}:{','.join(scope_prefixes(user) or ['*'])}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    with memoised():
        data = _build(user=user, year=year, language=language)
    cache.set(key, data, CACHE_SECONDS)
    return data


def _build(*, user, year: int, language: str) -> dict:
    region = viewer_region(user)
    q = Query(year=year, prefix=region.prefix, user=user)
    all_values = values(q)
    by_code = {v.indicator.code: v for v in all_values}
    eliminated = year > POVERTY_YEARS[0] and not by_code["poor_people"].value
    children = region_children(region)
    root = region.root
    return {
        "year": year,
        "region": {"title": region.title(language), "code": root.code if root else "",
                   "level": root.level if root else "", "codes": [d.code for d in region.divisions]},
        "poverty_eliminated": eliminated,
        "cards": [by_code[c].as_dict(language) for c in (CARDS_AFTER if eliminated else CARDS) if c in by_code],
        "indicators": [v.as_dict(language) for v in all_values],
        "areas": {k: str(v) for k, v in AREAS.items()},
        "names": {c: ind.name(language) for c, ind in CATALOGUE.items()},
        "units": {c: ind.unit for c, ind in CATALOGUE.items()},
        "counties": _rows(children, q, language, with_population=True),
        "county_codes": list(DIVISION_CODES),
        "drill": _drill(children, q, language),
        "trend": {"poverty": _poverty_trend(user, region), "cooperation": _coop_trend(user, year, region.prefix)},
        "partners": partners(user, year, region),
    }
