"""The 防返贫 case workflow as a pure state machine (no Django imports).

Stages follow the national identification procedure (domain brief §5.3), assistance (§5.4)
and the risk-removal procedure (§5.6). A case's `stage` is the step it is waiting for; a
transition records that step as done and moves on. Everything here is data plus small
functions, so the same rules drive the services, the pages and the property-based tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# --- stages -----------------------------------------------------------------------------

RISK_WARNING = "risk_warning"  # 风险预警 / 农户申报
HOME_VISIT = "home_visit"  # 入户核查
COMMITMENT = "commitment"  # 承诺授权
DATA_COMPARISON = "data_comparison"  # 信息比对
DEMOCRATIC_APPRAISAL = "democratic_appraisal"  # 民主评议
PUBLIC_NOTICE = "public_notice"  # 村级公示
TOWNSHIP_REVIEW = "township_review"  # 乡镇审核
COUNTY_DECISION = "county_decision"  # 县级审定
RECORDED = "recorded"  # 信息录入
ASSISTING = "assisting"  # 帮扶
ELIMINATION_CHECK = "elimination_check"  # 入户核实
ELIMINATION_APPRAISAL = "elimination_appraisal"  # 民主评议公示
ELIMINATION_TOWNSHIP_REVIEW = "elimination_township_review"  # 乡镇审核
ELIMINATION_COUNTY_APPROVAL = "elimination_county_approval"  # 县级审定
CLOSED = "closed"  # 风险消除
CLOSED_NOT_IDENTIFIED = "closed_not_identified"  # 未纳入监测

IDENTIFICATION = (RISK_WARNING, HOME_VISIT, COMMITMENT, DATA_COMPARISON, DEMOCRATIC_APPRAISAL,
                  PUBLIC_NOTICE, TOWNSHIP_REVIEW, COUNTY_DECISION)
ELIMINATION = (ELIMINATION_CHECK, ELIMINATION_APPRAISAL, ELIMINATION_TOWNSHIP_REVIEW,
               ELIMINATION_COUNTY_APPROVAL)
STAGES = (*IDENTIFICATION, RECORDED, ASSISTING, *ELIMINATION, CLOSED, CLOSED_NOT_IDENTIFIED)
TERMINAL = frozenset({CLOSED, CLOSED_NOT_IDENTIFIED})
OPEN_STAGES = tuple(s for s in STAGES if s not in TERMINAL)

# The one path a risk-eliminated case must have walked, in order (loops back to
# assisting from an elimination step are allowed and repeat the elimination steps).
REQUIRED_PATH = (*IDENTIFICATION, RECORDED, ASSISTING, *ELIMINATION, CLOSED)

# stage -> stages it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RISK_WARNING: (HOME_VISIT,),
    HOME_VISIT: (COMMITMENT,),
    COMMITMENT: (DATA_COMPARISON,),
    DATA_COMPARISON: (DEMOCRATIC_APPRAISAL,),
    DEMOCRATIC_APPRAISAL: (PUBLIC_NOTICE,),
    PUBLIC_NOTICE: (TOWNSHIP_REVIEW,),
    TOWNSHIP_REVIEW: (COUNTY_DECISION, CLOSED_NOT_IDENTIFIED),
    COUNTY_DECISION: (RECORDED, CLOSED_NOT_IDENTIFIED),
    RECORDED: (ASSISTING,),
    ASSISTING: (ELIMINATION_CHECK,),
    ELIMINATION_CHECK: (ELIMINATION_APPRAISAL, ASSISTING),
    ELIMINATION_APPRAISAL: (ELIMINATION_TOWNSHIP_REVIEW, ASSISTING),
    ELIMINATION_TOWNSHIP_REVIEW: (ELIMINATION_COUNTY_APPROVAL, ASSISTING),
    ELIMINATION_COUNTY_APPROVAL: (CLOSED, ASSISTING),
    CLOSED: (),
    CLOSED_NOT_IDENTIFIED: (),
}

CATEGORIES = ("unstable_exited", "marginal", "sudden_hardship")

# --- time limits (days; parameters, overridable in settings) ------------------------------

# From warning to county decision: local rules cap it, often at 15 days (domain brief §5.3).
IDENTIFICATION_LIMIT_DAYS = 15
STAGE_LIMIT_DAYS: dict[str, int] = {
    RISK_WARNING: 2, HOME_VISIT: 3, COMMITMENT: 1, DATA_COMPARISON: 2, DEMOCRATIC_APPRAISAL: 1,
    PUBLIC_NOTICE: 3, TOWNSHIP_REVIEW: 2, COUNTY_DECISION: 1,
    RECORDED: 5,  # record in the national system and start assistance
    ELIMINATION_CHECK: 5, ELIMINATION_APPRAISAL: 7, ELIMINATION_TOWNSHIP_REVIEW: 5,
    ELIMINATION_COUNTY_APPROVAL: 5,
}
MIN_MONTHS_BEFORE_ELIMINATION = 6
MAX_RISKS = 5


class IllegalTransition(ValueError):
    """A move the procedure does not allow; `code` is stable, the message says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def next_stages(stage: str) -> tuple[str, ...]:
    if stage not in TRANSITIONS:
        raise IllegalTransition("unknown_stage", f"Unknown stage {stage!r}.")
    return TRANSITIONS[stage]


