"""Projects part of `xiezuo demo`: the project library and fund ledger of the demo region (`[projects]` of
its definition; Guangyuan's are the book's), deterministic from the seed, written in bulk. For Guangyuan:

- 2018–2020: in each of the six paired counties, 7 industry projects a year funded by
  East–West fiscal aid totalling exactly 1,191,315,000.00 yuan, so that the 6 % fund-pool
  rule sets aside exactly 71,478,900.00 yuan (book #57, #58); amounts are whole hundreds of
  yuan, so every 6 % share is exact to the fen. Plus 4 non-industry projects a year per
  county (infrastructure, education, health, labour) funded by fiscal aid and donations.
- The 白叶一号 white-tea project in 青川 (2018, 5,217 mu, book #50–#52), one of those industry
  projects, linked to registry households in 6 青川 townships whose people sum to
  round(1,817 × scale).
- Every other 2018–2020 industry project, placed in a township, linked to registered households of
  that township (synthetic; round(40–260 × scale) people each), so each traces its money to households.
- 2021–2023: a few industry projects per Hangzhou-paired county.
- Earlier periods as summary-level records (book #22–#23, #28–#29, #32–#33): 160 projects and
  1.3 bn yuan (1996–2008, Guangyuan), 547 reconstruction projects and 8.7 bn (2008–2011, 青川),
  70 agricultural-aid projects and 37.15 M (2011–2017, 青川); posted before the pool rule.
Money never scales; only the beneficiary people do.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q

from xiezuo.cooperation.models import Pairing
from xiezuo.geo.demo import apportion
from xiezuo.geo.demo_region import DemoRegion, full, load
from xiezuo.geo.models import Division

from . import ledger
from .models import (
    Budget,
    FundPool,
    FundPoolRule,
    FundSource,
    LedgerEntry,
    PoolEntry,
    Project,
    ProjectBeneficiary,
    ProjectTransition,
    Status,
)
from .services import pool_memo

POOL_SHARE = Decimal("0.06")
POOL_RULE_FROM = dt.date(2018, 1, 1)
INDUSTRY_PER_COUNTY_YEAR = 7
OTHER_CATEGORIES = ("infrastructure", "education", "health", "labour")
INDUSTRY_NAMES = ("茶叶加工", "猕猴桃基地", "核桃产业园", "中药材种植", "食用菌基地", "油橄榄", "生猪养殖",
                  "电商服务中心", "冷链物流", "乡村旅游")
OTHER_NAMES = {"infrastructure": "村道及安全饮水工程", "education": "学校改扩建", "health": "卫生院标准化建设",
               "labour": "劳务培训与就业帮扶"}
CATEGORY_EN = {"industry": "industry", "infrastructure": "roads and safe water", "education": "school upgrade",
               "health": "clinic upgrade", "labour": "labour training and jobs"}
STATUS_CHAIN = [s.value for s in Status]


def delete_previous() -> None:
    """Remove the demo's own rows (append-only entries included: the demo replaces itself)."""
    projects = Project._base_manager.filter(synthetic=True)
    pool_rows = PoolEntry._base_manager.filter(ledger_entry__project__in=projects)
    pool_rows.filter(reverses__isnull=False)._raw_delete(pool_rows.db)
    PoolEntry._base_manager.filter(ledger_entry__project__in=projects)._raw_delete(pool_rows.db)
    entries = LedgerEntry._base_manager.filter(project__in=projects)
    entries.filter(reverses__isnull=False)._raw_delete(entries.db)
    LedgerEntry._base_manager.filter(project__in=projects)._raw_delete(entries.db)
    ProjectBeneficiary._base_manager.filter(project__in=projects).delete()
    ProjectTransition._base_manager.filter(project__in=projects).delete()
    Budget._base_manager.filter(project__in=projects).delete()
    Project.task_force.through.objects.filter(project__in=projects).delete()
    projects.delete()
    FundPoolRule.objects.filter(note__startswith="demo:").delete()
    # Pools keep any real entries; their balances are recomputed from what remains.
    for pool in FundPool.objects.all():
        total = Decimal("0.00")
        for kind, amount in pool.entries.values_list("kind", "amount"):
            total += amount if kind == PoolEntry.Kind.INFLOW else -amount
        FundPool.objects.filter(pk=pool.pk).update(balance=total)


