"""A policy as plain data, and its validation.

A spec is the `parameters` of a policy version (policy app), a JSON object:

    poverty_line          yuan per person per year (string or number)
    exit_income_line      income an exiting household must be above (null: the poverty line)
    monitoring_threshold  防返贫 monitoring line (null before 2020)
    exit_criteria         {"income": true, "food": true, "clothing": true, "education": true,
                           "medical": true, "housing": true, "water": true}
    monitoring_categories [{"code": "unstable_exited", "reason": "below_monitoring_line",
                            "rule": RULE}, ...]   first match wins
    mpi                   {"name": ..., "k": 0.3333, "dimensions": [{"name": ..., "indicators":
                           [{"name": ..., "weight": ..., "rule": RULE}]}]}
    village_exit          poor-village exit (村退出, brief §4.2), optional: {"max_incidence": "0.03",
                           "haves": ["collective_income", ...], "min_collective_income": "0"}
    county_exit           poor-county exit (县摘帽, brief §4.3), optional: {"max_incidence": "0.03",
                           "max_wrong_exit_rate": "0.02", "max_missed_poor_rate": "0.02",
                           "min_public_approval": "0.90"}

RULE is {"field": NAME, "op": "<" | "<=" | ">" | ">=" | "==" | "!=", "value": NUMBER | "$param"}
or {"any": [RULE, ...]} or {"all": [RULE, ...]}; NAME must be one of FIELDS (the household facts
the engine derives from the registry), "$param" one of the spec's lines. A rule for an
indicator is its *deprivation* condition (true = deprived).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

WEIGHT_TOLERANCE = 1e-6
# A household's reasons and deprivations travel as one 64-bit mask each (rules.household_sql): a bit per
# reason (up to 13 fixed ones and one per category) and per indicator.
MAX_CATEGORIES = 48
MAX_INDICATORS = 62

# name -> description: the facts of one household in the run year (booleans are 0/1).
FIELDS: dict[str, str] = {
    "size": "household size (registered members that year)",
    "pcni": "per-capita net income, yuan (§2.6: wage + business + property + transfers - production cost) / size",
    "net_income": "household net income, yuan",
    "medical_expense": "out-of-pocket medical spending, yuan",
    "education_expense": "education spending, yuan",
    "pcni_after_rigid": "per-capita income after medical and education spending, yuan (§5.1)",
    "food_secure": "no worry about food (1/0)",
    "clothing_secure": "no worry about clothing (1/0)",
    "compulsory_dropouts": "dropouts of compulsory-school age",
    "uninsured_members": "members without basic medical insurance",
    "housing_safe": "housing appraised grade A or B (1/0)",
    "water_safe": "safe drinking water (1/0)",
    "electricity": "household electricity (1/0)",
    "sanitary_toilet": "sanitary toilet (1/0)",
    "clean_fuel": "clean cooking fuel (1/0)",
    "ever_registered": "ever registered as a poor household (1/0)",
    "registered_active": "registered by the run year and exiting in it or later (1/0)",
    "exited_before": "exited before the run year (1/0)",
    "dibao_household": "household attribute is low-income allowance (1/0)",
    "tekun_household": "household attribute is destitute support (1/0)",
    "members": "living members on record",
    "serious_ill": "members with a serious illness",
    "chronic_ill": "members with a long-term chronic illness",
    "disabled": "members with a disability",
    "without_labour": "members with no or lost labour capacity",
    "all_without_labour": "no member able to work (1/0)",
    "max_schooling_years": "most years of schooling completed by any adult member (16+)",
    "school_age_out_of_school": "members aged 6-15 not in school",
}
PARAMS = ("poverty_line", "exit_income_line", "monitoring_threshold")
OPS = ("<", "<=", ">", ">=", "==", "!=")
EXIT_CRITERIA = ("income", "food", "clothing", "education", "medical", "housing", "water")
# Sichuan's "one low, five haves" (一低五有, brief §4.2): the village facts a poor village's exit may require.
VILLAGE_HAVES = ("collective_income", "hardened_road", "clinic", "cultural_room", "telecom")
# Rates are fractions (0.03 = 3 %), kept as Decimal: a limit is compared exactly with a ratio of counts.
VILLAGE_EXIT_RATES = ("max_incidence",)
COUNTY_EXIT_RATES = ("max_incidence", "max_wrong_exit_rate", "max_missed_poor_rate", "min_public_approval")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class SpecError(ValueError):
    """A policy spec that cannot be run; `messages` lists every problem found."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def _money(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise SpecError([f"{value!r} is not an amount in yuan"]) from exc


