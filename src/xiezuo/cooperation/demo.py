"""Cooperation part of `xiezuo demo`: organisations, pairings and agreements of the demo region's
definition (`[cooperation]`; Guangyuan's are the book's, domain brief §7.3, §6.5), deterministic from the seed.

Recorded (book / verified): 苍溪–三门, 朝天–路桥, 青川–吴兴 2018–2020; 安吉 (黄杜村) donated the
white-tea seedlings to 青川; the 广元–台州, 广元–湖州, 广元–丽水 framework agreements 2018–2020;
the 2021+ Hangzhou round with 余杭–苍溪, 萧山–旺苍, 西湖–青川. Earlier rounds: Zhejiang–Guangyuan
paired aid from 1996, earthquake reconstruction of 青川 2008–2011, long-term aid 2011–2017.
Demo assumptions (the book does not say): the partners of 旺苍, 剑阁 and 昭化 in 2018–2020 (the
same as the labour demo's), the 2021+ partners of the other four, and per county the
township, village, enterprise, school and hospital pairs, sized like the 路桥–朝天 2019
report (7 township, 33 village, 96 enterprise–village, 11 hospital, 24 school pairs).
Pairings and organisations are not people, so they do not scale with `--scale`; the targets of
figures that count registry people (`SCALED_TARGETS`: workers placed) do, like the placements the
labour demo draws from the registry, so completion reads the same at every scale.

Visits, meetings and enterprise investment (`_activities`): 青川's 42 trade cooperation projects of
the long-term aid 2012–2017 carry the book's totals exactly (#44–46: 2.09 bn planned, 1.1 bn
arrived); 2018–2020 rows per paired county are demo assumptions sized by §6.5 (8–14 visits a year,
朝天 2019 exactly 11 as in the 路桥–朝天 report; 1–3 meetings; 2–5 enterprises of 5–80 M yuan).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from xiezuo.geo.demo_region import DemoRegion, full, load
from xiezuo.geo.models import Division

from .models import (
    INDICATOR_UNITS,
    Agreement,
    AgreementTarget,
    Enterprise,
    Meeting,
    Organisation,
    Pairing,
    Visit,
)
from .selectors import county_pairing_on
from .uscc import make_uscc

ROUND_2018 = (dt.date(2018, 1, 1), dt.date(2020, 12, 31))
ROUND_2021 = dt.date(2021, 1, 1)
PAIRS_PER_COUNTY = {"town": 7, "village": 33, "enterprise_village": 96, "hospital": 11, "school": 24}
PAIRS_PER_COUNTY_2021 = {"town": 5, "village": 20, "enterprise_village": 40, "hospital": 6, "school": 12}
# Yearly targets per paired western county (domain brief §6.5), summed per city agreement.
COUNTY_TARGETS = {
    "visits": (8, 14), "cadres": (2, 4), "technicians": (10, 30), "training_sessions": (8, 14),
    # labour_placed: the book's 16,400 placements 2018–2020 are about 900 a year per paired county
    "fiscal_aid": (33_000_000, 50_000_000), "projects": (10, 16), "labour_placed": (800, 1000),
    "consumption": (40_000_000, 120_000_000), "pairs_village": (30, 36), "pairs_school": (20, 26),
    "pairs_hospital": (9, 12), "donations": (8_000_000, 15_000_000),
}
SCALED_TARGETS = {"labour_placed"}  # targets of registry people, scaled with --scale


def target_value(indicator: str, value: int, scale: float) -> int:
    """A target as the demo stores it: people-counting targets scaled (at least 1), yuan in 万元."""
    if indicator in SCALED_TARGETS:
        value = max(1, round(value * scale))
    if INDICATOR_UNITS[indicator] == "yuan":
        value = value // 10_000 * 10_000
    return value


TOWN_NAMES = ["城关镇", "新城街道", "临江镇", "东山乡", "西岭镇", "南湖乡", "北溪镇", "石门乡", "桃源镇", "清水乡"]
ENTERPRISE_WORDS = ["华兴", "建福", "安康", "泰和", "丰顺", "达利", "明新", "盛隆", "永昌", "瑞丰", "恒通", "嘉禾"]
ENTERPRISE_KINDS = ["机电", "纺织", "食品", "茶业", "农业", "电子", "建材", "物流"]


def _code(rng: random.Random, prefix8: str) -> str:
    return make_uscc(prefix8, f"{rng.randrange(10**8):08d}")


def delete_previous() -> None:
    from xiezuo.projects.models import Project

    Project._base_manager.filter(pairing__synthetic=True).update(pairing=None)
    for model in (Visit, Meeting, Enterprise):
        model._base_manager.filter(synthetic=True).delete()
    AgreementTarget._base_manager.filter(agreement__synthetic=True).delete()
    Agreement._base_manager.filter(synthetic=True).delete()
    Pairing._base_manager.filter(synthetic=True).delete()
    Organisation._base_manager.filter(synthetic=True).delete()


def _divisions(codes) -> dict[str, Division]:
    """Divisions by code as the definition writes them (6 digits)."""
    return {d.code[:6]: d for d in Division.objects.filter(code__in=[full(c) for c in codes])}


@transaction.atomic
def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,
          region: DemoRegion | None = None) -> dict:
    region = region or load()
    spec = region.section("cooperation")
    partners_2018, partners_2021 = region.partners_2018, region.partners_2021
    agreements_spec = spec.get("agreements", [])
    history = spec.get("history", [])
    rng = random.Random(f"cooperation-{seed}")
    delete_previous()
    codes = (set(partners_2018.values()) | set(partners_2021.values()) | {a["east"] for a in agreements_spec}
             | {h["east"] for h in history} | {h["west"] for h in history} | set(region.counties))
    div = _divisions(codes)
    city = Division.objects.filter(code=region.city).first()
    east_province = Division.objects.filter(code=region.east_province).first()
    if city is None or east_province is None or len(div) < len(codes):
        log("cooperation: the geo tree is missing; run the geo demo first")
        return {}
    div[city.code[:6]] = city

    orgs: list[Organisation] = []

    def org(name, kind, division, side, prefix="11", name_en=""):
        o = Organisation(name=name, name_en=name_en, kind=kind, division=division, side=side, synthetic=True,
                         uscc=_code(rng, f"{prefix}{division.code[:6]}"))
        orgs.append(o)
        return o

    gov = {code: org(f"{d.name}人民政府", "government", d, d.side, name_en=f"{d.name_en} government")
           for code, d in sorted(div.items()) if d.level == "county" or (d.level == "city" and d != city)}
    gov[city.code[:6]] = org(f"{city.name}人民政府", "government", city, "west", name_en=f"{city.name_en} government")
    own_orgs = {i: org(h["east_org"]["name"], "government", div[h["east"]], "east",
                       prefix=h["east_org"].get("prefix", "11"), name_en=h["east_org"].get("name_en", ""))
                for i, h in enumerate(history) if h.get("east_org")}

    pairings: list[Pairing] = []

    def pair(level, east, west, rnd, start, end=None, east_org=None, west_org=None, basis=""):
        pairings.append(Pairing(level=level, east_division=east, west_division=west, east_organisation=east_org,
                                west_organisation=west_org, round=rnd, valid_from=start, valid_to=end, basis=basis,
                                synthetic=True))

    def recorded(donors: bool) -> None:
        for i, h in enumerate(history):
            if (h["level"] == "donor") == donors:
                pair(h["level"], div[h["east"]], div[h["west"]], h["round"], h["from"], h.get("to"),
                     east_org=own_orgs.get(i), basis=h.get("basis", ""))

    # Earlier rounds the definition records (Guangyuan: brief §9.2); its donations after the county pairs.
    recorded(donors=False)
    # City framework pairings (one per agreement round) and the county pairs.
    for a in agreements_spec:
        if a["round"] == "2018":
            pair("city", div[a["east"]], city, "2018", *ROUND_2018, basis="东西部扶贫协作三年行动 2018–2020")
        else:
            pair("city", div[a["east"]], city, a["round"], ROUND_2021, basis=a.get("basis", "东西部协作 2021–"))
    for west6, east6 in partners_2018.items():
        pair("county", div[east6], div[west6], "2018", *ROUND_2018, east_org=gov[east6], west_org=gov[west6],
             basis="携手奔小康 结对县")
    for west6, east6 in partners_2021.items():
        pair("county", div[east6], div[west6], "2021", ROUND_2021, east_org=gov[east6],
             west_org=gov[west6], basis="东西部协作 2021–")
    recorded(donors=True)

    # Township, village, enterprise, school and hospital pairs per paired county.
    towns = {}
    villages = {}
    for d in Division.objects.filter(code__startswith=region.prefix, level__in=("township", "village")).order_by("code"):
        (towns if d.level == "township" else villages).setdefault(d.code[:6], []).append(d)
    for rounds, sizes, start, end in ((partners_2018, PAIRS_PER_COUNTY, *ROUND_2018),
                                      (partners_2021, PAIRS_PER_COUNTY_2021, ROUND_2021, None)):
        rnd = "2018" if end else "2021"
        for west6, east6 in sorted(rounds.items()):
            east, west = div[east6], div[west6]
            w_towns = towns.get(west6) or [west]
            w_villages = villages.get(west6) or [west]
            for i in range(sizes["town"]):
                t = w_towns[i % len(w_towns)]
                e = org(f"{east.name}{TOWN_NAMES[i % len(TOWN_NAMES)]}人民政府", "government", east, "east")
                pair("town", east, t, rnd, start, end, east_org=e)
            for v in rng.sample(w_villages, min(sizes["village"], len(w_villages))):
                e = org(f"{east.name}{rng.choice(TOWN_NAMES)[:2]}村村民委员会", "government", east, "east", "54")
                pair("village", east, v, rnd, start, end, east_org=e)
            for _i in range(sizes["enterprise_village"]):
                v = rng.choice(w_villages)
                name = f"{east.name[:2]}{rng.choice(ENTERPRISE_WORDS)}{rng.choice(ENTERPRISE_KINDS)}有限公司"
                e = org(name, "enterprise", east, "east", "91")
                pair("enterprise_village", east, v, rnd, start, end, east_org=e)
            for kind, level, word in (("school", "school", "学校"), ("hospital", "hospital", "医院")):
                for i in range(sizes[level]):
                    e = org(f"{east.name}第{i + 1}{'中学' if kind == 'school' else '人民医院'}", kind, east, "east", "12")
                    w_place = rng.choice(w_towns)
                    w = org(f"{w_place.name}{'中心' + word if kind == 'school' else '卫生院'}{i + 1}", kind,
                            w_place, "west", "12")
                    pair(level, east, w_place, rnd, start, end, east_org=e, west_org=w)
    Organisation.objects.bulk_create(orgs, batch_size=1000)
    Pairing.objects.bulk_create(pairings, batch_size=1000)

    agreements, targets = [], []
    for spec_a in agreements_spec:
        east6, title, rnd = spec_a["east"], spec_a["title"], spec_a["round"]
        start, end = (ROUND_2018 if rnd == "2018" else (dt.date(2021, 1, 1), dt.date(2025, 12, 31)))
        a = Agreement(title=title, east_division=div[east6], west_division=city, round=rnd, synthetic=True,
                      signed_on=dt.date(start.year, 3, 28 if rnd == "2018" else 21), valid_from=start,
                      valid_to=end)
        agreements.append(a)
    Agreement.objects.bulk_create(agreements)
    for a, spec_a in zip(agreements, agreements_spec, strict=True):
        east6, rnd = spec_a["east"], spec_a["round"]
        partners = partners_2018 if rnd == "2018" else partners_2021
        counties = [w for w, e in partners.items() if e.startswith(east6[:4])] if rnd == "2018" else list(partners)
        for year in range(a.valid_from.year, a.valid_to.year + 1):
            for indicator, (low, high) in COUNTY_TARGETS.items():
                value = target_value(indicator, sum(rng.randint(low, high) for _ in counties)
                                     or rng.randint(low, high), scale)
                targets.append(AgreementTarget(agreement=a, year=year, indicator=indicator,
                                               target=Decimal(value).quantize(Decimal("0.01")),
                                               unit=INDICATOR_UNITS[indicator]))
    AgreementTarget.objects.bulk_create(targets, batch_size=1000)
    activities = _activities(rng, div, spec)
    log(f"cooperation: {len(orgs)} organisations, {len(pairings)} pairings, {len(agreements)} agreements, "
        f"{len(targets)} yearly targets, {activities['visits']} visits, {activities['meetings']} meetings, "
        f"{activities['enterprises']} enterprises")
    return {"organisations": len(orgs), "pairings": len(pairings), **activities}


INDUSTRIES = ["茶叶加工", "食用菌", "猕猴桃", "中药材", "纺织服装", "电子元件", "农产品物流", "文旅康养", "生猪养殖", "竹木加工"]
VISIT_TITLES = ["党政代表团考察对接", "结对帮扶工作调研", "产业合作洽谈", "劳务协作对接", "消费扶贫产销对接", "教育医疗帮扶交流"]


def _split(rng: random.Random, total: Decimal, n: int, unit: Decimal = Decimal("10000")) -> list[Decimal]:
    """`total` in n seeded parts, each a multiple of `unit`; the last takes the remainder, so the sum is exact."""
    weights = [rng.lognormvariate(0, 0.8) for _ in range(n)]
    scale = total / unit / Decimal(str(sum(weights)))
    parts = [(Decimal(str(w)) * scale).to_integral_value() * unit for w in weights[:-1]]
    return [*parts, total - sum(parts, Decimal(0))]


def _round_10k(amount: Decimal) -> Decimal:
    # quantize(Decimal("10000")) would round to whole yuan (its exponent is 0), not to 万元.
    return (amount / 10_000).to_integral_value() * 10_000


def _activities(rng: random.Random, div: dict[str, Division], spec: dict) -> dict:
    visits: list[Visit] = []
    meetings: list[Meeting] = []
    enterprises: list[Enterprise] = []

    def day(year: int) -> dt.date:
        return dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))

    def enterprise(name, west, east, year, planned, arrived, pairing, industry):
        enterprises.append(Enterprise(
            name=name, uscc=_code(rng, f"91{west.code[:6]}"), west_division=west, east_division=east, year=year,
            pairing=pairing, industry=industry, investment_planned=planned, investment_arrived=arrived,
            in_production=arrived > 0 and rng.random() < 0.85, poor_people_driven=rng.randint(5, 150),
            synthetic=True))

    # A recorded set of trade projects (Guangyuan: 青川 2012–2017, book #44–46); planned and arrived split so
    # both totals are exact and no project has more arrived than planned (rebalanced at the end).
    trade = spec.get("trade")
    if trade:
        west, east = div[trade["west"]], div[trade["east"]]
        n, planned_total, arrived_total = trade["projects"], Decimal(trade["planned"]), Decimal(trade["arrived"])
        planned = sorted(_split(rng, planned_total, n), reverse=True)
        arrived = [_round_10k(p * arrived_total / planned_total) for p in planned]
        arrived[0] += arrived_total - sum(arrived, Decimal(0))
        for i, (p, a) in enumerate(zip(planned, arrived, strict=True)):
            year = trade["first_year"] + i % trade["years"]
            pairing = county_pairing_on(east.code, west.code, dt.date(year, 12, 31))
            name = trade["name"].format(word=rng.choice(ENTERPRISE_WORDS), kind=rng.choice(ENTERPRISE_KINDS))
            enterprise(name, west, east, year, p, a, pairing, rng.choice(INDUSTRIES))

    fixed_visits = {(v["west"], v["year"]): v["count"] for v in spec.get("fixed_visits", [])}
    for west6, east6 in sorted(spec.get("partners_2018", {}).items()):
        west, east = div[west6], div[east6]
        for year in (2018, 2019, 2020):
            pairing = county_pairing_on(east.code, west.code, dt.date(year, 12, 31))
            count = fixed_visits.get((west6, year)) or rng.randint(8, 14)
            for _i in range(count):
                e2w = rng.random() < 0.55
                visits.append(Visit(
                    date=day(year), kind="e2w" if e2w else "w2e", title=f"{(east if e2w else west).name}"
                    f"{rng.choice(VISIT_TITLES)}", leader=rng.choice(["党委书记", "区（县）长", "常务副县长", "分管副县长"]),
                    west_division=west, east_division=east, pairing=pairing, synthetic=True))
            for i in range(rng.randint(1, 3)):
                kind = "joint" if i == 0 else rng.choice(["signing", "other"])
                title = {"joint": f"{east.name}–{west.name}东西部扶贫协作联席会议",
                         "signing": f"{year}年度东西部扶贫协作协议签约", "other": "产业协作推进会"}[kind]
                meetings.append(Meeting(date=day(year), kind=kind, title=title, west_division=west,
                                        east_division=east, pairing=pairing, synthetic=True))
            for _i in range(rng.randint(2, 5)):
                p = Decimal(rng.randrange(500, 8000)) * 10_000
                a = _round_10k(p * Decimal(rng.randint(30, 100)) / 100)
                name = f"{east.name[:2]}{rng.choice(ENTERPRISE_WORDS)}{rng.choice(ENTERPRISE_KINDS)}有限公司"
                enterprise(name, west, east, year, p, a, pairing, rng.choice(INDUSTRIES))
    Visit.objects.bulk_create(visits, batch_size=1000)
    Meeting.objects.bulk_create(meetings, batch_size=1000)
    Enterprise.objects.bulk_create(enterprises, batch_size=1000)
    return {"visits": len(visits), "meetings": len(meetings), "enterprises": len(enterprises)}
