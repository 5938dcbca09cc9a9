"""Labour-cooperation demo, deterministic from the seed (domain brief §10.5, book #60–#64).

2018–2020, sized by the demo region's `[labor]` (Guangyuan: 6 workstations in Zhejiang, 57 workshops,
round(16,400 × scale) distinct registry members of working age placed in jobs, round(475 × scale) students
sent to Zhejiang vocational schools, the 苍溪–三门 "2+1" 机电班 among them), at the county partners of 2018. Works with whatever registry exists:
if it holds fewer eligible members than the target, it places all of them and says so.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from xiezuo.geo.demo_region import DemoRegion, load
from xiezuo.geo.models import Division

from .models import Place, Placement, VocationalStudent, Workshop, Workstation

YEARS = (2018, 2019, 2020)
PLACE_WEIGHTS = ((Place.PARTNER_PROVINCE, 22), (Place.IN_PROVINCE, 43), (Place.LOCAL, 25), (Place.OTHER_PROVINCE, 10))
WAGE_RANGE = {Place.PARTNER_PROVINCE: (3600, 5600), Place.IN_PROVINCE: (2600, 4200), Place.LOCAL: (1800, 3000),
              Place.OTHER_PROVINCE: (3000, 5000)}
KINDS = ("机电", "纺织", "食品", "电子")


def employers(region: DemoRegion) -> dict[str, list[str]]:
    """Employer name patterns ("{}" takes two syllables): in the partner province, its cities' (the definition's
    eastern cities); in the province, the region's short name; elsewhere, provinces far from either side."""
    east = [c["name"].removesuffix("市") for c in region.tree.get("cities", [])
            if c["code"].startswith(region.east_province[:2])] or ["东部"]
    short = region.data.get("short_name", "")
    return {
        Place.PARTNER_PROVINCE: [f"{east[i % len(east)]}{{}}{kind}有限公司" for i, kind in enumerate(KINDS)],
        Place.IN_PROVINCE: ["省城{}建筑劳务有限公司", "{}电子有限公司", f"{short}{{}}食品有限公司"],
        Place.LOCAL: ["{}农业专业合作社", "{}生态茶业有限公司", "{}公益性岗位"],
        Place.OTHER_PROVINCE: ["广东{}制衣有限公司", "江苏{}电子有限公司", "上海{}物流有限公司"],
    }
SYLLABLES = "华兴建福安康泰和丰顺达利明新盛隆"


def scaled(n: int, scale: float) -> int:
    return round(n * scale)


def delete_previous() -> None:
    for model in (Placement, VocationalStudent, Workshop, Workstation):
        model._base_manager.filter(synthetic=True).delete()


def eligible_members(*, born_from: int, born_to: int, prefix: str) -> list[tuple[int, str]]:
    """(member id, village code) of living members under `prefix` born in [born_from, born_to], by id."""
    from xiezuo.registry.models import Member

    return list(Member._base_manager.filter(
        deceased=False, household__village__code__startswith=prefix,
        birth_date__gte=dt.date(born_from, 1, 1), birth_date__lte=dt.date(born_to, 12, 31),
    ).order_by("id").values_list("id", "household__village_id"))


def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,
          region: DemoRegion | None = None) -> dict:
    region = region or load()
    spec = region.section("labor")
    partners = region.partners_2018
    rng = random.Random(f"labor-{seed}")
    with transaction.atomic():
        delete_previous()
        counties = {d.code[:6]: d for d in Division.objects.filter(level="county", code__in=[
            f"{c}000000" for c in partners])}
        east = {d.code[:6]: d for d in Division.objects.filter(level="county", code__in=[
            f"{c}000000" for c in partners.values()])}
        pairs = [(w, e) for w, e in partners.items() if w in counties and e in east]
        if not pairs:
            log("labor: no paired western and eastern counties (build the geo demo first); skipped")
            return {}
        short = region.data.get("short_name", "")
        stations = Workstation.objects.bulk_create([
            Workstation(name=f"{short}{counties[w].name}驻{east[e].name}劳务协作工作站", east_division=east[e],
                        serves=counties[w], opened_on=dt.date(2018 + i % 2, 3 + i, 1), synthetic=True)
            for i, (w, e) in enumerate(pairs[:spec["workstations"]])])
        station_of = {s.serves_id[:6]: s for s in stations}

        villages = list(Division.objects.filter(level="village", code__startswith=region.prefix).order_by("code")
                        .values_list("code", "name"))
        chosen = sorted(rng.sample(villages, min(spec["workshops"], len(villages))))
        workshops = Workshop.objects.bulk_create([
            Workshop(name=f"{name}扶贫车间", village_id=code, owner_name=f"{name}{rng.choice(SYLLABLES)}"
                     f"{rng.choice(SYLLABLES)}农业专业合作社", owner_uscc="",
                     opened_on=dt.date(rng.choice(YEARS), rng.randint(1, 12), rng.randint(1, 28)),
                     jobs_offered=rng.randint(15, 80), synthetic=True)
            for code, name in chosen])
        workshops_by_county: dict[str, list[Workshop]] = {}
        for w in workshops:
            workshops_by_county.setdefault(w.village_id[:6], []).append(w)

        placed = _placements(rng=rng, scale=scale, log=log, station_of=station_of,
                             workshops_by_county=workshops_by_county, target=scaled(spec["placed"], scale),
                             prefix=region.prefix, names=employers(region))
        students = _students(rng=rng, scale=scale, log=log, station_of=station_of, region=region,
                             east_names={code: d.name for code, d in east.items()})
    log(f"labor: {len(stations)} workstations, {len(workshops)} workshops, {placed:,} people placed, "
        f"{students} students sent east")
    return {"workstations": len(stations), "workshops": len(workshops), "placements": placed, "students": students}


