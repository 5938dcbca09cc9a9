"""Demo data: the demo region's poor villages and poor counties, their designation, facts and exits.

The region's numbers are in its definition (`[registry]`: `county_exit_batch`, `poor_villages`,
`poor_county_list`, `exit_batch_size`); for Guangyuan:

Part of the registry demo (`registry.demo.build` calls `build` once the households exist). What is from the
record and what is assumed (docs/demo-assumptions.md, "Poor villages and counties"):

- the seven county-level units were all poor counties in 2013 (the book, ch. 1 [S]) and exited in Sichuan's
  batches (利州 2017; 昭化, 朝天, 青川 2018; 旺苍, 剑阁, 苍溪 2019: brief §4.3, the batch grouping [V], the years
  [G]); their years are the registry demo's `county_exit_batch`, so households and counties agree;
- 739 poor villages (the number often quoted, brief §11 [?]), designated in 2014 (建档立卡), chosen as the
  villages with the highest 2013 incidence of the demo registry (ties by code);
- each village's exit year is the first year 2014–2020 in which the demo registry's poor people left in it
  (households exiting later) fall under 3 % of its rural population: the year the engine's rule first lets it
  go (incidence), so the record and the engine agree on the demo; but no later than its county's exit (all of
  Guangyuan's poor villages were out when its last counties exited in 2019): a village whose last poor
  households exit in 2020 exits with its county, and the engine says "not yet" for it that year;
- its five haves arrive in seeded years no later than its exit year, collective income 30,000–300,000 yuan;
- each county's third-party assessment in its exit year: wrong-exit 0–0.8 %, missed-poor 0–0.6 %, approval
  93–99 % (seeded; the real assessments' figures are not in the brief [?]).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from django.db.models import Sum

from xiezuo.geo.demo_region import DemoRegion, load
from xiezuo.geo.models import Division, DivisionPopulation

from .models import CountyAssessment, HouseholdYear, PoorUnit, VillageFacts

VILLAGE_DESIGNATED = 2014
COUNTY_DESIGNATED = 2013
# the documents are the western province's (its name from the definition's tree)
VILLAGE_LIST = "{province}建档立卡贫困村名单（2014，演示假设）"
COUNTY_EXIT_DOCUMENT = "{province}人民政府批准退出贫困县（{year}年度，{batch}个县，演示）"
EXIT_LIMIT = Fraction(3, 100)  # the demo's village exit years follow the shipped 3 % rule
YEARS = range(VILLAGE_DESIGNATED, 2021)
HAVES = ("hardened_road", "clinic", "cultural_room", "telecom")
SOURCE = "演示数据 / demo data (docs/demo-assumptions.md)"


def delete_previous() -> None:
    for model in (VillageFacts, CountyAssessment, PoorUnit):
        model.objects.filter(synthetic=True).delete()


def _village_people(prefixes: list[str]) -> dict[str, dict[int, int]]:
    """{village: {exit year: people}} of the demo registry (sizes as in 2013; they never change)."""
    out: dict[str, dict[int, int]] = defaultdict(dict)
    rows = (HouseholdYear.objects.filter(year=2013, household__synthetic=True)
            .values("household__village_id", "household__exit_year").annotate(people=Sum("size")).order_by())
    for r in rows:
        code = r["household__village_id"]
        if any(code.startswith(p) for p in prefixes):
            out[code][r["household__exit_year"] or 9999] = r["people"]
    return out


def exit_year(people: dict[int, int], populations: dict[int, int]) -> int:
    """The first year whose remaining poor (exiting later) are under 3 % of the rural population; else 2020."""
    for year in YEARS:
        left = sum(n for y, n in people.items() if y > year)
        if populations.get(year) and Fraction(left, populations[year]) < EXIT_LIMIT:
            return year
    return YEARS[-1]


def build(*, seed: int = 2013, log: Callable[[str], None] = print, region: DemoRegion | None = None) -> dict:
    region = region or load()
    spec = region.section("registry")
    province = next((p["name"] for p in region.tree.get("provinces", []) if p.get("side") == "west"), "")
    batches = spec["county_exit_batch"]
    batch_size = {int(y): n for y, n in spec.get("exit_batch_size", {}).items()}
    county_list = spec.get("poor_county_list", "贫困县名单（演示假设）")
    delete_previous()
    rng = random.Random(f"poor-units-{seed}")
    counties = {d.code[:6]: d for d in Division.objects.filter(level="county",
                                                               code__in=[c.ljust(12, "0") for c in batches])}
    prefixes = sorted(counties)
    units = [PoorUnit(division=counties[c], level="county", designated_year=COUNTY_DESIGNATED,
                      designated_by=county_list, exit_year=batches[c],
                      exit_document=COUNTY_EXIT_DOCUMENT.format(province=province, year=batches[c], batch=batch_size.get(batches[c], "?")),
                      source=SOURCE, synthetic=True) for c in prefixes]
    assessments = [CountyAssessment(county=counties[c], year=batches[c],
                                    wrong_exit_rate=Decimal(rng.randint(0, 80)) / 10_000,
                                    missed_poor_rate=Decimal(rng.randint(0, 60)) / 10_000,
                                    public_approval=Decimal(rng.randint(9300, 9900)) / 10_000,
                                    source=SOURCE, synthetic=True) for c in prefixes]
    populations: dict[str, dict[int, int]] = defaultdict(dict)
    for code, year, pop in DivisionPopulation.objects.filter(
            division__level="village", year__in=[2013, *YEARS]).values_list("division_id", "year", "rural_population"):
        if code[:6] in counties:
            populations[code][year] = pop
    people = _village_people(prefixes)
    ranked = sorted((c for c in populations if populations[c].get(2013)),
                    key=lambda c: (-Fraction(sum(people.get(c, {}).values()), populations[c][2013]), c))
    chosen = sorted(ranked[:spec.get("poor_villages", 0)])
    facts = []
    for code in chosen:
        year = min(exit_year(people.get(code, {}), populations[code]), batches[code[:6]])
        units.append(PoorUnit(division_id=code, level="village", designated_year=VILLAGE_DESIGNATED,
                              designated_by=VILLAGE_LIST.format(province=province), exit_year=year, source=SOURCE, synthetic=True))
        since = {have: rng.randint(VILLAGE_DESIGNATED, year) for have in (*HAVES, "collective_income")}
        income = Decimal(rng.randint(300, 3000) * 100)
        for y in range(VILLAGE_DESIGNATED, year + 1):
            facts.append(VillageFacts(village_id=code, year=y, source=SOURCE, synthetic=True,
                                      collective_income=income if y >= since["collective_income"] else Decimal(0),
                                      **{have: y >= since[have] for have in HAVES}))
    PoorUnit.objects.bulk_create(units, batch_size=2000)
    CountyAssessment.objects.bulk_create(assessments)
    VillageFacts.objects.bulk_create(facts, batch_size=5000)
    by_year: dict[int, int] = defaultdict(int)
    for u in units:
        if u.level == "village":
            by_year[u.exit_year] += 1
    log(f"registry: {len(chosen)} poor villages (exits {dict(sorted(by_year.items()))}), {len(counties)} poor "
        f"counties, {len(facts):,} village-years of facts")
    return {"poor_villages": len(chosen), "poor_counties": len(counties), "village_exits": dict(by_year)}
