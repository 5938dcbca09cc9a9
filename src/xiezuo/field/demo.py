"""Assistance-measure demo: every registered household gets measures consistent with its facts.

Deterministic from the seed; runs after the registry, the cooperation records and monitoring
(whose case measures are already household measures naming their case). Rules, per household:

- each assisted year (from 2014 a year it was poor, and its exit year) one yearly measure chosen
  from its facts: the low-income allowance when `transfer_dibao` > 0 (amount = that allowance), else
  pension insurance when `transfer_pension` > 0 (amount = that pension), else one answering its main
  cause (industry support, farm subsidies, a small loan, skills);
- dangerous-house renovation in the year its housing grade went from C/D to A/B;
- medical support in an assisted year with out-of-pocket medical spending of 3,000 yuan or more (30–50 %
  of it);
- education support (雨露计划) in an assisted year with education spending of 1,000 yuan or more (at most
  that spending);
- relocation once, for a relocation household, in a poor year from 2016;
- one measure per cooperation record that names it: a project's beneficiary link (industry support),
  a job placement (employment; the labour demo places only members whose household earned wages that
  year), a registry member's training place (skills).

Rows are written in bulk (COPY / executemany), not through the service; they are marked synthetic.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from xiezuo.geo.models import Division

from .models import AssistanceMeasure, Category

FIRST, LAST = 2014, 2020
POOR = ("poor", "pre_exit", "returned")
MEDICAL_FLOOR = 300_000  # fen: out-of-pocket spending from which medical assistance is recorded
EDUCATION_FLOOR = 100_000
FIELDS = ["household", "year", "category", "content", "helping_unit", "helper", "amount", "on", "end_on", "result",
          "case", "risk_type", "beneficiary", "placement", "attendee", "created_by", "synthetic", "created_at",
          "updated_at"]
CAUSE_MEASURES = {  # main cause -> (category, content, helping unit, amount range in yuan)
    "lack_capital": (Category.FINANCE, "扶贫小额信贷（5万元以下、3年以内、免担保免抵押、基准利率放贷、财政贴息）",
                     "县农村商业银行", (30000, 50000)),
    "lack_skills": (Category.MOTIVATION, "农村实用技术培训", "县农业农村局", (300, 1200)),
    "lack_labour": (Category.FARM_SUBSIDY, "耕地地力保护补贴、农机购置补贴", "乡镇人民政府", (300, 1500)),
    "lack_land": (Category.INDUSTRY, "入股村集体经济组织，资产收益分红", "村股份经济合作联合社", (500, 3000)),
    "transport": (Category.INDUSTRY, "特色种养殖到户补助（茶叶、核桃、生猪）", "县农业农村局", (1000, 5000)),
}
DEFAULT_MEASURE = (Category.INDUSTRY, "特色种养殖到户补助（猕猴桃、食用菌、土鸡）", "县农业农村局", (1000, 5000))


def _fen(value) -> int:
    """Yuan as read by the raw cursor (a number on SQLite, a Decimal on PostgreSQL) -> fen."""
    return round(value * 100) if value else 0


def delete_previous() -> None:
    from xiezuo.monitoring.models import Case
    from xiezuo.registry.models import Household

    from .models import SelfReport, Visit

    # Case measures belong to the monitoring demo, which deletes them with its cases.
    AssistanceMeasure.objects.filter(synthetic=True, case__isnull=True).delete()
    Visit.objects.filter(household__synthetic=True).delete()
    reports = SelfReport.objects.filter(synthetic=True)
    cases = [pk for pk in reports.values_list("case_id", flat=True) if pk]
    entered = list(reports.filter(household__number__startswith="SR").values_list("household_id", flat=True))
    reports.delete()
    AssistanceMeasure.objects.filter(case_id__in=cases).delete()
    Case.objects.filter(pk__in=cases).delete()
    Household.objects.filter(pk__in=entered).delete()


def _facts() -> dict[int, list[tuple]]:
    """household id -> [(year, status, dibao, pension, grade, medical, education), ...] for 2013–2020."""
    sql = ("SELECT household_id, year, year_status, transfer_dibao, transfer_pension, housing_grade, "
           "medical_expense, education_expense FROM registry_householdyear "
           "WHERE year BETWEEN %s AND %s ORDER BY household_id, year")
    out: dict[int, list[tuple]] = {}
    with connection.cursor() as cur:
        cur.execute(sql, [FIRST - 1, LAST])
        while batch := cur.fetchmany(20000):
            for row in batch:
                out.setdefault(row[0], []).append(row[1:])
    return out


def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,  # noqa: ARG001
          region=None) -> dict:
    from xiezuo.registry.demo import Writer, db_money
    from xiezuo.registry.models import Cadre, Household

    started = time.perf_counter()
    rng = random.Random(f"field-{seed}")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    writer, money = Writer(), db_money()
    rows: list[tuple] = []
    cadres = {pk: (name, unit) for pk, name, unit in Cadre.objects.values_list("id", "name", "work_unit")}

    def add(household_id: int, on: dt.date, category: str, content: str, unit: str, helper: str, fen: int,
            *, end_on: dt.date | None = None, result: str = "已落实", beneficiary=None, placement=None,
            attendee=None) -> None:
        rows.append((household_id, on.year, category, content, unit, helper, money(fen),
                     writer.date(on), writer.date(end_on) if end_on else None, result, None, "", beneficiary,
                     placement, attendee, None, True, now, now))

    def day(year: int) -> dt.date:
        return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))

    with transaction.atomic():
        delete_previous()
        facts = _facts()
        households = (Household._base_manager.filter(synthetic=True).order_by("id")
                      .values_list("id", "exit_year", "main_cause", "relocated", "cadre_id"))
        for hh_id, exit_year, cause, relocated, cadre_id in households.iterator(chunk_size=20000):
            years = facts.get(hh_id)
            if not years:
                continue
            helper, cadre_unit = cadres.get(cadre_id, ("", ""))
            poor_years = [y for y in years if y[0] >= FIRST and y[1] in POOR]
            category, content, unit, (lo, hi) = CAUSE_MEASURES.get(cause, DEFAULT_MEASURE)
            loan_given = False
            for year, status, dibao, pension, _grade, medical, education in years:
                if year < FIRST:
                    continue
                poor = status in POOR or year == exit_year  # assisted: poor, or lifted out this year
                if not poor:  # every measure below is for an assisted year
                    continue
                dibao, pension, medical, education = _fen(dibao), _fen(pension), _fen(medical), _fen(education)
                if poor and dibao > 0:
                    add(hh_id, dt.date(year, 1, rng.randint(5, 25)), Category.DIBAO, "农村最低生活保障金（按月发放）",
                        "县民政局", helper, dibao, end_on=dt.date(year, 12, 31))
                elif poor and pension > 0:
                    add(hh_id, dt.date(year, 1, rng.randint(5, 25)), Category.PENSION,
                        "城乡居民基本养老保险（政府代缴最低档保费，按月领取养老金）", "县人力资源和社会保障局", helper,
                        pension, end_on=dt.date(year, 12, 31))
                elif poor:
                    if category == Category.FINANCE:
                        if loan_given:  # one loan, then farm subsidies while it runs
                            add(hh_id, day(year), Category.FARM_SUBSIDY, "耕地地力保护补贴", "乡镇人民政府", helper,
                                rng.randint(200, 800) * 100)
                            continue
                        loan_given = True
                        on = day(year)
                        add(hh_id, on, category, content, unit, helper, rng.randint(lo, hi) // 1000 * 100_000,
                            end_on=on.replace(year=on.year + 3))
                    else:
                        add(hh_id, day(year), category, content, unit or cadre_unit, helper,
                            rng.randint(lo, hi) * 100)
                if poor and medical >= MEDICAL_FLOOR:
                    add(hh_id, day(year), Category.HEALTH, "基本医保、大病保险、医疗救助“一站式”结算", "县医疗保障局",
                        helper, medical * rng.randint(30, 50) // 10_000 * 100)  # 30–50 %, whole yuan
                if poor and education >= EDUCATION_FLOOR:
                    add(hh_id, dt.date(year, 9, rng.randint(1, 28)), Category.EDUCATION, "雨露计划、学生资助",
                        "县教育局", helper, min(education, rng.choice((1500, 2000, 3000)) * 100))
            previous_grade = None
            for year, _status, _dibao, _pension, grade, _medical, _education in years:
                if year >= FIRST and previous_grade in ("C", "D") and grade in ("A", "B"):
                    add(hh_id, dt.date(year, rng.randint(3, 10), rng.randint(1, 28)), Category.HOUSING,
                        "农村危房改造补助", "县住房和城乡建设局", helper, rng.randint(10, 35) * 100_000)
                previous_grade = grade
            if relocated:
                eligible = [y[0] for y in poor_years if y[0] >= 2016] or [y[0] for y in years if y[0] >= 2016][:1]
                if eligible:
                    add(hh_id, dt.date(eligible[0], rng.randint(3, 11), rng.randint(1, 28)), Category.RELOCATION,
                        "易地扶贫搬迁（集中安置，人均住房面积不超过25平方米）", "县发展和改革局", helper,
                        rng.randint(40, 70) * 100_000)
        linked = _linked(rows=rows, add=add, rng=rng)
        writer.insert(AssistanceMeasure, FIELDS, rows)
    from xiezuo.geo.demo_region import load

    work = _field_work(rng=random.Random(f"field-work-{seed}"), scale=scale, log=log,
                       county=(region or load()).counties[0], region=region or load())
    seconds = round(time.perf_counter() - started, 1)
    households_with = AssistanceMeasure.objects.values("household_id").distinct().count()
    log(f"field: {len(rows):,} assistance measures ({linked:,} linked to cooperation records) for "
        f"{households_with:,} households in {seconds} s")
    return {"measures": len(rows), "linked": linked, "households": households_with, "seconds": seconds, **work}


CADRE_LOGIN = "cadre"
REPORTS = 200  # self-reports at scale 1.0 (at least 6)
MARGINAL_SHARE = 3  # one in three reports is from a family not in the registry (边缘易致贫户)


@transaction.atomic
def _field_work(*, rng: random.Random, scale: float, log: Callable[[str], None], county: str,
                region=None) -> dict:
    """A cadre login (in `county`, the region's first) with their households, this and last month's visits for most households of its
    county, and households' own reports: some matched and confirmed into self-report cases, some from
    families not in the registry, entered as new households whose cases the county records as marginal."""
    import uuid

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission

    from xiezuo.accounts.access import MANAGE_CADRES_PERMISSION
    from xiezuo.accounts.demo import DEMO_PASSWORD, county_users
    from xiezuo.accounts.models import Grant, User
    from xiezuo.monitoring import services as monitoring_services
    from xiezuo.monitoring import workflow as wf
    from xiezuo.monitoring.models import Case
    from xiezuo.registry.models import Cadre, Household

    from . import reports
    from .models import CadreAccount, ReportKind, SelfReport, Visit

    today = timezone.localdate()
    busiest = (Household.objects.filter(synthetic=True, cadre__isnull=False, village__code__startswith=county)
               .values("cadre_id").annotate(n=models.Count("id")).order_by("-n", "cadre_id").first())
    if busiest is None:
        return {}
    cadre = Cadre.objects.get(pk=busiest["cadre_id"])
    # the accounts demo's hash of the same password when there is one (argon2 costs ~0.8 s a hash)
    password = (User.objects.filter(username="admin").values_list("password", flat=True).first()
                or make_password(DEMO_PASSWORD))
    user, _created = User.objects.update_or_create(username=CADRE_LOGIN, defaults={
        "role": "county_staff", "display_name": cadre.name, "is_active": True, "password": password})
    Grant.objects.filter(user=user).delete()
    Grant.objects.create(user=user, division_id=cadre.division_id, kind="edit")
    CadreAccount.objects.filter(models.Q(user=user) | models.Q(cadre=cadre)).delete()
    CadreAccount.objects.create(user=user, cadre=cadre)
    # the county logins manage their persons responsible (/field/cadres/): the permission a county office holds
    app_label, codename = MANAGE_CADRES_PERMISSION.split(".")
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    for manager in User.objects.filter(username__in=list(county_users(region))):
        manager.user_permissions.add(permission)

    visits = []
    county = (Household.objects.filter(synthetic=True, cadre__isnull=False, village__code__startswith=county)
              .values_list("id", "cadre__name"))
    last_month = (today.replace(day=1) - dt.timedelta(days=1))
    for hh_id, _name in county:
        for month_end, share in ((last_month, 0.9), (today, 0.6)):
            if rng.random() < share:
                on = month_end.replace(day=rng.randint(1, month_end.day))
                visits.append(Visit(household_id=hh_id, visitor_name="demo", on=on, met="户主",
                                    notes=rng.choice(("生产生活正常", "了解务工收入", "宣传政策", "核实家庭收支")),
                                    client_key=uuid.UUID(int=rng.getrandbits(128))))
    Visit.objects.bulk_create(visits, batch_size=2000)

    system = monitoring_services.SystemUser()
    villages = list(Household.objects.filter(synthetic=True).values_list("village_id", flat=True).distinct()
                    .order_by("village_id"))
    n = max(6, round(REPORTS * scale))
    made = confirmed = marginal = 0
    kinds = list(ReportKind.values)
    for i in range(n):
        village_code = rng.choice(villages)
        village = Division.objects.get(code=village_code)
        new_family = i % MARGINAL_SHARE == 0
        if new_family:
            name, phone = f"{rng.choice('王李张刘陈杨赵黄')}{rng.choice('建国秀英志强桂芳')}", f"139{rng.randint(0, 99999999):08d}"
        else:
            hh = Household.objects.filter(village_id=village_code, synthetic=True).order_by("id")
            hh = hh[rng.randrange(hh.count())]
            name, phone = hh.head_name, f"138{rng.randint(0, 99999999):08d}"
        report = reports.report_submit(village=village, name=name, kind=rng.choice(kinds), phone=phone,
                                       detail=rng.choice(("家人生病住院", "房屋受损", "务工受阻", "孩子上学费用高", "")))
        SelfReport.objects.filter(pk=report.pk).update(synthetic=True)
        made += 1
        if i % 4 == 3:
            continue  # still in the township's queue
        try:
            report = reports.report_confirm(report=report, user=system, new_household=new_family,
                                            household=None if new_family else report.suggested,
                                            on=today - dt.timedelta(days=40))
        except ValidationError:  # the household already has an open case for this risk: stays in the queue
            continue
        confirmed += 1
        if new_family:
            Household.objects.filter(pk=report.household_id).update(synthetic=True)
            case = report.case
            day = case.opened_on
            for stage in wf.IDENTIFICATION[1:]:
                day += dt.timedelta(days=1)
                case = monitoring_services.case_advance(case=case, to_stage=stage, user=system, on=day)
            case = monitoring_services.case_advance(case=case, to_stage=wf.RECORDED, user=system,
                                                    on=day + dt.timedelta(days=1), category="marginal",
                                                    comment="县级审定：边缘易致贫户")
            monitoring_services.measure_add(case=case, kind="social", risk_type=case.risk_types[0],
                                            responsible=cadre.name, start_on=day + dt.timedelta(days=3),
                                            amount=rng.choice((1000, 2000, 3000)), description="临时救助",
                                            helping_unit="乡镇人民政府", user=system)
            marginal += 1
        Case.objects.filter(pk=report.case_id).update(synthetic=True)
    log(f"field: demo login '{CADRE_LOGIN}' ({cadre.name}), {len(visits):,} home visits, {made} self-reports "
        f"({confirmed} confirmed, {marginal} new marginal households recorded)")
    return {"visits": len(visits), "self_reports": made, "marginal": marginal}


def _linked(*, rows, add, rng) -> int:
    """One measure per cooperation record that names a registry household (or one of its members)."""
    from xiezuo.labor.models import Placement
    from xiezuo.projects.models import ProjectBeneficiary
    from xiezuo.talent.models import Attendee

    before = len(rows)
    for pk, hh_id, year, project in (ProjectBeneficiary.objects.filter(household__synthetic=True)
                                     .values_list("id", "household_id", "year", "project__name")):
        if year >= FIRST:
            add(hh_id, dt.date(year, rng.randint(3, 10), rng.randint(1, 28)), Category.INDUSTRY,
                f"东西部协作产业项目带贫：{project}"[:200], "东西部协作项目实施单位", "",
                rng.randint(20, 80) * 10_000, beneficiary=pk)
    for pk, hh_id, start, employer, workshop in (Placement.objects.filter(member__household__synthetic=True)
                                                 .values_list("id", "member__household_id", "start_date", "employer",
                                                              "workshop_id")):
        content = "扶贫车间就业" if workshop else "东西部劳务协作转移就业（一次性求职创业补贴）"
        add(hh_id, start, Category.EMPLOYMENT, f"{content}：{employer}"[:200], "县人力资源和社会保障局", "",
            rng.choice((300, 500, 800, 1000)) * 100, placement=pk)
    for pk, hh_id, on, title, organiser in (Attendee.objects.filter(member__household__synthetic=True)
                                            .values_list("id", "member__household_id", "session__date",
                                                         "session__title", "session__organiser")):
        if on and on.year >= FIRST:
            add(hh_id, on, Category.MOTIVATION, f"技能培训：{title}"[:200], organiser[:100], "",
                rng.choice((0, 200, 500)) * 100, attendee=pk)
    return len(rows) - before
