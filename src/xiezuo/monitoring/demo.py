"""Monitoring part of `xiezuo demo`: cases in every stage for the 2021–2026 monitoring years.

Which households get a case: when the engine has a published run for a year, the
households it flags (`measure.selectors.flagged_households`); otherwise the registry's
yearly facts: per-capita net income below the year's monitoring threshold (income or
disaster shocks), out-of-pocket medical spending of 20,000 yuan or more (medical shocks),
or C/D housing after 2020 (disaster damage). A household with a case still open is not
opened again.

Stages: cases of past years are mostly closed (risk eliminated), a few not identified and
a few still assisted; last year's are spread over assistance and removal; the current
year's cases cover every stage, some of them overdue. Every case has its full, dated step
log; every recorded case has one measure per risk. Dates are relative to the build date
(capped at the end of 2026); everything else is deterministic from the seed. Written with
bulk_create; the previous demo cases (synthetic) are deleted in bulk first.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, models, transaction
from django.db.models import F, Q, Value
from django.utils import timezone

from xiezuo.field.models import AssistanceMeasure as Measure
from xiezuo.registry.models import HouseholdYear

from . import signals
from . import workflow as wf
from .models import Attachment, Case, CaseRisk, CaseStep
from .thresholds import monitoring_threshold

# The demo's signal notes read as a Chinese clerk's would (the risks by name, never their codes).
SOURCE_NOTES = {"engine": "测算预警", "registry": "建档立卡数据筛查"}


def _detail(source_note: str, risks: list[str]) -> str:
    from django.utils import translation

    from .models import RiskType

    labels = dict(RiskType.choices)
    with translation.override("zh-hans"):
        return f"{SOURCE_NOTES[source_note]}：{'、'.join(str(labels.get(r, r)) for r in risks)}"

YEARS = range(2021, 2027)
MEDICAL_SHOCK = Decimal("20000")
BATCH = 2000

RISK_MEASURES = {  # risk type -> (measure kind, description, amount range in yuan)
    "01": ("health", "大病保险、医疗救助", (2000, 30000)),
    "0201": ("housing", "灾后房屋修缮补助", (5000, 40000)),
    "0202": ("housing", "地质灾害避险搬迁补助", (10000, 60000)),
    "03": ("social_protection", "残疾人两项补贴", (1200, 3600)),
    "04": ("public_welfare_job", "公益性岗位", (3600, 9600)),
    "05": ("social", "临时救助", (1000, 8000)),
    "06": ("industry", "产业奖补、技术指导", (2000, 10000)),
    "07": ("employment", "东西部劳务协作转移就业", (0, 3000)),
    "09": ("education", "雨露计划、助学金", (1500, 6000)),
    "99": ("finance", "小额信贷", (10000, 50000)),
}
HELPING_UNIT = {"health": "县医疗保障局", "housing": "县住房和城乡建设局", "social_protection": "县民政局",
                "public_welfare_job": "县人力资源和社会保障局", "employment": "县人力资源和社会保障局",
                "education": "县教育局", "industry": "县农业农村局", "finance": "县农村商业银行"}
ELIM_GAP = (3, 8)
IDENT_GAP = (1, 1, 2)


def _delete_previous() -> None:
    for model, lookup in ((Attachment, "case__synthetic"), (Measure, "case__synthetic"),
                          (CaseStep, "case__synthetic"), (CaseRisk, "case__synthetic"), (Case, "synthetic")):
        qs = model.objects.filter(**{lookup: True})
        qs._raw_delete(qs.db)


def _net_expr():
    expr = Value(Decimal("0"))
    for f in HouseholdYear.INCOME_FIELDS:
        expr = expr + F(f)
    return expr - F("production_cost")


def registry_candidates(year: int) -> list[dict]:
    """Households whose facts for `year` put them at risk, with risk types (deterministic order)."""
    line = monitoring_threshold(year)
    rows = (HouseholdYear.objects.filter(year=year, household__synthetic=True)
            .annotate(net=_net_expr())
            .filter(Q(net__lt=Value(line) * F("size")) | Q(medical_expense__gte=MEDICAL_SHOCK)
                    | Q(housing_grade__in=("C", "D")))
            .order_by("household_id")
            .values_list("household_id", "household__village_id", "household__status", "net", "size",
                         "medical_expense", "education_expense", "housing_grade"))
    out = []
    for hh_id, village, status, net, size, medical, education, grade in rows:
        pc = (Decimal(net) / size).quantize(Decimal("0.01")) if size else Decimal("0.00")
        risks, category = [], "unstable_exited" if status in ("exited", "monitored", "risk_eliminated") \
            else "marginal"
        if medical >= MEDICAL_SHOCK:
            risks.append("01")
            if pc >= line:
                category = "sudden_hardship"
        if grade in ("C", "D"):
            risks.append("0201" if hh_id % 3 else "0202")
            if pc >= line:
                category = "sudden_hardship"
        if pc < line and not risks:
            risks.append(("07", "06", "04", "99")[hh_id % 4])
        if education >= Decimal("8000") and "09" not in risks:
            risks.append("09")
        out.append({"household_id": hh_id, "village": village, "risks": risks[:5], "category": category,
                    "income": pc, "rigid": medical if medical >= MEDICAL_SHOCK else Decimal("0.00"),
                    "source": "department_warning" if medical >= MEDICAL_SHOCK else "staff_check"})
    return out


def engine_candidates(year: int) -> list[dict] | None:
    run = signals.latest_published_run(year=year)
    if run is None or getattr(run, "year", year) != year:
        return None
    from xiezuo.registry.models import Household

    out = []
    for flag in signals.flagged_households(run):
        hh = signals._get(flag, "household") or signals._get(flag, "household_id")
        hh_id = getattr(hh, "pk", hh)
        out.append({"household_id": hh_id, "risks": signals.risks_from_reasons(signals._get(flag, "reasons", ())),
                    "category": signals.category_from_flag(signals._get(flag, "category", "")) or "unstable_exited",
                    "income": signals._get(flag, "pcni", None),
                    "rigid": Decimal("0.00"), "source": "engine_flag", "run_id": getattr(run, "pk", None)})
    villages = dict(Household.objects.filter(pk__in=[c["household_id"] for c in out])
                    .values_list("pk", "village_id"))
    for c in out:
        c["village"] = villages.get(c["household_id"], "")
    out = [c for c in out if c["village"]]
    return sorted(out, key=lambda c: c["household_id"])


def _final_stage(rng: random.Random, year: int, as_of: dt.date, index: int) -> str:
    if year == as_of.year:
        cover = (*wf.IDENTIFICATION[:-1], *(st for st in wf.STAGES if st not in wf.IDENTIFICATION[:-1]))
        if index < len(cover):
            return cover[index]  # every stage at least once
        return rng.choices(wf.STAGES, weights=(3, 3, 2, 2, 2, 3, 2, 2, 2, 30, 3, 3, 2, 2, 6, 3))[0]
    if year == as_of.year - 1:
        # the later stages at least once even in a small demo, and one county decision long overdue
        after = (wf.RECORDED, wf.ASSISTING, *wf.ELIMINATION, wf.CLOSED, wf.CLOSED_NOT_IDENTIFIED, wf.COUNTY_DECISION)
        if index < len(after):
            return after[index]
        return rng.choices((wf.CLOSED, wf.ASSISTING, wf.ELIMINATION_CHECK, wf.ELIMINATION_APPRAISAL,
                            wf.CLOSED_NOT_IDENTIFIED, wf.RECORDED), weights=(45, 35, 4, 4, 7, 5))[0]
    return rng.choices((wf.CLOSED, wf.CLOSED_NOT_IDENTIFIED, wf.ASSISTING), weights=(85, 8, 7))[0]


def _path(rng: random.Random, final: str) -> list[tuple[str, int]]:
    """(stage reached, days after the previous step) from the warning to `final`."""
    if final == wf.CLOSED_NOT_IDENTIFIED:
        cut = rng.choice((wf.TOWNSHIP_REVIEW, wf.COUNTY_DECISION))
        stages = [*wf.IDENTIFICATION[: wf.IDENTIFICATION.index(cut) + 1], final]
    else:
        stages = list(wf.REQUIRED_PATH[: wf.REQUIRED_PATH.index(final) + 1])
    out = [(stages[0], 0)]
    for s in stages[1:]:
        if s in wf.IDENTIFICATION or s in (wf.RECORDED, wf.CLOSED_NOT_IDENTIFIED):
            gap = rng.choice(IDENT_GAP)
        elif s == wf.ASSISTING:
            gap = rng.randint(1, 4)
        elif s == wf.ELIMINATION_CHECK:
            gap = rng.randint(185, 280)  # at least six months after identification
        else:
            gap = rng.randint(*ELIM_GAP)
        out.append((s, gap))
    return out


def build(*, scale: float = 1.0, seed: int = 2021, log: Callable[[str], None] = print,
          region: object = None) -> dict:  # noqa: ARG001 (works on whatever registry exists)
    started = time.perf_counter()
    as_of = min(timezone.localdate(), dt.date(2026, 12, 31))
    owners = _owners()
    with transaction.atomic():
        _delete_previous()
        cases: list[Case] = []
        risks: list[CaseRisk] = []
        steps: list[tuple] = []
        measures: list[Measure] = []
        busy_until: dict[int, dt.date] = {}  # household -> the day its last case closed (max: still open)
        for year in YEARS:
            if dt.date(year, 1, 1) > as_of:
                break
            rng = random.Random(f"{seed}-{year}")
            candidates = engine_candidates(year)
            source_note = "engine"
            if candidates is None:
                candidates, source_note = registry_candidates(year), "registry"
            index = 0
            for cand in candidates:
                free_from = busy_until.get(cand["household_id"], dt.date.min)
                if free_from == dt.date.max:
                    continue  # a case still open: the household is already monitored
                final = _final_stage(rng, year, as_of, index)
                index += 1
                path = _path(rng, final)
                total = sum(g for _, g in path)
                first = max(dt.date(year, 1, 1), free_from + dt.timedelta(days=1))
                last = min(dt.date(year, 12, 31), as_of - dt.timedelta(days=total))
                if last < first:
                    final, path = wf.RISK_WARNING, [(wf.RISK_WARNING, 0)]
                    last = first = max(min(as_of, dt.date(year, 12, 31)), min(free_from, as_of))
                opened = first + dt.timedelta(days=rng.randint(0, (last - first).days))
                limit = wf.STAGE_LIMIT_DAYS.get(final)
                if limit:  # a stage with a deadline: most are on time, a fifth run late
                    late = rng.random() < 0.2
                    wait = rng.randint(limit + 1, limit + 30) if late else rng.randint(0, max(0, limit - 1))
                    timed = as_of - dt.timedelta(days=total + wait)
                    if timed.year == year and timed > free_from:
                        opened = timed
                case = Case(household_id=cand["household_id"], county_code=cand["village"][:6] + "000000",
                            year=year, risk_types=cand["risks"], source=cand["source"],
                            source_run_id=cand.get("run_id"),
                            source_department="医疗保障局" if cand["source"] == "department_warning" else "",
                            source_detail=_detail(source_note, cand["risks"]), opened_on=opened,
                            stage=final, stage_entered_on=opened, owner_id=owners.get(cand["village"][:6]),
                            rigid_expenditure=cand["rigid"], synthetic=True)
                cases.append(case)
                _walk(case, path, cand, rng.random(), random.Random(f"{seed}-{year}-{index}"), risks, steps,
                      measures)
                busy_until[cand["household_id"]] = case.closed_on or dt.date.max
        Case.objects.bulk_create(cases, batch_size=BATCH)
        for obj in (*risks, *measures):
            obj.case_id = obj.case.pk
        CaseRisk.objects.bulk_create(risks, batch_size=BATCH)
        _insert_steps(steps)
        Measure.objects.bulk_create(measures, batch_size=BATCH)
    seconds = round(time.perf_counter() - started, 1)
    by_stage = {s: sum(1 for c in cases if c.stage == s) for s in wf.STAGES}
    log(f"monitoring: {len(cases):,} cases, {len(steps):,} steps, {len(measures):,} measures in {seconds} s")
    return {"cases": len(cases), "steps": len(steps), "measures": len(measures), "by_stage": by_stage,
            "seconds": seconds}


def _walk(case, path, cand, roll, rng, risks, steps, measures) -> None:
    """Fill the case's dates from its path and add its risks, steps and measures (unsaved)."""
    day, prev = case.opened_on, ""
    for stage, gap in path:
        day = day + dt.timedelta(days=gap)
        data = {}
        if stage == wf.RECORDED:
            case.identified_on = day
            case.category = cand["category"]
            case.income_at_identification = cand["income"]
            data = {"category": cand["category"]}
        if stage == wf.ASSISTING:
            for r in case.risk_types:
                kind, desc, (lo, hi) = RISK_MEASURES.get(r, RISK_MEASURES["99"])
                measures.append(Measure(
                    case=case, household_id=case.household_id, year=day.year, category=kind, risk_type=r,
                    content=desc, helper="帮扶责任人", helping_unit=HELPING_UNIT.get(kind, "乡镇人民政府"),
                    on=day, end_on=day + dt.timedelta(days=365) if roll < 0.7 else None, synthetic=True,
                    amount=Decimal(rng.randint(lo, hi)).quantize(Decimal("0.01")),
                    result="已落实" if case.stage == wf.CLOSED else ""))
        if stage == wf.ELIMINATION_APPRAISAL:
            case.income_stable = case.rigid_expense_resolved = True
            data = {"income_stable": True, "rigid_expense_resolved": True}
        steps.append((case, prev, stage, day, data))
        prev = stage
    case.stage_entered_on = day
    case.stage_due_on = wf.stage_due_on(case.stage, day, case.opened_on)
    closed = case.stage in wf.TERMINAL
    if closed:
        case.closed_on = day
    risks.extend(CaseRisk(case=case, household_id=case.household_id, risk_type=r, is_open=not closed)
                 for r in case.risk_types)


def _insert_steps(steps: list[tuple]) -> None:
    """The step log, the largest table, as plain rows: COPY on PostgreSQL, executemany elsewhere
    (model instances and bulk_create cost ten times more here)."""
    fields = ["case", "from_stage", "to_stage", "on", "actor", "actor_name", "comment", "data", "created_at"]
    meta = CaseStep._meta
    cols = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    date_field, dates = models.DateField(), {}

    def db_date(day):
        if day not in dates:
            dates[day] = date_field.get_db_prep_save(day, connection)
        return dates[day]

    rows = [(case.pk, prev, stage, db_date(day), case.owner_id, "demo", "", json.dumps(data), now)
            for case, prev, stage, day, data in steps]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
            for i in range(0, len(rows), 5000):
                cur.executemany(sql, rows[i:i + 5000])


def _owners() -> dict[str, int]:
    """County code (6 digits) -> a user with an edit grant on it (or above it), for case ownership."""
    from xiezuo.accounts.models import Grant

    out: dict[str, int] = {}
    for user_id, code in (Grant.objects.filter(kind="edit", division__level__in=("county", "township"))
                          .order_by("division__level", "user_id").values_list("user_id", "division_id")):
        out.setdefault(code[:6], user_id)
    return out