def is_reject(from_stage: str, to_stage: str) -> bool:
    return to_stage == CLOSED_NOT_IDENTIFIED


def is_return_to_assisting(from_stage: str, to_stage: str) -> bool:
    return from_stage in ELIMINATION and to_stage == ASSISTING


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def stage_due_on(stage: str, entered_on: dt.date, opened_on: dt.date, *,
                 stage_limits: dict[str, int] | None = None,
                 identification_limit: int | None = None) -> dt.date | None:
    """The date by which `stage` must be done: its own limit, and during identification
    never later than the 15-day cap from the warning."""
    limits = {**STAGE_LIMIT_DAYS, **(stage_limits or {})}
    if stage not in limits:
        return None
    due = entered_on + dt.timedelta(days=limits[stage])
    if stage in IDENTIFICATION:
        cap = opened_on + dt.timedelta(days=identification_limit or IDENTIFICATION_LIMIT_DAYS)
        due = min(due, cap)
    return due


def is_overdue(stage: str, due_on: dt.date | None, today: dt.date) -> bool:
    return stage not in TERMINAL and due_on is not None and today > due_on


# --- risk elimination guard (domain brief §5.6) ------------------------------------------

@dataclass(frozen=True)
class EliminationFacts:
    today: dt.date
    identified_on: dt.date | None
    risk_types: tuple[str, ...]
    measured_risks: frozenset[str]  # risk types with at least one assistance measure
    per_capita_income: Decimal | None  # latest yearly facts
    threshold: Decimal
    income_stable: bool  # confirmed at the elimination home check (≥ 6 months)
    rigid_expense_resolved: bool
    three_guarantees: bool  # 义务教育, 基本医疗, 住房安全
    water_safe: bool
    whole_household_without_labour: bool
    verified: bool = True  # False before the elimination home check has been done
    missing: tuple[str, ...] = field(default=())


BLOCKER_MESSAGES = {
    "too_early": "The risk can be removed only six months after identification at the earliest.",
    "not_identified": "The case has no identification date.",
    "measure_missing": "Every identified risk needs at least one assistance measure (missing: {risks}).",
    "income_missing": "No yearly income facts are recorded for the household.",
    "income_below_line": "Per-capita net income {income} is not above the monitoring threshold {threshold}.",
    "income_unstable": "Income has not been confirmed stable for at least half a year.",
    "rigid_expense": "Large rigid expenses (medical bills, school costs) are not resolved.",
    "three_guarantees": "Compulsory education, basic medical insurance or safe housing is not secured.",
    "water": "Safe drinking water is not secured.",
    "no_labour": "The whole household has no labour capacity: social protection continues and monitoring "
                 "continues; the risk is not marked removed.",
}