def _rule_errors(rule: Any, where: str, params: dict) -> list[str]:
    if not isinstance(rule, dict):
        return [f"{where}: a rule must be an object with field, op and value"]
    for key in ("any", "all"):
        if key in rule:
            parts = rule[key]
            if not isinstance(parts, list) or not parts:
                return [f"{where}: '{key}' needs a non-empty list of rules"]
            return [e for i, r in enumerate(parts) for e in _rule_errors(r, f"{where}.{key}[{i}]", params)]
    errors = []
    field = rule.get("field")
    if field not in FIELDS:
        errors.append(f"{where}: unknown field {field!r} (known fields: {', '.join(sorted(FIELDS))})")
    if rule.get("op") not in OPS:
        errors.append(f"{where}: unknown operator {rule.get('op')!r} (use one of {' '.join(OPS)})")
    value = rule.get("value")
    if isinstance(value, str) and value.startswith("$"):
        if value[1:] not in PARAMS:
            errors.append(f"{where}: unknown parameter {value!r} (use ${', $'.join(PARAMS)})")
        elif params.get(value[1:]) is None:
            errors.append(f"{where}: parameter {value!r} is not set in this policy")
    elif isinstance(value, bool) or not isinstance(value, int | float):
        errors.append(f"{where}: value {value!r} must be a number or a $parameter")
    return errors


def validate(parameters: dict) -> list[str]:
    """Every problem with a spec, in plain words; an empty list means it can be run."""
    errors: list[str] = []
    if not isinstance(parameters, dict):
        return ["parameters must be a JSON object"]
    lines: dict[str, Decimal | None] = {}
    for name in PARAMS:
        try:
            lines[name] = _money(parameters.get(name))
        except SpecError as exc:
            errors.extend(f"{name}: {m}" for m in exc.messages)
            continue
        if lines[name] is not None and lines[name] <= 0:
            errors.append(f"{name} must be positive")
    if lines.get("poverty_line") is None:
        errors.append("poverty_line is required")
    criteria = parameters.get("exit_criteria", {})
    if not isinstance(criteria, dict):
        errors.append("exit_criteria must be an object of switches")
    else:
        errors += [f"exit_criteria: unknown criterion {c!r} (known: {', '.join(EXIT_CRITERIA)})"
                   for c in criteria if c not in EXIT_CRITERIA]
    categories = parameters.get("monitoring_categories", []) or []
    if len(categories) > MAX_CATEGORIES:
        errors.append(f"monitoring_categories: at most {MAX_CATEGORIES} categories, not {len(categories)}")
    for i, cat in enumerate(categories):
        where = f"monitoring_categories[{i}]"
        if not isinstance(cat, dict) or not NAME_RE.match(str(cat.get("code", ""))):
            errors.append(f"{where}: needs a code of lower-case letters, digits and _")
            continue
        errors += _rule_errors(cat.get("rule"), f"{where} ({cat['code']})", lines)
    mpi = parameters.get("mpi")
    if mpi is not None:
        errors += _mpi_errors(mpi, lines)
    errors += _unit_exit_errors(parameters)
    return errors


