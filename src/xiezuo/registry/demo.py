"""Registry part of `xiezuo demo`: a synthetic 2013 registry of the demo region (Guangyuan: the book's).

At scale S, from the region's `[registry]` totals (Guangyuan: round(348,200 S) people in round(107,750 S)
households, exactly round(36,552 S) 低保 households, round(3,326 S) households with a disabled member,
round(49,033 S) households in C/D housing in 2013, and 27.8 % of people aged 60+ at the end of 2013,
domain brief §10), split over the counties (`county_poor_2013`) and their villages (by the villages'
demo population). Members are consistent (relation with sex
and age, schooling with age, labour with health, 低保/特困 with the household attribute,
causes with members), identity numbers are valid and unique. Yearly facts run 2013–2026:
every household below the 2013 line, exits by county batch with incomes above the year's
line and 两不愁三保障 secured, nobody poor in 2020, and from 2021 a few percent of
households fall below the monitoring threshold or suffer a medical or disaster shock.

Deterministic from the seed (each county has its own generator). Rows are written with
`executemany` (SQLite) or COPY (PostgreSQL) inside one transaction, with explicit ids; the previous
demo (synthetic households and cadres, and other apps' rows pointing at them) is deleted
in bulk first. Member attributes (schooling, labour, work) are as recorded in 2020, the
last registry year; birth dates make the 2013 ages.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from xiezuo.accounts.crypto import seal
from xiezuo.geo.demo import apportion
from xiezuo.geo.demo_region import DemoRegion, load
from xiezuo.geo.models import Division, DivisionPopulation

from . import demo_data as D
from . import demo_units, summary
from .identity import check_character
from .models import Cadre, Household, HouseholdYear, Member, StatusChange
from .services import member_identity_fields

YEARS = range(2013, 2027)
REF_YEAR = 2020  # member attributes as last recorded
BATCH = 5000
STUDENT = {"preschool", "primary", "junior", "senior", "vocational", "higher_vocational", "bachelor"}
COMPULSORY = {"primary", "junior"}


# --------------------------------------------------------------------------- deletion

OWN_MODELS = (StatusChange, HouseholdYear, Member, Household, Cadre)


def _clear_dependents(model: type[models.Model], qs: models.QuerySet, tables: set[str]) -> None:
    """Other apps' rows pointing at demo rows go first (deleted, or unlinked if SET_NULL)."""
    for rel in model._meta.related_objects:
        related = rel.related_model
        if related in OWN_MODELS or not rel.field.concrete or related._meta.db_table not in tables:
            continue  # ours, or a model whose table is not migrated yet
        linked = related._base_manager.filter(**{f"{rel.field.name}__in": qs.values("pk")})
        if rel.on_delete is models.SET_NULL:
            linked.update(**{rel.field.name: None})
        else:
            linked.delete()


def _delete_later_demos(log: Callable[[str], None]) -> None:
    """The demos built after this one point at its rows: let each remove its own first (latest first)."""
    from xiezuo.plugins import DEMO_ORDER, app_modules

    later = DEMO_ORDER[DEMO_ORDER.index("registry") + 1:]
    for app, module in reversed(list(app_modules("demo", later))):
        remove = getattr(module, "delete_previous", None) or getattr(module, "_delete_previous", None)
        if remove is None:
            continue
        try:
            with transaction.atomic():
                remove()
        except DatabaseError as exc:  # e.g. a model whose table is not migrated yet
            log(f"registry: could not clear the {app} demo first ({exc.__class__.__name__}: {exc})")


def delete_previous(log: Callable[[str], None]) -> None:
    _delete_later_demos(log)
    demo_units.delete_previous()
    households = Household.objects.filter(synthetic=True)
    cadres = Cadre.objects.filter(synthetic=True)
    tables = set(connection.introspection.table_names())
    for model, qs in ((Member, Member.objects.filter(household__synthetic=True)),
                      (HouseholdYear, HouseholdYear.objects.filter(household__synthetic=True)),
                      (Household, households), (Cadre, cadres)):
        _clear_dependents(model, qs, tables)
    hh_ids = "SELECT id FROM registry_household WHERE synthetic"
    with connection.cursor() as cur:
        for table in ("registry_statuschange", "registry_householdyear", "registry_member"):
            cur.execute(f"DELETE FROM {table} WHERE household_id IN ({hh_ids})")  # noqa: S608
        cur.execute("DELETE FROM registry_household WHERE synthetic")
        cur.execute("UPDATE registry_household SET cadre_id = NULL WHERE cadre_id IN "
                    "(SELECT id FROM registry_cadre WHERE synthetic)")
        cur.execute("DELETE FROM registry_cadre WHERE synthetic")
    summary.refresh()  # the raw deletes send no signals
    log("registry: previous demo rows deleted")