def elimination_blockers(facts: EliminationFacts) -> list[tuple[str, str]]:
    """Every reason the risk cannot be removed yet, as (code, English message); empty = allowed.

    Before the elimination home check (`verified=False`) only the structural conditions are
    checked: time since identification, measures per risk, labour capacity.
    """
    out: list[tuple[str, str]] = []
    if facts.whole_household_without_labour:
        out.append(("no_labour", BLOCKER_MESSAGES["no_labour"]))
    if facts.identified_on is None:
        out.append(("not_identified", BLOCKER_MESSAGES["not_identified"]))
    elif facts.today < add_months(facts.identified_on, MIN_MONTHS_BEFORE_ELIMINATION):
        out.append(("too_early", BLOCKER_MESSAGES["too_early"]))
    missing = [r for r in facts.risk_types if r not in facts.measured_risks]
    if missing or not facts.risk_types:
        out.append(("measure_missing", BLOCKER_MESSAGES["measure_missing"].format(risks=", ".join(missing))))
    if not facts.verified:
        return out
    if facts.per_capita_income is None:
        out.append(("income_missing", BLOCKER_MESSAGES["income_missing"]))
    elif not facts.per_capita_income > facts.threshold:
        out.append(("income_below_line", BLOCKER_MESSAGES["income_below_line"].format(
            income=facts.per_capita_income, threshold=facts.threshold)))
    if not facts.income_stable:
        out.append(("income_unstable", BLOCKER_MESSAGES["income_unstable"]))
    if not facts.rigid_expense_resolved:
        out.append(("rigid_expense", BLOCKER_MESSAGES["rigid_expense"]))
    if not facts.three_guarantees:
        out.append(("three_guarantees", BLOCKER_MESSAGES["three_guarantees"]))
    if not facts.water_safe:
        out.append(("water", BLOCKER_MESSAGES["water"]))
    return out


def needs_elimination_guard(from_stage: str, to_stage: str) -> str | None:
    """None, "structural" (entering the elimination check) or "full" (passing the check and
    the final approval)."""
    if from_stage == ASSISTING and to_stage == ELIMINATION_CHECK:
        return "structural"
    if (from_stage, to_stage) in ((ELIMINATION_CHECK, ELIMINATION_APPRAISAL),
                                  (ELIMINATION_COUNTY_APPROVAL, CLOSED)):
        return "full"
    return None


def check_transition(from_stage: str, to_stage: str, *, category: str = "",
                     risk_types: tuple[str, ...] = (), facts: EliminationFacts | None = None) -> None:
    """Raise IllegalTransition unless `from_stage -> to_stage` is allowed now."""
    allowed = next_stages(from_stage)
    if to_stage not in allowed:
        if from_stage in TERMINAL:
            raise IllegalTransition("closed", f"The case is closed ({from_stage}); nothing can follow.")
        raise IllegalTransition(
            "not_allowed", f"A case at {from_stage!r} cannot move to {to_stage!r}; allowed: {', '.join(allowed)}.")
    if from_stage == COUNTY_DECISION and to_stage == RECORDED and category not in CATEGORIES:
        raise IllegalTransition("category_required", "The county decision must set the category.")
    if to_stage == RECORDED and not risk_types:
        raise IllegalTransition("risk_required", "At least one risk type must be identified.")
    guard = needs_elimination_guard(from_stage, to_stage)
    if guard:
        if facts is None:
            raise IllegalTransition("facts_required", "The elimination guard needs the household's facts.")
        blockers = elimination_blockers(facts)
        if blockers:
            raise IllegalTransition(blockers[0][0], " ".join(msg for _, msg in blockers))


def walked_required_path(stages: list[str]) -> bool:
    """True when a sequence of stages visited (first = risk_warning, each step appended)
    contains REQUIRED_PATH in order, with the last elimination round complete."""
    if not stages or stages[0] != RISK_WARNING or stages[-1] != CLOSED:
        return False
    # identification part: exact prefix
    ident = (*IDENTIFICATION, RECORDED, ASSISTING)
    if tuple(stages[: len(ident)]) != ident:
        return False
    # the final elimination round: the last occurrence of assisting, then the 4 steps, then closed
    last_assist = len(stages) - 1 - stages[::-1].index(ASSISTING)
    return tuple(stages[last_assist:]) == (ASSISTING, *ELIMINATION, CLOSED)


# --- monitoring threshold fallback (domain brief §3.2) -------------------------------------

THRESHOLD_BASE_YEAR = 2021
THRESHOLD_BASE = Decimal("6000")
THRESHOLD_GROWTH = Decimal("0.05")


def fallback_threshold(year: int) -> Decimal:
    """6,000 yuan in 2021 (national floor), then +5 % a year, to the yuan cent; before 2021
    the 2021 value. Used only when the policy app has no threshold for the year."""
    value = THRESHOLD_BASE
    for _ in range(max(0, year - THRESHOLD_BASE_YEAR)):
        value = value * (1 + THRESHOLD_GROWTH)
    return value.quantize(Decimal("0.01"))