def _rate(value: Any) -> Decimal | None:
    """A fraction in [0, 1] (as a string or number), or None if it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        return None
    return rate if rate.is_finite() and 0 <= rate <= 1 else None


def _unit_exit_errors(parameters: dict) -> list[str]:
    """The poor-village and poor-county exit rules: rates are fractions in [0, 1], haves known ones."""
    errors: list[str] = []
    for key, rates in (("village_exit", VILLAGE_EXIT_RATES), ("county_exit", COUNTY_EXIT_RATES)):
        rule = parameters.get(key)
        if rule is None:
            continue
        if not isinstance(rule, dict):
            errors.append(f"{key} must be an object ({', '.join(rates)})")
            continue
        known = set(rates) | ({"haves", "min_collective_income"} if key == "village_exit" else set())
        errors += [f"{key}: unknown setting {k!r} (known: {', '.join(sorted(known))})" for k in rule if k not in known]
        errors += [f"{key}: {name} = {rule.get(name)!r} must be a fraction between 0 and 1 (0.03 for 3 %)"
                   for name in rates if _rate(rule.get(name)) is None]
        if key == "village_exit":
            haves = rule.get("haves", [])
            if not isinstance(haves, list):
                errors.append("village_exit: haves must be a list")
            else:
                errors += [f"village_exit: unknown have {h!r} (known: {', '.join(VILLAGE_HAVES)})"
                           for h in haves if h not in VILLAGE_HAVES]
            try:
                minimum = _money(rule.get("min_collective_income"))
            except SpecError:
                minimum = Decimal(-1)
            if minimum is not None and minimum < 0:
                errors.append(f"village_exit: min_collective_income {rule.get('min_collective_income')!r} "
                              "must be an amount in yuan, 0 or more")
    return errors


def _mpi_errors(mpi: Any, lines: dict) -> list[str]:
    if not isinstance(mpi, dict):
        return ["mpi must be an object with k and dimensions"]
    errors = []
    try:
        k = float(mpi.get("k"))
    except (TypeError, ValueError):
        k = float("nan")
    if not 0 < k <= 1 + WEIGHT_TOLERANCE:
        errors.append(f"mpi: the cutoff k = {mpi.get('k')!r} must be in (0, 1]")
    total = 0.0
    seen: set[str] = set()
    dims = mpi.get("dimensions") or []
    if not dims:
        errors.append("mpi: at least one dimension with indicators is needed")
    for d, dim in enumerate(dims):
        for i, ind in enumerate(dim.get("indicators") or []):
            name = str(ind.get("name", ""))
            where = f"mpi indicator {name or f'#{d}.{i}'}"
            if not NAME_RE.match(name):
                errors.append(f"{where}: the name must be lower-case letters, digits and _")
            elif name in seen:
                errors.append(f"{where}: the name is used twice")
            seen.add(name)
            try:
                weight = float(ind.get("weight"))
            except (TypeError, ValueError):
                errors.append(f"{where}: weight {ind.get('weight')!r} is not a number")
                continue
            if weight <= 0:
                errors.append(f"{where}: weight must be positive")
            total += weight
            errors += _rule_errors(ind.get("rule"), where, lines)
    if len(seen) > MAX_INDICATORS:
        errors.append(f"mpi: at most {MAX_INDICATORS} indicators, not {len(seen)}")
    if dims and abs(total - 1.0) > WEIGHT_TOLERANCE:
        errors.append(f"mpi: the indicator weights sum to {total:.6f}; they must sum to 1")
    return errors


@dataclass(frozen=True)
class Indicator:
    name: str
    dimension: str
    weight: float
    rule: dict


@dataclass(frozen=True)
class VillageExit:
    """村退出: incidence below `max_incidence` and every have in `haves` (collective income: above zero and at
    least `min_collective_income` yuan)."""

    max_incidence: Decimal
    haves: tuple[str, ...]
    min_collective_income: Decimal

    @classmethod
    def from_dict(cls, rule: dict) -> VillageExit:
        return cls(max_incidence=Decimal(str(rule["max_incidence"])), haves=tuple(rule.get("haves", ())),
                   min_collective_income=_money(rule.get("min_collective_income")) or Decimal("0.00"))


@dataclass(frozen=True)
class CountyExit:
    """县摘帽: comprehensive incidence, wrong-exit and missed-poor rates below their limits, approval at least."""

    max_incidence: Decimal
    max_wrong_exit_rate: Decimal
    max_missed_poor_rate: Decimal
    min_public_approval: Decimal

    @classmethod
    def from_dict(cls, rule: dict) -> CountyExit:
        return cls(**{name: Decimal(str(rule[name])) for name in COUNTY_EXIT_RATES})


@dataclass(frozen=True)
class Spec:
    """A validated policy, ready for the engine."""

    poverty_line: Decimal
    exit_income_line: Decimal | None
    monitoring_threshold: Decimal | None
    exit_criteria: dict
    monitoring_categories: tuple
    indicators: tuple[Indicator, ...]
    k: float
    village_exit: VillageExit | None = None
    county_exit: CountyExit | None = None

    @classmethod
    def from_dict(cls, parameters: dict) -> Spec:
        errors = validate(parameters)
        if errors:
            raise SpecError(errors)
        mpi = parameters.get("mpi") or {"k": 1, "dimensions": []}
        indicators = tuple(
            Indicator(name=ind["name"], dimension=dim.get("name", ""), weight=float(ind["weight"]), rule=ind["rule"])
            for dim in mpi["dimensions"] for ind in dim["indicators"]
        )
        criteria = {c: bool(parameters.get("exit_criteria", {}).get(c, True)) for c in EXIT_CRITERIA}
        return cls(
            poverty_line=_money(parameters["poverty_line"]),
            exit_income_line=_money(parameters.get("exit_income_line")),
            monitoring_threshold=_money(parameters.get("monitoring_threshold")),
            exit_criteria=criteria,
            monitoring_categories=tuple(parameters.get("monitoring_categories") or ()),
            indicators=indicators,
            k=float(mpi["k"]),
            village_exit=VillageExit.from_dict(parameters["village_exit"]) if parameters.get("village_exit") else None,
            county_exit=CountyExit.from_dict(parameters["county_exit"]) if parameters.get("county_exit") else None,
        )

    def param(self, name: str) -> Decimal | None:
        return getattr(self, name)

    @property
    def weights(self) -> dict[str, float]:
        return {i.name: i.weight for i in self.indicators}

    @property
    def exit_line(self) -> Decimal:
        return self.exit_income_line if self.exit_income_line is not None else self.poverty_line