def _placements(*, rng, scale, log, station_of, workshops_by_county, target: int, prefix: str,  # noqa: ARG001
                names: dict[str, list[str]]) -> int:
    # A placed worker earns a wage: only members whose household records wage income in a year of
    # the plan are placed, and in such a year (the field demo's employment measures rely on it).
    wage_years = _wage_years(prefix)
    pool = [m for m in eligible_members(born_from=1962, born_to=2001, prefix=prefix)  # aged 17–58 in 2018–2020
            if wage_years.get(m[0])]
    if len(pool) < target:
        log(f"labor: only {len(pool):,} working-age members in the registry, fewer than {target:,} to place")
    picked = rng.sample(pool, min(target, len(pool)))
    places = [p for p, _w in PLACE_WEIGHTS]
    weights = [w for _p, w in PLACE_WEIGHTS]
    rows = []
    for member_id, village in picked:
        place = rng.choices(places, weights)[0]
        county = village[:6]
        workstation = station_of.get(county) if place == Place.PARTNER_PROVINCE else None
        workshop = None
        if place == Place.LOCAL and workshops_by_county.get(county) and rng.random() < 0.6:
            workshop = rng.choice(workshops_by_county[county])
        years = [y for y in YEARS if y in wage_years[member_id]]
        year = rng.choices(years, [(30, 35, 35)[YEARS.index(y)] for y in years])[0]
        start = dt.date(year, rng.randint(1, 9), rng.randint(1, 28))
        end = None if rng.random() < 0.55 else dt.date(year, rng.randint(start.month, 12), 28)
        low, high = WAGE_RANGE[place]
        employer = workshop.owner_name if workshop else rng.choice(names[place]).format(
            rng.choice(SYLLABLES) + rng.choice(SYLLABLES))
        last = end if end is not None else dt.date(year, 12, 31)
        rows.append(Placement(member_id=member_id, village_id=village, employer=employer, place=place,
                              workstation=workstation, workshop=workshop, start_date=start, end_date=end,
                              monthly_wage=Decimal(rng.randint(low, high) // 10 * 10),
                              months_employed=last.month - start.month + 1, synthetic=True))
    Placement.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _wage_years(prefix: str) -> dict[int, set[int]]:
    """Member id -> the plan years in which the member's household records wage income."""
    from xiezuo.registry.models import HouseholdYear, Member

    by_household: dict[int, set[int]] = {}
    for household_id, year in HouseholdYear._base_manager.filter(
            year__in=YEARS, wage__gt=0, household__village__code__startswith=prefix).values_list("household_id", "year"):
        by_household.setdefault(household_id, set()).add(year)
    return {member_id: by_household[household_id]
            for member_id, household_id in Member._base_manager.filter(
                deceased=False, household_id__in=list(by_household)).values_list("id", "household_id")
            if household_id in by_household}


def _students(*, rng, scale, log, station_of, region: DemoRegion, east_names: dict[str, str]) -> int:
    spec = region.section("labor")
    partners = region.partners_2018
    schools = spec.get("schools", {})
    programme_spec = spec.get("programme") or {}
    target = scaled(spec["students"], scale)
    rows = []
    taken: set[int] = set()
    per_year = [target // 3 + (1 if i < target % 3 else 0) for i in range(3)]
    for year, n in zip(YEARS, per_year, strict=True):
        pool = [m for m in eligible_members(born_from=year - 17, born_to=year - 15, prefix=region.prefix)
                if m[0] not in taken]
        if len(pool) < n:
            log(f"labor: only {len(pool)} members aged 15–17 for {year}, fewer than {n} students")
        for member_id, village in rng.sample(pool, min(n, len(pool))):
            taken.add(member_id)
            county = village[:6]
            east_code = partners.get(county) or next(iter(partners.values()))
            programme = programme_spec["name"] if county == programme_spec.get("west") else rng.choice(
                ["数控技术", "电子商务", "汽车维修", "护理", "旅游服务"])
            school = schools.get(east_code) or f"{east_names.get(east_code, '')}职业技术学校"
            rows.append(VocationalStudent(member_id=member_id, village_id=village, school=school,
                                          school_division=station_of[county].east_division
                                          if county in station_of else None,
                                          programme=programme, enrolled_year=year, synthetic=True))
    VocationalStudent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
