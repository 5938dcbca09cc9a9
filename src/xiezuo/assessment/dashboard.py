"""The dashboard's data: figure cards, trends, counties side by side, and the map's layers.

Everything the page shows comes from `dashboard_data(...)`, served as JSON to the page's
script; the numbers are the catalogue's values (`values.py`), so a card, a chart, a report
cell and a trace page agree by construction. The registry figures (cards, counties, the
2013–2020 trend) are sums over the per-village summary (`registry.summary`), not scans of the
household-years; the result is still cached per scope, year and language for `CACHE_SECONDS`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.core.cache import cache
from django.db.models import Max

from xiezuo.accounts.access import scope_prefixes

from .catalogue import AREAS, CATALOGUE
from .values import Query, _json_number, memoised, values, values_by_child

CITY = "510800000000"
CITY_PREFIX = "5108"
POVERTY_YEARS = range(2013, 2021)  # 2013–2020: the registry's poverty years
COOP_FIRST_YEAR = 2018
CACHE_SECONDS = 300
CARDS = ("poor_people", "incidence_pct", "monitoring_cases", "aid_committed", "projects", "placements_cumulative",
         "sales_cumulative", "fund_pool", "workshops", "cadres_sent")
COUNTY_CODES = ("poor_people", "incidence_pct", "monitoring_cases", "aid_committed", "placements", "sales",
                "projects", "cadres_sent")
GEO_DIR = Path(__file__).resolve().parent.parent / "geo" / "data"

# Pairings of the book and domain brief §7.3, used for the map when the cooperation app has none.
BOOK_PAIRINGS = {
    2018: [("331000", "510824", "台州市三门县 → 苍溪县"), ("331000", "510812", "台州市路桥区 → 朝天区"),
           ("330500", "510822", "湖州市吴兴区 → 青川县")],
    2021: [("330100", "510824", "杭州市余杭区 → 苍溪县"), ("330100", "510821", "杭州市萧山区 → 旺苍县"),
           ("330100", "510822", "杭州市西湖区 → 青川县")],
}


def default_year() -> int:
    from xiezuo.registry.models import HouseholdYear

    return HouseholdYear.objects.aggregate(y=Max("year"))["y"] or 2020


@lru_cache(maxsize=1)
def combined_geojson() -> dict:
    """Guangyuan's counties and Zhejiang's cities as one FeatureCollection (both WGS84)."""
    features = []
    for name, side in (("guangyuan_counties.geojson", "west"), ("zhejiang_cities.geojson", "east")):
        data = json.loads((GEO_DIR / name).read_text(encoding="utf-8"))
        for f in data["features"]:
            f["properties"]["side"] = side
            f["properties"]["adcode"] = str(f["properties"]["adcode"])
            features.append(f)
    return {"type": "FeatureCollection", "features": features}


def _centres() -> dict[str, tuple[list[float], str]]:
    return {f["properties"]["adcode"]: (f["properties"].get("center") or f["properties"]["centroid"],
                                        f["properties"]["name"]) for f in combined_geojson()["features"]}


def pairing_lines(year: int) -> list[dict]:
    """East city → west county lines for the year, from cooperation pairings or the book's list."""
    centres = _centres()
    pairs: list[tuple[str, str, str]] = []
    try:
        from django.apps import apps

        Pairing = apps.get_model("cooperation", "Pairing")
        names = {f.name for f in Pairing._meta.get_fields()}
        if {"east_division", "west_division"} <= names:
            from django.db.models import Q

            qs = Pairing.objects.filter(west_division__code__startswith=CITY_PREFIX, level__in=("city", "county"),
                                        valid_from__year__lte=year)
            qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__year__gte=year))
            for east, west in qs.values_list("east_division_id", "west_division_id").distinct():
                pairs.append((east[:4] + "00", west[:6], ""))
    except LookupError:
        pass
    if not pairs:
        pairs = BOOK_PAIRINGS[2021 if year >= 2021 else 2018]
    lines, seen = [], set()
    for east, west, label in pairs:
        if (east, west) in seen or east not in centres or west not in centres:
            continue
        seen.add((east, west))
        lines.append({"from": east, "to": west, "coords": [centres[east][0], centres[west][0]],
                      "name": label or f"{centres[east][1]} → {centres[west][1]}"})
    return lines


def _poverty_trend(user) -> dict:
    """Registered poor people, 2013–2020, from the registry's per-village summary (scoped like
    the registry's rows: personal-data scope)."""
    from xiezuo.accounts.access import EVERYTHING
    from xiezuo.registry import summary

    prefixes = EVERYTHING if user is None else scope_prefixes(user, "view", personal_data=True)
    rows = summary.by_year(years=POVERTY_YEARS, prefix=CITY_PREFIX, prefixes=prefixes)
    people = [rows[y]["poor_people"] if y in rows else 0 for y in POVERTY_YEARS]
    return {"years": list(POVERTY_YEARS), "poor_people": people}


def _coop_trend(user, year: int) -> dict:
    years = list(range(COOP_FIRST_YEAR, max(year, COOP_FIRST_YEAR) + 1))
    codes = ["aid_committed", "placements", "sales", "monitoring_cases"]
    by_year = [values(Query(year=y, prefix=CITY_PREFIX, user=user), codes) for y in years]  # one call a year
    out: dict = {"years": years}
    for i, code in enumerate(codes):
        out[code] = [_json_number(row[i].value) for row in by_year]
    return out


def _counties(user, year: int, language: str) -> list[dict]:
    from xiezuo.geo.models import Division

    counties = list(Division.objects.filter(parent_id=CITY).order_by("code").values_list("code", "name", "name_en"))
    q = Query(year=year, prefix=CITY_PREFIX, user=user)
    by_code = {code: values_by_child(code, q, 6) or {} for code in COUNTY_CODES}
    rows = []
    for code, name, name_en in counties:
        rows.append({"code": code, "prefix": code[:6], "name": name_en if language.startswith("en") and name_en
                     else name, "name_zh": name,
                     "values": {c: _json_number(by_code[c].get(code[:6])) for c in COUNTY_CODES}})
    return rows


def dashboard_data(*, user, year: int, language: str = "zh-hans") -> dict:
    key = f"assessment:dash:{year}:{language}:{getattr(user, 'pk', None)}:{scope_prefixes(user, 'view')}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    with memoised():
        data = _build(user=user, year=year, language=language)
    cache.set(key, data, CACHE_SECONDS)
    return data


def _build(*, user, year: int, language: str) -> dict:
    q = Query(year=year, prefix=CITY_PREFIX, user=user)
    all_values = values(q)
    by_code = {v.indicator.code: v for v in all_values}
    return {
        "year": year,
        "cards": [by_code[c].as_dict(language) for c in CARDS if c in by_code],
        "indicators": [v.as_dict(language) for v in all_values],
        "areas": {k: str(v) for k, v in AREAS.items()},
        "names": {c: ind.name(language) for c, ind in CATALOGUE.items()},
        "counties": _counties(user, year, language),
        "county_codes": list(COUNTY_CODES),
        "trend": {"poverty": _poverty_trend(user), "cooperation": _coop_trend(user, year)},
        "pairings": pairing_lines(year),
    }