# --------------------------------------------------------------------------- writing

class Writer:
    """Bulk writes with explicit ids: COPY on PostgreSQL, batched executemany elsewhere."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)
        self._date_cache: dict[dt.date, object] = {}
        self._date_field = models.DateField()

    def date(self, value: dt.date):
        cached = self._date_cache.get(value)
        if cached is None:
            cached = self._date_cache[value] = self._date_field.get_db_prep_save(value, connection)
        return cached

    def insert(self, model: type[models.Model], fields: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        started = time.perf_counter()
        cols = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":  # COPY: ~20x faster than executemany there
                with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"  # noqa: S608
                for i in range(0, len(rows), BATCH):
                    cur.executemany(sql, rows[i:i + BATCH])
        self.counts[model._meta.db_table] += len(rows)
        self.seconds[model._meta.db_table] += time.perf_counter() - started


def next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1


def reset_sequences() -> None:
    """Explicit ids leave PostgreSQL's sequences behind; also refresh the planner's statistics."""
    sql = connection.ops.sequence_reset_sql(no_style(), list(OWN_MODELS))
    with connection.cursor() as cur:
        for statement in sql:
            cur.execute(statement)
        if connection.vendor == "postgresql":
            for model in OWN_MODELS:
                cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def money(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def money_text(fen: int) -> str:
    """SQLite keeps decimals as text it converts itself (Django adapts Decimal with str()): same value, faster."""
    return f"{fen / 100:.2f}"


def db_money() -> Callable[[int], object]:
    return money_text if connection.vendor == "sqlite" else money


# --------------------------------------------------------------------------- people

class Person:
    __slots__ = ("relation", "sex", "age", "name", "birth", "health", "dis_cat", "dis_grade", "schooling",
                 "education", "labour", "work_place", "months", "pension", "dibao", "tekun", "id_number")

    def __init__(self, relation: str, sex: str, age: int):
        self.relation, self.sex, self.age = relation, sex, age
        self.health, self.dis_cat, self.dis_grade = "healthy", "", None
        self.dibao = self.tekun = False


class HH:
    __slots__ = ("village", "size", "elderly", "people", "attribute", "disabled", "unsafe", "main_cause",
                 "other_causes", "exit_year", "risk_year", "risk_kind", "number", "id", "worker", "ill",
                 "dropout_child", "uninsured", "cadre")

    def __init__(self, village: str):
        self.village = village
        self.attribute = "general"
        self.disabled = self.unsafe = self.ill = self.worker = self.dropout_child = self.uninsured = False
        self.risk_year = None
        self.risk_kind = ""
        self.other_causes: list[str] = []


def _name(rng: random.Random, sex: str, surname: str | None = None) -> str:
    chars = D.MALE_CHARS if sex == "M" else D.FEMALE_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return (surname or rng.choice(D.SURNAMES)) + given


def compose(rng: random.Random, n: int, e: int) -> list[Person]:
    """Members of a household of `n` people with `e` aged 60+ (end 2013); relations fit sex and age."""
    people: list[Person] = []
    if e == n:  # all elderly: a widow(er) alone or an old couple
        head_sex = "M" if n == 2 or rng.random() < 0.45 else "F"
        head = Person("01", head_sex, rng.randint(60, 88))
        people.append(head)
        if n == 2:
            people.append(Person("10", "F", max(60, min(92, head.age + rng.randint(-6, 3)))))
        return people
    if e >= 1 and rng.random() < 0.35:  # an elderly head with a son's family
        head = Person("01", "M", rng.randint(62, 84))
        people.append(head)
        if e == 2:
            people.append(Person("10", "F", max(60, min(92, head.age + rng.randint(-6, 2)))))
        rest = n - len(people)
        son = Person("20", "M", rng.randint(22, min(59, head.age - 21)))
        people.append(son)
        rest -= 1
        mother_age = son.age
        if rest:
            mother_age = max(19, min(59, son.age + rng.randint(-4, 2)))
            people.append(Person("30", "F", mother_age))
            rest -= 1
        for _ in range(rest):
            people.append(Person("40", rng.choice("MF"), rng.randint(0, max(0, min(son.age, mother_age) - 20))))
        return people
    # a working-age head, spouse, children and `e` elderly parents
    head_sex = "M" if rng.random() < 0.88 else "F"
    lo = 24 if n - e <= 2 else 28
    head = Person("01", head_sex, rng.randint(lo, 59))
    people.append(head)
    rest = n - e - 1
    youngest_parent = head.age
    if rest and rng.random() < 0.9:
        spouse_age = max(20, min(59, head.age + rng.randint(-5, 4)))
        people.append(Person("10", "F" if head_sex == "M" else "M", spouse_age))
        youngest_parent = min(head.age, spouse_age)
        rest -= 1
    for _ in range(rest):
        sex = rng.choice("MF")
        people.append(Person("20" if sex == "M" else "30", sex, rng.randint(0, max(0, min(35, youngest_parent - 20)))))
    parent_sexes = ["M", "F"] if e == 2 else [rng.choice("MF")] * e
    for sex in parent_sexes:
        people.append(Person("50", sex, rng.randint(max(60, head.age + 20), max(60, head.age + 20) + 12)))
    return people


def describe(rng: random.Random, p: Person) -> None:
    """Schooling, education, labour, work and insurance as recorded in REF_YEAR."""
    age = p.age + (REF_YEAR - 2013)
    school, edu = "none", ""
    if age <= 2:
        edu = "preschool"
    elif age <= 5:
        school, edu = ("preschool" if rng.random() < 0.75 else "none"), "preschool"
    elif age <= 11:
        school, edu = "primary", "primary"
    elif age <= 14:
        school, edu = "junior", "junior"
    elif age == 15:
        school = "junior" if rng.random() < 0.5 else "senior"
        edu = "junior"
    elif age <= 18:
        r = rng.random()
        school = "senior" if r < 0.45 else "vocational" if r < 0.7 else "none"
        edu = "junior"
    elif age <= 22:
        r = rng.random()
        school = "higher_vocational" if r < 0.15 else "bachelor" if r < 0.25 else "none"
        edu = "senior" if school != "none" else rng.choice(("junior", "junior", "senior"))
    elif age >= 70:
        edu = "illiterate" if rng.random() < 0.55 else "primary"
    elif age >= 50:
        edu = rng.choice(("illiterate", "primary", "primary", "primary", "junior"))
    else:
        edu = rng.choice(("primary", "junior", "junior", "junior", "senior"))
    p.schooling, p.education = school, edu
    if age < 16 or school in STUDENT:
        labour = "none"
    elif p.health == "disabled":
        labour = "lost" if (p.dis_grade or 4) <= 2 or age >= 65 else "ordinary"
    elif p.health == "serious":
        labour = "lost"
    elif age >= 70:
        labour = "none"
    elif age >= 65:
        labour = "ordinary" if rng.random() < 0.3 else "none"
    else:
        labour = "skilled" if rng.random() < 0.18 else "ordinary"
    p.labour = labour
    p.work_place, p.months = "", 0
    if labour in ("ordinary", "skilled") and 18 <= age <= 58 and not p.tekun and rng.random() < 0.6:
        p.work_place = rng.choice(("township", "county", "county", "province", "outside", "outside", "outside"))
        p.months = rng.randint(3, 12)
    p.pension = age >= 16 and school not in STUDENT and rng.random() < 0.85


# --------------------------------------------------------------------------- selection helpers

def _fix_total(rng: random.Random, values: list[int], target: int, lo: Callable[[int], int],
               hi: Callable[[int], int]) -> None:
    """Nudge random entries by ±1 within [lo(i), hi(i)] until they sum to `target`."""
    diff = target - sum(values)
    idx = list(range(len(values)))
    while diff:
        step = 1 if diff > 0 else -1
        movable = [i for i in idx if (values[i] < hi(i) if step > 0 else values[i] > lo(i))]
        if not movable:
            raise ValueError("cannot reach the target total")
        rng.shuffle(movable)
        for i in movable[:abs(diff)]:
            values[i] += step
            diff -= step


def _weighted_pick(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """k distinct items, without replacement, by weight (Efraimidis–Spirakis keys)."""
    if k > len(items):
        raise ValueError(f"cannot pick {k} of {len(items)}")
    keys = sorted(((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True)
    return [items[i] for _, i in keys[:k]]


def _max_elderly(n: int) -> int:
    return n if n <= 2 else 2


# --------------------------------------------------------------------------- a county

def county_households(*, rng: random.Random, county6: str, people: int, households: int, targets: dict,
                      villages: dict[str, int], exit_batch: int) -> list[HH]:
    """The households of one county with members and flags (no ids, no yearly facts yet)."""
    codes = sorted(villages)
    mult = [min(2.5, max(0.4, rng.lognormvariate(0, 0.35))) for _ in codes]
    per_village = apportion(households, [villages[c] * m for c, m in zip(codes, mult, strict=True)])
    hhs = [HH(code) for code, k in zip(codes, per_village, strict=True) for _ in range(k)]
    # sizes, exact total
    sizes_pop, size_w = list(D.SIZE_WEIGHTS), list(D.SIZE_WEIGHTS.values())
    sizes = rng.choices(sizes_pop, size_w, k=households)
    _fix_total(rng, sizes, people, lambda i: 1, lambda i: 8)
    # elderly per household, exact total
    elderly = []
    for n in sizes:
        r = rng.random()
        if n == 1:
            elderly.append(1 if r < 0.7 else 0)
        elif n == 2:
            elderly.append(2 if r < 0.45 else 1 if r < 0.6 else 0)
        else:
            elderly.append(0 if r < 0.5 else 1 if r < 0.8 else 2)
    _fix_total(rng, elderly, targets["aged60"], lambda i: 0, lambda i: _max_elderly(sizes[i]))
    for hh, n, e in zip(hhs, sizes, elderly, strict=True):
        hh.size, hh.elderly = n, e
        hh.people = compose(rng, n, e)
    # 特困 households: all members aged 60+ (no one of working age able to work)
    old_only = [hh for hh in hhs if hh.elderly == hh.size]
    for hh in rng.sample(old_only, min(len(old_only), targets["tekun"])):
        hh.attribute = "tekun"
    rest = [hh for hh in hhs if hh.attribute != "tekun"]
    for hh in _weighted_pick(rng, rest, [1.0 + 0.6 * hh.elderly + (0.8 if hh.size <= 2 else 0) for hh in rest],
                             targets["dibao"]):
        hh.attribute = "dibao"
    for hh in _weighted_pick(rng, hhs, [1.0 + 0.5 * hh.elderly for hh in hhs], targets["disabled"]):
        hh.disabled = True
        adults = [p for p in hh.people if p.age >= 16] or hh.people
        p = rng.choice(adults)
        p.health, p.dis_cat = "disabled", rng.choice(
            ("physical", "physical", "physical", "visual", "hearing", "speech", "intellectual", "mental", "multiple"))
        p.dis_grade = rng.choice((1, 2, 2, 3, 3, 4, 4, 4))
    for hh in rng.sample(hhs, targets["unsafe"]):
        hh.unsafe = True
    # causes, consistent with members
    for hh in hhs:
        causes = ["illness"] * 40 + ["lack_capital"] * 14 + ["lack_labour"] * 10 + ["lack_skills"] * 10 + \
            ["disaster"] * 5 + ["transport"] * 5 + ["lack_land"] * 4 + ["lack_water"] * 3 + ["lack_drive"] * 3 + \
            ["other"] * 2
        if hh.disabled:
            main = "disability" if rng.random() < 0.65 else rng.choice(causes)
        else:
            main = rng.choice(causes)
        if main == "illness" or (rng.random() < 0.15 and main != "disability"):
            candidates = [p for p in hh.people if p.health == "healthy" and p.age >= 16] or \
                [p for p in hh.people if p.health == "healthy"]
            if candidates:
                rng.choice(candidates).health = "chronic" if rng.random() < 0.7 else "serious"
                hh.ill = True
            elif main == "illness":
                main = "disability"
        for p in hh.people:
            describe(rng, p)
        if rng.random() < 0.08 and any(p.schooling in STUDENT - {"preschool"} for p in hh.people):
            main = "schooling"
        if main == "lack_labour" and any(p.labour in ("ordinary", "skilled") for p in hh.people) and hh.size >= 4:
            main = "lack_capital"
        hh.main_cause = main
        others = []
        if hh.disabled and main != "disability":
            others.append("disability")
        if hh.ill and main != "illness":
            others.append("illness")
        if rng.random() < 0.35:
            extra = rng.choice(("lack_capital", "lack_skills", "transport", "lack_land"))
            if extra != main and extra not in others:
                others.append(extra)
        hh.other_causes = others
        # allowance / support members
        if hh.attribute == "tekun":
            for p in hh.people:
                p.tekun = True
                p.work_place, p.months = "", 0
        elif hh.attribute == "dibao":
            if rng.random() < 0.5 or hh.size == 1:
                for p in hh.people:
                    p.dibao = True
            else:
                for p in rng.sample(hh.people, rng.randint(1, hh.size - 1)):
                    p.dibao = True
        hh.worker = any(p.months > 0 for p in hh.people)
        hh.dropout_child = rng.random() < 0.004 and any(6 <= p.age <= 14 for p in hh.people)
        hh.uninsured = rng.random() < 0.03
    # exit years: early years, then the county batch, a few in 2020
    batch = exit_batch
    shares = dict(D.EARLY_EXIT_SHARE)
    for year in range(2017, batch):
        shares[year] = D.BETWEEN_EXIT_SHARE
    shares[2020] = D.LAST_EXIT_SHARE_2020
    shares[batch] = 1.0 - sum(shares.values())
    years = sorted(shares)
    order = list(range(households))
    rng.shuffle(order)
    pos = 0
    for year, k in zip(years, apportion(households, [shares[y] for y in years]), strict=True):
        for i in order[pos:pos + k]:
            hhs[i].exit_year = year
        pos += k
    # shocks after 2020: a few percent of households, once each
    for hh in rng.sample(hhs, round(households * 0.045)):
        hh.risk_year = rng.randint(2021, 2026)
        hh.risk_kind = rng.choices(("income", "medical", "disaster"), (0.5, 0.3, 0.2))[0]
    return hhs


# --------------------------------------------------------------------------- yearly facts

def _ri(rnd: Callable[[], float], lo: int, hi: int) -> int:
    """A fast randint for the hot loop (same distribution, different stream)."""
    return lo + int(rnd() * (hi - lo + 1))


def _line(year: int) -> int:
    return D.POVERTY_LINE.get(year) or D.monitoring_line(year)


def income_path(rng: random.Random, hh: HH) -> dict[int, int]:
    """Per-capita net income in fen for every year."""
    pc = {2013: rng.randint(110_000, 265_000)}
    growth = rng.uniform(1.04, 1.10)
    for year in range(2014, hh.exit_year):
        pc[year] = min(int(pc[year - 1] * growth), int(D.POVERTY_LINE[year] * 100 * rng.uniform(0.90, 0.97)))
    e = hh.exit_year
    pc[e] = int(D.POVERTY_LINE[e] * 100 * rng.uniform(1.25, 2.0))
    target_2020 = max(int(pc[e] * 1.06 ** (2020 - e)), rng.randint(650_000, 1_300_000)) if e < 2020 else pc[e]
    for year in range(e + 1, 2021):
        frac = (year - e) / (2020 - e)
        pc[year] = int(pc[e] * (target_2020 / pc[e]) ** frac)
    for year in range(2021, 2027):
        floor = int(D.monitoring_line(year) * 100 * rng.uniform(1.08, 1.6))
        grown = int(pc[year - 1] * rng.uniform(1.05, 1.10))
        if hh.risk_year == year - 1 and hh.risk_kind != "medical":
            grown = int(D.monitoring_line(year) * 100 * rng.uniform(1.15, 1.4))  # assisted, recovered
        pc[year] = max(grown, floor)
        if hh.risk_year == year and hh.risk_kind == "income":
            pc[year] = int(D.monitoring_line(year) * 100 * rng.uniform(0.6, 0.95))
        elif hh.risk_year == year and hh.risk_kind == "disaster":
            pc[year] = int(D.monitoring_line(year) * 100 * rng.uniform(0.7, 1.0))
    return pc


def year_rows(rng: random.Random, hh: HH, ids: Iterable[int], money: Callable[[int], object] = money) -> list[tuple]:
    pc = income_path(rng, hh)
    rnd = rng.random
    n = hh.size
    elderly_n = sum(1 for p in hh.people if p.age >= 60)
    dibao_n = sum(p.dibao for p in hh.people)
    tekun_n = sum(p.tekun for p in hh.people)
    students = sum(1 for p in hh.people if p.schooling in STUDENT)
    eco = _ri(rnd, 0, 40_000)
    cost_share = rng.uniform(0.2, 0.4)
    water_year = _ri(rnd, 2013, hh.exit_year) if rng.random() < 0.3 else 2012
    grade0 = rng.choice("CCCD") if hh.unsafe else ("A" if rng.random() < 0.2 else "B")
    grade_after = "A" if hh.unsafe and rng.random() < 0.5 else ("B" if hh.unsafe else grade0)
    toilet_year = _ri(rnd, 2013, 2024)
    fuel_year = _ri(rnd, 2013, 2026)
    dividend = rng.random() < 0.5
    rows = []
    for year, pk in zip(YEARS, ids, strict=False):
        t = year - 2013
        net = pc[year] * n
        transfers = [
            0,  # family planning
            dibao_n * int(110_000 * 1.10 ** min(t, 10)),
            tekun_n * int(180_000 * 1.08 ** t),
            elderly_n * int(66_000 * 1.05 ** t),
            eco,
            _ri(rnd, 10_000, 50_000),  # farm subsidies and other transfers
        ]
        total_t = sum(transfers)
        if total_t > 0.85 * net:
            factor = 0.85 * net / total_t
            transfers = [int(v * factor) for v in transfers]
            total_t = sum(transfers)
        div = _ri(rnd, 10_000, 50_000) if dividend and year >= 2016 else 0
        div = min(div, int(0.05 * net))
        other = _ri(rnd, 0, int(0.02 * net))
        rest = net - total_t - div - other
        wage = int(rest * rng.uniform(0.35, 0.75)) if hh.worker else 0
        business_net = rest - wage
        business = int(business_net / (1 - cost_share))
        cost = business - business_net
        medical = _ri(rnd, 30_000, 300_000) if hh.ill else _ri(rnd, 0, 30_000)
        if hh.risk_year == year and hh.risk_kind == "medical":
            medical = max(2_000_000, int(net * rng.uniform(1.1, 2.5)))
        education = students * _ri(rnd, 50_000, 300_000)
        poor_year = year < hh.exit_year
        if year < hh.exit_year - 1 or year == 2013:
            status = "poor"
        elif year == hh.exit_year - 1:
            status = "pre_exit"
        else:
            status = "exited"
        grade = grade0 if poor_year else grade_after
        if hh.risk_year == year and hh.risk_kind == "disaster":
            grade = "C"
        water_safe = year > water_year if poor_year else True
        rows.append((
            pk, hh.id, year, n, money(wage), money(business), money(div), money(other),
            *(money(v) for v in transfers), money(cost), money(medical), money(education),
            True if not poor_year else rng.random() < 0.985, True,
            1 if poor_year and hh.dropout_child else 0,
            1 if hh.uninsured and year <= 2014 else 0,
            grade, water_safe, not water_safe, True if not poor_year else rng.random() < 0.995,
            year >= toilet_year, year >= fuel_year, status,
        ))
    return rows


YEAR_FIELDS = [
    "id", "household", "year", "size", "wage", "business", "property_dividend", "property_other",
    "transfer_family_planning", "transfer_dibao", "transfer_tekun", "transfer_pension", "transfer_eco",
    "transfer_other", "production_cost", "medical_expense", "education_expense", "food_secure", "clothing_secure",
    "compulsory_dropouts", "uninsured_members", "housing_grade", "water_safe", "water_difficult", "electricity",
    "sanitary_toilet", "clean_fuel", "year_status",
]
HOUSEHOLD_FIELDS = [
    "id", "number", "village", "head_name", "attribute", "standard", "status", "identified_on", "exit_year",
    "main_cause", "other_causes", "military_family", "only_child", "two_daughters", "phone_enc", "phone_masked",
    "bank_name", "bank_account_enc", "bank_account_masked", "cultivated_mu", "forest_mu", "road_distance_km", "road_type", "housing_area_m2", "relocated",
    "cooperative_member", "cadre", "synthetic", "created_at", "updated_at",
]
MEMBER_FIELDS = [
    "id", "household", "name", "id_number_enc", "id_number_hash", "id_number_masked", "sex", "birth_date",
    "ethnicity", "relation", "education", "schooling", "health", "disability_category", "disability_grade",
    "labour", "work_place", "months_worked", "medical_insurance", "critical_illness_insurance",
    "pension_insurance", "dibao", "tekun", "phone_enc", "phone_masked", "deceased", "synthetic",
]
STATUS_FIELDS = ["id", "household", "on", "from_status", "to_status", "reason"]
CADRE_FIELDS = ["id", "name", "work_unit", "post", "phone_enc", "phone_masked", "division", "synthetic"]


def _phone(rng: random.Random) -> str:
    return rng.choice(("139", "138", "135", "158", "182", "187", "150", "151")) + f"{rng.randint(0, 99_999_999):08d}"


def _day(rng: random.Random, year: int, first_month: int = 1, last_month: int = 12) -> dt.date:
    month = rng.randint(first_month, last_month)
    return dt.date(year, month, rng.randint(1, 28))


# --------------------------------------------------------------------------- build

def scaled_targets(scale: float, region: DemoRegion | None = None) -> dict:
    totals = (region or load()).section("registry")
    people = round(totals["poor_people"] * scale)
    return {
        "people": people,
        "households": round(totals["poor_households"] * scale),
        "dibao": round(totals["dibao_households"] * scale),
        "disabled": round(totals["disabled_households"] * scale),
        "unsafe": round(totals["unsafe_housing_households"] * scale),
        "aged60": round(totals["aged60_share"] * people),
    }


def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,
          region: DemoRegion | None = None) -> dict:
    """Replace the registry demo; returns {table: rows} and timings for the benchmark."""
    started = time.perf_counter()
    if connection.vendor == "sqlite":
        # the default 2 MB page cache makes the random inserts into the member hash index and the
        # household-year indexes re-read pages: 256 MB for this connection (1.0: member inserts 12 -> 5 s)
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -262144")
    with transaction.atomic():
        delete_previous(log)
        writer = Writer()
        stats = _build(scale=scale, seed=seed, log=log, writer=writer, region=region or load())
        reset_sequences()
        stats["poor_units"] = demo_units.build(seed=seed, log=log, region=region or load())
        t0 = time.perf_counter()
        summary.refresh()  # the per-village year-end counts the division pages and dashboard read
        stats["summary_seconds"] = round(time.perf_counter() - t0, 1)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # after COPY the visibility map is empty: without VACUUM no index-only scans for the stats
        with connection.cursor() as cur:
            for model in (HouseholdYear, Household, Member):
                cur.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        log("registry: VACUUM ANALYZE done")
    stats["seconds"] = round(time.perf_counter() - started, 1)
    log(f"registry: done in {stats['seconds']} s: " + ", ".join(f"{k} {v:,}" for k, v in writer.counts.items()))
    return stats


def _build(*, scale: float, seed: int, log, writer: Writer, region: DemoRegion) -> dict:
    targets = scaled_targets(scale, region)
    county_poor = region.section("registry")["county_poor_2013"]
    exit_batch = region.section("registry")["county_exit_batch"]
    banks = region.data.get("banks") or ["中国农业银行"]
    counties = list(county_poor)
    weights = list(county_poor.values())
    people_c = apportion(targets["people"], weights)
    hh_c = apportion(targets["households"], weights)
    per_county = {key: apportion(targets[key], hh_c) for key in ("dibao", "disabled", "unsafe")}
    per_county["aged60"] = apportion(targets["aged60"], people_c)
    per_county["tekun"] = [round(h * 0.03) for h in hh_c]
    pops = defaultdict(dict)
    for code, pop in DivisionPopulation.objects.filter(year=2013, division__level="village",
                                                       division__code__startswith=region.prefix) \
            .values_list("division_id", "rural_population"):
        pops[code[:6]][code] = pop
    if not pops:
        raise RuntimeError("the geo demo (village populations) must be built first")
    names = dict(Division.objects.filter(code__startswith=region.prefix, level__in=("county", "township"))
                 .values_list("code", "name"))
    ids = {m: next_id(m) for m in OWN_MODELS}
    now = models.DateTimeField().get_db_prep_save(timezone.now(), connection)
    hh_seq = defaultdict(int)
    id_seq: dict[tuple, int] = defaultdict(int)
    encrypt_seconds = 0.0
    causes_field = Household._meta.get_field("other_causes")
    to_db_money = db_money()
    for ci, county6 in enumerate(counties):
        rng = random.Random(f"registry-{seed}-{county6}")
        villages = {c: p for c, p in pops[county6].items() if p > 0} or pops[county6]
        county_targets = {k: per_county[k][ci] for k in per_county}
        hhs = county_households(rng=rng, county6=county6, people=people_c[ci], households=hh_c[ci],
                                targets=county_targets, villages=villages, exit_batch=exit_batch[county6])
        # cadres: one per ~50 households of a township, at least one per township with households
        by_town = defaultdict(list)
        for hh in hhs:
            by_town[hh.village[:9]].append(hh)
        cadre_rows = []
        county_name = names.get(county6.ljust(12, "0"), county6)
        for town9, town_hhs in sorted(by_town.items()):
            town_name = names.get(town9.ljust(12, "0"), town9)
            town_cadres = []
            for _ in range(max(1, round(len(town_hhs) / 50))):
                pk = ids[Cadre]
                ids[Cadre] += 1
                unit = rng.choice(D.CADRE_UNITS).format(county=county_name, town=town_name)
                cadre_rows.append((pk, _name(rng, rng.choice("MMF")), unit, rng.choice(D.CADRE_POSTS),
                                   *seal(_phone(rng), "phone"), town9.ljust(12, "0"), True))
                town_cadres.append(pk)
            for hh in town_hhs:
                hh.cadre = rng.choice(town_cadres)
        writer.insert(Cadre, CADRE_FIELDS, cadre_rows)
        # households, members, status history
        hh_rows, member_rows, status_rows = [], [], []
        for hh in hhs:
            hh.id = ids[Household]
            ids[Household] += 1
            hh_seq[hh.village] += 1
            hh.number = f"{hh.village}{hh_seq[hh.village]:04d}"
            surname = rng.choice(D.SURNAMES)
            for p in hh.people:
                same_line = p.relation in ("01", "20", "40") or (p.relation == "50" and p.sex == "M") or \
                    (p.relation == "30" and p.sex == "F" and rng.random() < 0.5)
                if hh.people[0].sex == "F" and p.relation in ("20", "30", "40"):
                    same_line = rng.random() < 0.3
                p.name = _name(rng, p.sex, surname if same_line else None)
                birth_year = 2013 - p.age
                p.birth = dt.date(birth_year, 1, 1) + dt.timedelta(days=rng.randint(0, 364))
                region_code = region.id_region(county6, birth_year)
                key = (region_code, p.birth, p.sex)
                k = id_seq[key]
                id_seq[key] = k + 1
                seq = 100 + 2 * k + (1 if p.sex == "M" else 2)
                if seq > 999:
                    raise RuntimeError("identity sequence overflow")
                body = f"{region_code}{p.birth:%Y%m%d}{seq:03d}"
                p.id_number = body + check_character(body)
            head = hh.people[0]
            identified = _day(rng, 2014, 3, 10)
            hh_rows.append((
                hh.id, hh.number, hh.village, head.name, hh.attribute,
                "national" if rng.random() < 0.95 else "provincial", "exited", writer.date(identified), hh.exit_year,
                hh.main_cause, causes_field.get_db_prep_save(hh.other_causes, connection), rng.random() < 0.02, rng.random() < 0.05,
                rng.random() < 0.03, *seal(_phone(rng), "phone"), rng.choice(banks),
                *seal(f"62{rng.randint(0, 10 ** 17 - 1):017d}", "account"),
                money(rng.randint(50, 800)), money(rng.randint(0, 2000)),
                money(rng.randint(0, 800)), rng.choice(D.ROAD_TYPES), money(rng.randint(3000, 15000)),
                rng.random() < 0.08, rng.random() < 0.15, hh.cadre, True, now, now,
            ))
            assisted = identified + dt.timedelta(days=rng.randint(20, 90))
            exited = _day(rng, hh.exit_year, 10, 12)
            for frm, to, on, reason in (("", "identified", identified, "建档立卡识别 / identified (2014 registration)"),
                                        ("identified", "assisted", assisted, "落实帮扶责任人 / helper assigned"),
                                        ("assisted", "exited", exited, "脱贫验收通过 / exit verified")):
                status_rows.append((ids[StatusChange], hh.id, writer.date(on), frm, to, reason))
                ids[StatusChange] += 1
        writer.insert(Household, HOUSEHOLD_FIELDS, hh_rows)
        t0 = time.perf_counter()
        for hh in hhs:
            for p in hh.people:
                identity = member_identity_fields(p.id_number)
                member_rows.append((
                    ids[Member], hh.id, p.name, identity["id_number_enc"], identity["id_number_hash"],
                    identity["id_number_masked"], p.sex, writer.date(p.birth), "汉族", p.relation, p.education,
                    p.schooling, p.health, p.dis_cat, p.dis_grade, p.labour, p.work_place, p.months, True,
                    p.health in ("chronic", "serious", "disabled") or rng.random() < 0.9, p.pension, p.dibao,
                    p.tekun, *seal(_phone(rng) if p.relation == "01" or rng.random() < 0.3 else "", "phone"), False,
                    True,
                ))
                ids[Member] += 1
        encrypt_seconds += time.perf_counter() - t0
        writer.insert(Member, MEMBER_FIELDS, member_rows)
        writer.insert(StatusChange, STATUS_FIELDS, status_rows)
        member_rows.clear()
        year_buffer: list[tuple] = []
        for hh in hhs:
            first = ids[HouseholdYear]
            ids[HouseholdYear] += len(YEARS)
            year_buffer.extend(year_rows(rng, hh, range(first, first + len(YEARS)), money=to_db_money))
            if len(year_buffer) >= 50_000:
                writer.insert(HouseholdYear, YEAR_FIELDS, year_buffer)
                year_buffer = []
        writer.insert(HouseholdYear, YEAR_FIELDS, year_buffer)
        log(f"registry: {county_name} {hh_c[ci]:,} households, {people_c[ci]:,} people")
    return {"rows": dict(writer.counts), "insert_seconds": dict(writer.seconds),
            "identity_seconds": round(encrypt_seconds, 2), "targets": targets}
