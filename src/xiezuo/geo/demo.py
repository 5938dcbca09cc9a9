"""Geo part of `xiezuo demo`: the demo region's division tree and rural populations.

The tree comes from the region's definition (`demo_region`, `loaders`; Guangyuan's is real). The rural
populations are the definition's (`[population]`), demo assumptions (docs/demo-assumptions.md): for
Guangyuan the book gives only the city's 2013 incidence (14.6 %) and three county rates, so county
populations are chosen to reproduce them with the registry's county poor counts.
Populations scale with `--scale` like the registry, so incidence stays the book's at
every scale. Townships and villages get shares of their county's population
(seeded weights; communities (社区, village codes below 200) a quarter weight),
so incidence can be shown at every level; rural population shrinks 1.2 % a year.
"""

from __future__ import annotations

import random
from collections import defaultdict

from django.db import transaction

from .demo_region import DemoRegion, load
from .loaders import load_tree
from .models import Division, DivisionPopulation

YEARS = range(2013, 2027)
SOURCE = "demo assumption (docs/demo-assumptions.md)"


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split an integer total by weights, largest remainder first; the parts sum to `total`."""
    wsum = sum(weights)
    if total <= 0 or wsum <= 0:
        return [0] * len(weights)
    raw = [total * w / wsum for w in weights]
    parts = [int(x) for x in raw]
    short = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:short]:
        parts[i] += 1
    return parts


def village_weights(seed: int, region: DemoRegion | None = None) -> dict[str, float]:
    """A seeded population weight for every village of the region (communities get a quarter)."""
    region = region or load()
    rng = random.Random(f"geo-villages-{seed}")
    weights = {}
    for code in Division.objects.filter(level="village", code__startswith=region.prefix).order_by("code") \
            .values_list("code", flat=True):
        w = rng.lognormvariate(0, 0.45)
        weights[code] = w * (0.25 if int(code[9:]) < 200 else 1.0)
    return weights


def county_population(county6: str, year: int, scale: float, region: DemoRegion | None = None) -> int:
    population = (region or load()).section("population")
    base = round(population["rural_2013"][county6] * scale)
    return round(base * (1 - population["yearly_decline"] * (year - 2013)))


def population_rows(*, scale: float, seed: int, region: DemoRegion | None = None) -> list[DivisionPopulation]:
    region = region or load()
    weights = village_weights(seed, region)
    by_county: dict[str, list[str]] = defaultdict(list)
    for code in weights:
        by_county[code[:6]].append(code)
    rows: list[DivisionPopulation] = []
    for year in YEARS:
        city_total = 0
        township_totals: dict[str, int] = defaultdict(int)
        for county6 in region.counties:
            total = county_population(county6, year, scale, region)
            city_total += total
            rows.append(DivisionPopulation(division_id=county6.ljust(12, "0"), year=year,
                                           rural_population=total, source=SOURCE))
            villages = by_county[county6]
            for code, part in zip(villages, apportion(total, [weights[v] for v in villages]), strict=True):
                township_totals[code[:9]] += part
                rows.append(DivisionPopulation(division_id=code, year=year, rural_population=part, source=SOURCE))
        for town9, total in township_totals.items():
            rows.append(DivisionPopulation(division_id=town9.ljust(12, "0"), year=year,
                                           rural_population=total, source=SOURCE))
        rows.append(DivisionPopulation(division_id=region.city, year=year, rural_population=city_total, source=SOURCE))
    return rows


@transaction.atomic
def build(*, scale: float = 1.0, seed: int = 2013, log=print, region: DemoRegion | None = None) -> None:
    region = region or load()
    n = load_tree(region)
    log(f"geo: {n} divisions of the {region.name} demo loaded")
    DivisionPopulation.objects.filter(division__code__startswith=region.prefix).delete()
    rows = population_rows(scale=scale, seed=seed, region=region)
    DivisionPopulation.objects.bulk_create(rows, batch_size=2000)
    log(f"geo: {len(rows)} rural-population rows for {YEARS[0]}–{YEARS[-1]}")