class _Book:
    """Collects projects and their postings, keeping each budget line's totals."""

    def __init__(self, rng: random.Random, cadres: dict[str, list[int]]):
        self.rng = rng
        self.cadres = cadres
        self.projects: list[Project] = []
        self.budgets: list[tuple[Project, Budget]] = []
        self.postings: list[tuple[Budget, str, dt.date, Decimal, str, str]] = []
        self.transitions: list[tuple[Project, list[tuple[str, dt.date]]]] = []

    def project(self, *, code, name, name_en, county: Division, category, year, end_year=None, status,
                pairing=None, place=None, summary_count=0, area_mu=None, tag="", description="") -> Project:
        place = place or county
        township = place if place.level == "township" else None
        pool = self.cadres.get(county.code[:6], [])
        p = Project(code=code, name=name, name_en=name_en, county=county, township=township, place=place,
                    category=category, year=year, end_year=end_year, status=status, pairing=pairing,
                    responsible_id=self.rng.choice(pool) if pool else None, summary_count=summary_count,
                    area_mu=area_mu, tag=tag, description=description, synthetic=True)
        self.projects.append(p)
        start = dt.date(year, 1, 10)
        chain = STATUS_CHAIN[: STATUS_CHAIN.index(status) + 1]
        last_year = end_year or year
        days = [start + (dt.date(last_year, 12, 20) - start) * i / max(len(chain) - 1, 1) for i in range(len(chain))]
        self.transitions.append((p, list(zip(chain, days, strict=True))))
        return p

    def fund(self, project: Project, source: str, amount: Decimal, *, paid: Decimal, pooled: Decimal,
             year: int, end_year: int | None = None) -> None:
        """A budget line fully allocated, with `paid` disbursed in two tranches."""
        budget = Budget(project=project, source=source, amount=amount, allocated=amount, disbursed=paid,
                        pooled=pooled)
        assert ledger.Totals(amount, amount, paid, pooled).broken() == []
        self.budgets.append((project, budget))
        alloc_day = dt.date(year, 3, 15)
        self.postings.append((budget, LedgerEntry.Kind.ALLOCATION, alloc_day, amount, "", f"ZB{year}-{len(self.postings):05d}"))
        if paid:
            first = (paid * Decimal("0.6")).quantize(ledger.FEN)
            pay_year = end_year or year
            payee = f"{project.name[:20]}实施单位"
            for part, day in ((first, dt.date(year, 7, 1)), (paid - first, dt.date(pay_year, 11, 30))):
                if part:
                    self.postings.append((budget, LedgerEntry.Kind.DISBURSEMENT, day, part, payee,
                                          f"ZF{day.year}-{len(self.postings):05d}"))


def _cadres_by_county(prefix: str) -> dict[str, list[int]]:
    from xiezuo.registry.models import Cadre

    out: dict[str, list[int]] = defaultdict(list)
    for pk, code in Cadre.objects.filter(division__code__startswith=prefix).order_by("pk").values_list(
            "pk", "division__code"):
        out[code[:6]].append(pk)
    return out


def _fill(rows: list[tuple[int, int]], target: int) -> list[tuple[int, int]]:
    """(household id, people) taken in order until the people sum to `target` (or the rows run out)."""
    picked, left = [], target
    for pk, living in rows:
        if left <= 0:
            break
        people = min(living, left)
        picked.append((pk, people))
        left -= people
    return picked


def _pick_beneficiaries(rng: random.Random, target: int, townships: list[Division]) -> list[tuple[int, int]]:
    """(household id, people) in the given townships, people summing to `target` when possible."""
    from xiezuo.registry.models import Household

    rows = list(Household.objects.filter(village__parent__in=townships)
                .annotate(living=Count("members", filter=Q(members__deceased=False)))
                .filter(living__gt=0).order_by("pk").values_list("pk", "living"))
    rng.shuffle(rows)
    return _fill(rows, target)


def _township_beneficiaries(rng: random.Random, projects: list[Project], scale: float) -> list[ProjectBeneficiary]:
    """For each project placed in a township: registered (建档立卡) households of that township, linked the
    year after it started, people summing to round(40–260 × scale), at least 1. Synthetic: the book gives
    beneficiaries for the white tea only, but every project should trace its money to households."""
    from xiezuo.registry.models import Member

    towns = {p.place_id for p in projects}
    living: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for pk, town, n in (Member.objects.filter(deceased=False, household__identified_on__isnull=False,
                                              household__village__parent_id__in=towns)
                        .values("household_id", "household__village__parent_id").annotate(n=Count("id"))
                        .order_by("household_id").values_list("household_id", "household__village__parent_id", "n")):
        living[town].append((pk, n))
    out = []
    for p in projects:
        rows = list(living.get(p.place_id, ()))
        rng.shuffle(rows)
        target = max(1, round(rng.randint(40, 260) * scale))
        out += [ProjectBeneficiary(project=p, household_id=pk, people=people, year=min(p.year + 1, 2020),
                                   synthetic=True, income_added=Decimal(rng.randrange(500, 2500)))
                for pk, people in _fill(rows, target)]
    return out


