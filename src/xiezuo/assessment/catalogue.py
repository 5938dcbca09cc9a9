"""The indicator catalogue as data: what each assessment indicator counts and where its rows live.

An indicator is declared, never typed in (STYLE.md decision 8): a code, names in Chinese and
English, a unit, a direction (is higher better?), an assessment area (domain brief §6.2–6.4),
and a *definition* that computes the value from another app's records. Most definitions are
a `Metric`: an aggregate (count, distinct count, sum) over one model, filtered by year and by
the model's own `scope_field` (a division code path), optionally through a pairing. The
poverty measures read the registry's statistics and the monitoring cases.

A definition whose model or field does not exist (an app not installed yet) yields `None`
("not recorded"), never an error, so the catalogue can be read while the apps grow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

AREAS = {
    "leadership": _("Organisational leadership"),
    "talent": _("Talent exchange"),
    "funds": _("Use of funds"),
    "industry": _("Industry cooperation"),
    "labour": _("Labour cooperation"),
    "consumption": _("Consumption assistance"),
    "pairing": _("Pairing for moderate prosperity"),
    "poverty": _("Poverty and monitoring"),
}

HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Metric:
    """An aggregate over one model: `agg` is "count", "distinct:<field>" or "sum:<field>".

    `year` is the model's year field or date field (a DateField is filtered with `__year`);
    `where` are extra lookups (`{"kind": "cadre"}`); `pairing` is the lookup from the model
    to a cooperation pairing's id, when the rows can be attributed to one.
    """

    model: str
    agg: str = "count"
    year: str = ""
    where: dict[str, Any] = field(default_factory=dict)
    pairing: str = ""
    list_url: str = ""  # the owning app's list page (URL name), for "open in the app"
    cumulative_from: int | None = None  # count from this year to the year asked (stock figures)
    in_force_until: str = ""  # the end-date field: count rows in force at the year's end (`year` is the start)
    minus: dict[str, Any] | None = None  # lookups (instead of `where`) of rows subtracted: reversals


@dataclass(frozen=True)
class Indicator:
    code: str
    name_zh: str
    name_en: str
    unit: str  # persons, households, times, pairs, yuan, %, count
    direction: str  # HIGHER or LOWER is better
    area: str
    definition: Metric | Callable[..., Any]
    book: str = ""  # the book's figure it reproduces, if any (domain brief §9.1 #)
    decimals: int = 0

    def name(self, language: str | None = None) -> str:
        return self.name_en if (language or "").startswith("en") else self.name_zh


CATALOGUE: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    if indicator.code in CATALOGUE:
        raise ValueError(f"indicator {indicator.code} declared twice")
    if indicator.area not in AREAS or indicator.direction not in (HIGHER, LOWER):
        raise ValueError(f"indicator {indicator.code}: bad area or direction")
    CATALOGUE[indicator.code] = indicator
    return indicator


def _i(code, zh, en, unit, area, definition, *, direction=HIGHER, book="", decimals=0):
    return register(Indicator(code=code, name_zh=zh, name_en=en, unit=unit, direction=direction, area=area,
                              definition=definition, book=book, decimals=decimals))


# --- poverty (registry, engine runs, monitoring); definitions in definitions.py -------------
_i("poor_people", "建档立卡贫困人口", "Registered poor people", "persons", "poverty", "registry.poor_people",
   direction=LOWER, book="#9 348,200 (2013)")
_i("poor_households", "建档立卡贫困户", "Registered poor households", "households", "poverty",
   "registry.poor_households", direction=LOWER)
_i("incidence_pct", "贫困发生率", "Poverty incidence", "%", "poverty", "registry.incidence_pct",
   direction=LOWER, book="#11 14.6 % (2013)", decimals=2)
_i("engine_poor_people", "测算贫困人口（已发布测算）", "Poor people (published measurement run)", "persons",
   "poverty", "measure.poor_people", direction=LOWER)
_i("monitoring_cases", "防返贫监测对象（户）", "Monitoring cases", "households", "poverty", "monitoring.cases",
   direction=LOWER)
_i("monitoring_risk_eliminated", "风险消除（户）", "Monitoring cases with risk eliminated", "households",
   "poverty", "monitoring.closed")
_i("assistance_measures", "帮扶措施（项）", "Assistance measures recorded", "count", "poverty",
   Metric("field.AssistanceMeasure", year="year", list_url="field:measure_list"))
_i("households_with_measures", "落实帮扶措施的农户", "Households with assistance measures", "households", "poverty",
   Metric("field.AssistanceMeasure", agg="distinct:household_id", year="year", list_url="field:measure_list"))
_i("home_visits", "入户走访（次）", "Home visits recorded", "times", "poverty",
   Metric("field.Visit", year="on", list_url="field:due"))
# Poor villages and counties (registry.PoorUnit; brief §4.2–4.3). Stocks count from 1986, the first national
# list of poor counties, so every designation on record is in them.
_DESIGNATIONS_FROM = 1986
for _level, _key, _zh, _en in (("village", "poor_villages", "贫困村", "Poor villages"),
                               ("county", "poor_counties", "贫困县", "Poor counties")):
    _i(_key, f"{_zh}（认定）", f"{_en} designated", "count", "poverty",
       Metric("registry.PoorUnit", year="designated_year", where={"level": _level},
              cumulative_from=_DESIGNATIONS_FROM, list_url="registry:poor_unit_list"), direction=LOWER)
    _i(f"{_key}_exited", f"{_zh}退出（累计）", f"{_en} exited (to date)", "count", "poverty",
       Metric("registry.PoorUnit", year="exit_year", where={"level": _level}, cumulative_from=_DESIGNATIONS_FROM,
              list_url="registry:poor_unit_list"))
    _i(f"{_key}_exited_in_year", f"{_zh}退出（当年）", f"{_en} exited in the year", "count", "poverty",
       Metric("registry.PoorUnit", year="exit_year", where={"level": _level}, list_url="registry:poor_unit_list"))
    _i(f"{_key}_may_exit", f"达到退出标准的{_zh}（已发布测算）", f"{_en} meeting the exit criteria (published run)",
       "count", "poverty", f"measure.{_key}_may_exit")

# --- leadership ----------------------------------------------------------------------------
_i("visits", "互访交流", "High-level visits and exchanges", "times", "leadership",
   Metric("cooperation.Visit", year="date", pairing="pairing_id", list_url="cooperation:visit_list"))
_i("joint_meetings", "联席会议", "Joint meetings held", "times", "leadership",
   Metric("cooperation.Meeting", year="date", where={"kind": "joint"}, pairing="pairing_id",
          list_url="cooperation:meeting_list"))

# --- talent --------------------------------------------------------------------------------
_i("cadres_sent", "选派党政干部挂职", "Party and government cadres exchanged", "persons", "talent",
   Metric("talent.Exchange", year="start_date", where={"kind": "cadre"}, list_url="talent:exchange_list"))
_i("professionals_sent", "专业技术人才交流", "Professional and technical staff exchanged", "persons", "talent",
   Metric("talent.Exchange", year="start_date",
          where={"kind__in": ["teacher", "doctor", "technician", "agronomist"]}, list_url="talent:exchange_list"))
_i("training_sessions", "培训期数", "Training sessions", "sessions", "talent",
   Metric("talent.TrainingSession", agg="sum:sessions", year="date", list_url="talent:session_list"))
_i("trainees", "培训人次", "People trained", "person-times", "talent",
   Metric("talent.TrainingSession", agg="sum:headcount", year="date", list_url="talent:session_list"))

# --- funds ---------------------------------------------------------------------------------
_i("aid_committed", "财政援助资金（计划）", "Fiscal aid funds committed", "yuan", "funds",
   Metric("projects.LedgerEntry", agg="sum:amount", year="date",
          where={"kind": "allocation", "budget__source": "east_fiscal"}, pairing="project__pairing_id",
          minus={"kind": "reversal", "reverses__kind": "allocation", "budget__source": "east_fiscal"},
          list_url="projects:project_list"), decimals=2)
_i("aid_disbursed", "财政援助资金（拨付）", "Fiscal aid funds disbursed", "yuan", "funds",
   Metric("projects.LedgerEntry", agg="sum:amount", year="date",
          where={"kind": "disbursement", "budget__source": "east_fiscal"},
          minus={"kind": "reversal", "reverses__kind": "disbursement", "budget__source": "east_fiscal"},
          pairing="project__pairing_id", list_url="projects:project_list"), decimals=2)
_i("projects", "协作项目数", "Cooperation projects", "count", "funds",
   Metric("projects.Project", year="year", pairing="pairing_id", list_url="projects:project_list"))
_i("project_beneficiaries", "项目带贫人数", "Poor people benefiting from projects", "persons", "funds",
   Metric("projects.ProjectBeneficiary", agg="sum:people", year="project__year",
          pairing="project__pairing_id", list_url="projects:project_list"))
_i("fund_pool", "扶贫资金池注入（累计）", "Paid into the fund pool (cumulative)", "yuan", "funds",
   Metric("projects.PoolEntry", agg="sum:amount", year="date", where={"kind": "inflow"},
          list_url="projects:pool_list", cumulative_from=2018), book="#58 71,478,900 yuan", decimals=2)

# --- industry ------------------------------------------------------------------------------
_i("enterprises", "引导落地投产企业", "Enterprises guided to invest", "count", "industry",
   Metric("cooperation.Enterprise", year="year", where={"in_production": True}, pairing="pairing_id",
          list_url="cooperation:enterprise_list"))
_i("investment", "到位投资", "Investment arrived", "yuan", "industry",
   Metric("cooperation.Enterprise", agg="sum:investment_arrived", year="year", pairing="pairing_id",
          list_url="cooperation:enterprise_list"), decimals=2)

# --- labour --------------------------------------------------------------------------------
_i("placements", "帮助贫困人口转移就业", "Poor workers helped into jobs", "persons", "labour",
   Metric("labor.Placement", agg="distinct:member_id", year="start_date", list_url="labor:placement_list"))
_i("placements_cumulative", "转移就业（2018年起累计）", "Workers placed since 2018 (cumulative)", "persons",
   "labour", Metric("labor.Placement", agg="distinct:member_id", year="start_date",
                    list_url="labor:placement_list", cumulative_from=2018), book="#62 16,400")
_i("workstations", "劳务协作工作站（累计）", "Labour workstations in the east (cumulative)", "count", "labour",
   Metric("labor.Workstation", year="opened_on", list_url="labor:workstation_list", cumulative_from=2018),
   book="#60 6")
_i("workshops", "扶贫车间（累计）", "Poverty workshops (cumulative)", "count", "labour",
   Metric("labor.Workshop", year="opened_on", list_url="labor:workshop_list", cumulative_from=2018),
   book="#61 57")
_i("vocational_students", "东部职业学校就读学生（累计）", "Students in eastern vocational schools (cumulative)",
   "persons", "labour", Metric("labor.VocationalStudent", agg="distinct:member_id", year="enrolled_year",
                               list_url="labor:student_list", cumulative_from=2018), book="#63 475")

# --- consumption ---------------------------------------------------------------------------
_i("sales", "消费帮扶销售额", "Products sold (consumption assistance)", "yuan", "consumption",
   Metric("consumption.Sale", agg="sum:amount", year="date", list_url="consumption:sale_list"), decimals=2)
_i("sales_cumulative", "消费帮扶销售额（2018年起累计）", "Products sold since 2018 (cumulative)", "yuan",
   "consumption", Metric("consumption.Sale", agg="sum:amount", year="date", list_url="consumption:sale_list",
                         cumulative_from=2018), book="#56 3.36 bn yuan", decimals=2)

# --- pairing -------------------------------------------------------------------------------
for _level, _zh, _en in (("county", "县县结对", "County–county pairs"), ("town", "乡镇结对", "Township pairs"),
                         ("village", "村村结对", "Village–village pairs"),
                         ("enterprise_village", "村企结对", "Enterprise–village pairs"),
                         ("school", "学校结对", "School pairs"), ("hospital", "医院结对", "Hospital pairs")):
    _i(f"pairs_{_level}", _zh, _en, "pairs", "pairing",
       Metric("cooperation.Pairing", year="valid_from", in_force_until="valid_to", where={"level": _level},
              list_url="cooperation:pairing_list"))