@transaction.atomic
def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,
          region: DemoRegion | None = None) -> dict:
    region = region or load()
    spec = region.section("projects")
    partners_2018, partners_2021 = region.partners_2018, region.partners_2021
    flagship = spec.get("flagship")
    code_prefix = region.data.get("code_prefix", "XZ")
    rng = random.Random(f"projects-{seed}")
    delete_previous()
    counties = {d.code[:6]: d for d in Division.objects.filter(level="county", code__startswith=region.prefix)}
    city = Division.objects.filter(code=region.city).first()
    if city is None or not set(partners_2018) <= set(counties):
        log("projects: the geo tree is missing; run the geo demo first")
        return {}
    FundPoolRule.objects.create(share=POOL_SHARE, valid_from=POOL_RULE_FROM,
                                note="demo: book #57, 6 % of East–West fiscal aid to industry")
    pairings = {(p.west_division_id[:6], p.round): p for p in
                Pairing.objects.filter(level="county", west_division__code__startswith=region.prefix).order_by("pk")}
    book = _Book(rng, _cadres_by_county(region.prefix))
    townships = defaultdict(list)
    for t in Division.objects.filter(level="township", code__startswith=region.prefix).order_by("code"):
        townships[t.code[:6]].append(t)

    # 2018–2020 industry projects: one apportionment of the total in whole hundreds of yuan.
    slots = [(c, y, i) for c in sorted(partners_2018) for y in (2018, 2019, 2020)
             for i in range(INDUSTRY_PER_COUNTY_YEAR)]
    hundreds = apportion(int(Decimal(spec["industry_fiscal_2018_2020"]) / 100), [rng.uniform(0.4, 1.6) for _ in slots])
    white_tea = None
    for (county6, year, i), units in zip(slots, hundreds, strict=True):
        county = counties[county6]
        fiscal = Decimal(units * 100).quantize(ledger.FEN)
        status = "accepted" if year < 2020 else rng.choice(["in_progress", "completed"])
        place = rng.choice(townships[county6]) if townships[county6] else county
        is_tea = bool(flagship) and county6 == flagship["county"] and year == flagship["year"] and i == 0
        if is_tea:
            name, name_en, tag, area = (flagship["name"], flagship["name_en"], flagship["tag"],
                                        Decimal(flagship["area_mu"]))
            place = county
        else:
            word = rng.choice(INDUSTRY_NAMES)
            name, name_en, tag, area = f"{place.name}{word}项目", f"{place.name_en or place.name} industry: {word}", "", None
        p = book.project(code=f"{code_prefix}-{county6}-{year}-I{i + 1:02d}", name=name, name_en=name_en,
                         county=county, category="industry", year=year, status=status,
                         pairing=pairings.get((county6, "2018")), place=place, area_mu=area, tag=tag,
                         description=flagship.get("description", "") if is_tea else "")
        white_tea = p if is_tea else white_tea
        pooled = ledger.pool_share(fiscal, POOL_SHARE)
        available = fiscal - pooled
        paid = available if status != "in_progress" else (available * Decimal("0.5")).quantize(ledger.FEN)
        book.fund(p, FundSource.EAST_FISCAL, fiscal, paid=paid, pooled=pooled, year=year)
        local = Decimal(rng.randrange(10, 80) * 10_000)
        book.fund(p, "local", local, paid=local if status != "in_progress" else Decimal(0), pooled=Decimal(0),
                  year=year)
    # 2018–2020 other projects (no pool share).
    for county6 in sorted(partners_2018):
        for year in (2018, 2019, 2020):
            for category in OTHER_CATEGORIES:
                county = counties[county6]
                status = "accepted" if year < 2020 else "completed"
                p = book.project(code=f"{code_prefix}-{county6}-{year}-{category[:3].upper()}", category=category, year=year,
                                 name=f"{county.name}{OTHER_NAMES[category]}",
                                 name_en=f"{county.name_en or county.name} {CATEGORY_EN[category]}", county=county,
                                 status=status, pairing=pairings.get((county6, "2018")))
                fiscal = Decimal(rng.randrange(50, 300) * 10_000)
                book.fund(p, FundSource.EAST_FISCAL, fiscal, paid=fiscal, pooled=Decimal(0), year=year)
                donation = Decimal(rng.randrange(5, 60) * 10_000)
                book.fund(p, "social_donation", donation, paid=donation, pooled=Decimal(0), year=year)
    # 2021–2023: the Hangzhou round.
    for county6 in sorted(partners_2021):
        for year in (2021, 2022, 2023):
            for i in range(3):
                county = counties[county6]
                word = rng.choice(INDUSTRY_NAMES)
                status = "accepted" if year < 2023 else "in_progress"
                p = book.project(code=f"{code_prefix}-{county6}-{year}-I{i + 1:02d}", name=f"{county.name}{word}项目",
                                 name_en=f"{county.name_en or county.name} industry: {word}", county=county,
                                 category="industry", year=year, status=status,
                                 pairing=pairings.get((county6, "2021")))
                fiscal = Decimal(rng.randrange(300, 1500) * 10_000)
                pooled = ledger.pool_share(fiscal, POOL_SHARE)
                paid = fiscal - pooled if status == "accepted" else Decimal(0)
                book.fund(p, FundSource.EAST_FISCAL, fiscal, paid=paid, pooled=pooled, year=year)
    # Earlier periods: summary records, fully paid, before the pool rule.
    for item in spec.get("summaries", []):
        first, last, amount = item["first"], item["last"], Decimal(item["amount"])
        county = city if full(item["division"]) == city.code else counties[item["division"]]
        p = book.project(code=item["code"], name=item["name"], name_en=item["name_en"], county=county,
                         category=item["category"], year=first, end_year=last, status="accepted",
                         summary_count=item["count"], tag=f"period_{first}",
                         pairing=Pairing.objects.filter(west_division=county, round=str(first)).first())
        book.fund(p, FundSource.EAST_FISCAL, amount, paid=amount, pooled=Decimal(0), year=first, end_year=last)

    for p in book.projects:
        p.place_id = p.place.code
    Project.objects.bulk_create(book.projects, batch_size=500)
    ProjectTransition.objects.bulk_create(
        [ProjectTransition(project=p, from_status=chain[i - 1][0] if i else "", to_status=status, on=day)
         for p, chain in book.transitions for i, (status, day) in enumerate(chain)], batch_size=1000)
    for project, budget in book.budgets:
        budget.project = project
    Budget.objects.bulk_create([b for _p, b in book.budgets], batch_size=1000)
    entries = [LedgerEntry(project=b.project, budget=b, kind=kind, date=day, amount=amount, payee=payee,
                           voucher=voucher) for b, kind, day, amount, payee, voucher in book.postings]
    LedgerEntry.objects.bulk_create(entries, batch_size=1000)
    pools = {}
    pool_rows = []
    for e in entries:
        if e.kind == LedgerEntry.Kind.ALLOCATION and e.budget.pooled:
            county_id = e.project.county_id
            if county_id not in pools:
                pools[county_id], _ = FundPool.objects.get_or_create(county_id=county_id)
            pool_rows.append(PoolEntry(pool=pools[county_id], kind=PoolEntry.Kind.INFLOW, date=e.date,
                                       amount=e.budget.pooled, ledger_entry=e,
                                       memo=pool_memo(e.budget.pooled / e.amount, e.amount, e.project.code,
                                                      settings.LANGUAGE_CODE)))
    PoolEntry.objects.bulk_create(pool_rows, batch_size=1000)
    for pool in pools.values():
        total = sum((r.amount for r in pool_rows if r.pool is pool), Decimal("0.00"))
        FundPool.objects.filter(pk=pool.pk).update(balance=pool.balance + total)

    # The flagship's beneficiaries (white tea: registry households in 6 青川 townships).
    target = round(flagship["people"] * scale) if flagship else 0
    flag_towns = townships[flagship["county"]] if flagship else []
    wanted = flagship.get("townships", []) if flagship else []
    chosen = [t for t in flag_towns if t.name in wanted]
    chosen += [t for t in flag_towns if t not in chosen][: len(wanted) - len(chosen)]
    picked = _pick_beneficiaries(rng, target, chosen[:len(wanted)]) if white_tea else []
    ProjectBeneficiary.objects.bulk_create(
        [ProjectBeneficiary(project=white_tea, household_id=pk, people=people, year=2019, synthetic=True,
                            income_added=Decimal(rng.randrange(800, 3000))) for pk, people in picked],
        batch_size=1000)
    others = _township_beneficiaries(rng, [p for p in book.projects if p.category == "industry"
                                           and 2018 <= p.year <= 2020 and p is not white_tea
                                           and p.place.level == "township"], scale)
    ProjectBeneficiary.objects.bulk_create(others, batch_size=1000)
    people = sum(n for _pk, n in picked)
    if people != target:
        log(f"projects: only {people} registry people found in the flagship's townships (wanted {target})")
    pooled_total = sum((r.amount for r in pool_rows if r.date.year <= 2020), Decimal("0.00"))
    flagship_note = f"{flagship['name']} {people} beneficiaries in {len(picked)} households, " if flagship else ""
    log(f"projects: {len(book.projects)} projects, {len(entries)} ledger entries, fund pool 2018–2020 "
        f"{pooled_total:,} yuan, {flagship_note}"
        f"{sum(b.people for b in others):,} more in {len(others):,} links to {len({b.project_id for b in others})} "
        f"other industry projects")
    return {"projects": len(book.projects), "ledger_entries": len(entries)}
