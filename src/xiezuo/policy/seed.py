"""The shipped policies as plain data (no Django): national lines and thresholds year by year,
the exit rule, the monitoring categories and two MPI specifications.

Status of each value, as in the domain brief: V verified, G general knowledge, ? assumption.
"""

from __future__ import annotations

from copy import deepcopy

THIRD, SIXTH, EIGHTEENTH = 1 / 3, 1 / 6, 1 / 18

# Domain brief §3.1: national rural poverty line, current prices, yuan per person per year.
POVERTY_LINES = {
    2010: ("2300", "V"), 2011: ("2536", "V"), 2012: ("2625", "V"), 2013: ("2736", "V"), 2014: ("2800", "V"),
    2015: ("2855", "V"), 2016: ("2952", "V"), 2017: ("2952", "G"), 2018: ("2995", "G"), 2019: ("3218", "G"),
    2020: ("4000", "G"),
}
# §3.1: exit-assessment income lines (Sichuan round values), kept apart from the NBS line; all [?].
EXIT_INCOME_LINES = {2017: ("3300", "?"), 2018: ("3500", "?"), 2019: ("3750", "?"), 2020: ("4000", "?")}
# §3.2: monitoring threshold. 2021: national floor 6,000 [V]; later years: the demo's assumption
# (+5 % a year, rounded to 10 yuan) because the national floor after 2021 is not published [?].
MONITORING_THRESHOLDS = {2021: ("6000", "V")}
for _y in range(2022, 2027):
    MONITORING_THRESHOLDS[_y] = (str(int(round(6000 * 1.05 ** (_y - 2021), -1))), "?")

# §4.1 household exit: income stably above the line, 两不愁三保障 and safe water.
EXIT_CRITERIA = {"income": True, "food": True, "clothing": True, "education": True, "medical": True,
                 "housing": True, "water": True}

# §4.2 poor-village exit, Sichuan's "one low, five haves" (一低五有): incidence under 3 % in the west [V for the
# rate] and collective income, a hardened road, a clinic, a cultural room and a telecom network [G]. The minimum
# collective income is not in the brief [?]: any income counts (0 yuan, i.e. more than nothing).
VILLAGE_EXIT = {"max_incidence": "0.03", "haves": ["collective_income", "hardened_road", "clinic", "cultural_room",
                                                   "telecom"], "min_collective_income": "0"}
# §4.3 poor-county exit [V]: comprehensive incidence under 3 % (west), wrong-exit and missed-poor rates under 2 %,
# public approval at 90 % or more ("90%以上" includes 90 %).
COUNTY_EXIT = {"max_incidence": "0.03", "max_wrong_exit_rate": "0.02", "max_missed_poor_rate": "0.02",
               "min_public_approval": "0.90"}
# Poor villages and counties were designated and exited in the 建档立卡 years; after 2020 none is left to judge.
UNIT_EXIT_YEARS = range(2014, 2021)

# §5.1 monitored categories, first match wins.
MONITORING_CATEGORIES = [
    {"code": "unstable_exited", "reason": "income_below_monitoring_line_after_exit",
     "rule": {"all": [{"field": "exited_before", "op": "==", "value": 1},
                      {"field": "pcni", "op": "<", "value": "$monitoring_threshold"}]}},
    {"code": "marginal", "reason": "income_below_monitoring_line",
     "rule": {"all": [{"field": "ever_registered", "op": "==", "value": 0},
                      {"field": "pcni", "op": "<", "value": "$monitoring_threshold"}]}},
    {"code": "sudden_difficulty", "reason": "rigid_expenditure",
     "rule": {"field": "pcni_after_rigid", "op": "<", "value": "$monitoring_threshold"}},
]


def _ind(name: str, weight: float, rule: dict, label: str) -> dict:
    return {"name": name, "weight": weight, "rule": rule, "label": label}


def _is(field: str, op: str, value) -> dict:
    return {"field": field, "op": op, "value": value}


# The global MPI (Alkire & Santos 2014; UNDP/OPHI) adapted to the registry's fields, k = 1/3.
GLOBAL_MPI = {
    "name": "global-mpi-adapted",
    "k": THIRD,
    "dimensions": [
        {"name": "health", "indicators": [
            _ind("nutrition", SIXTH, _is("food_secure", "==", 0),
                 "nutrition proxy: the household worries about food (不愁吃 not met)"),
            _ind("health_risk", SIXTH, {"any": [_is("serious_ill", ">=", 1), _is("uninsured_members", ">=", 1)]},
                 "child-mortality proxy: a seriously ill member, or a member without basic medical insurance"),
        ]},
        {"name": "education", "indicators": [
            _ind("schooling", SIXTH, _is("max_schooling_years", "<", 6),
                 "years of schooling: no member aged 16+ has completed six years (primary)"),
            _ind("attendance", SIXTH, {"any": [_is("school_age_out_of_school", ">=", 1),
                                              _is("compulsory_dropouts", ">=", 1)]},
                 "school attendance: a child aged 6-15 is not in school"),
        ]},
        {"name": "living_standards", "indicators": [
            _ind("cooking_fuel", EIGHTEENTH, _is("clean_fuel", "==", 0), "no clean cooking fuel"),
            _ind("sanitation", EIGHTEENTH, _is("sanitary_toilet", "==", 0), "no sanitary toilet"),
            _ind("drinking_water", EIGHTEENTH, _is("water_safe", "==", 0), "drinking water not safe"),
            _ind("electricity", EIGHTEENTH, _is("electricity", "==", 0), "no household electricity"),
            _ind("housing", EIGHTEENTH, _is("housing_safe", "==", 0), "house appraised grade C or D"),
            _ind("assets", EIGHTEENTH, _is("pcni", "<", "$poverty_line"),
                 "assets proxy: the registry records no durable goods, so per-capita income below the "
                 "poverty line stands in"),
        ]},
    ],
}

# 两不愁三保障 and safe water as six equally weighted indicators; k = 1/6, so failing any one
# check is enough (the exit rule requires all of them).
LBCSBZ_MPI = {
    "name": "two-no-worries-three-guarantees",
    "k": SIXTH,
    "dimensions": [
        {"name": "two_no_worries", "indicators": [
            _ind("food", SIXTH, _is("food_secure", "==", 0), "不愁吃 not met"),
            _ind("clothing", SIXTH, _is("clothing_secure", "==", 0), "不愁穿 not met"),
        ]},
        {"name": "three_guarantees", "indicators": [
            _ind("compulsory_education", SIXTH, _is("compulsory_dropouts", ">=", 1), "义务教育 dropout"),
            _ind("basic_medical", SIXTH, _is("uninsured_members", ">=", 1), "基本医疗: a member uninsured"),
            _ind("safe_housing", SIXTH, _is("housing_safe", "==", 0), "住房安全: grade C or D"),
        ]},
        {"name": "water", "indicators": [
            _ind("safe_water", SIXTH, _is("water_safe", "==", 0), "饮水安全 not met"),
        ]},
    ],
}


def parameters(year: int, mpi: dict = GLOBAL_MPI) -> dict:
    """The shipped parameter set for `year` (2013-2026)."""
    line, line_status = POVERTY_LINES.get(year, ("4000", "?"))  # no national line after 2020: the 2020 value
    exit_line = EXIT_INCOME_LINES.get(year)
    threshold = MONITORING_THRESHOLDS.get(year)
    units = year in UNIT_EXIT_YEARS
    return {
        "poverty_line": line,
        "exit_income_line": exit_line[0] if exit_line else None,
        "monitoring_threshold": threshold[0] if threshold else None,
        "exit_criteria": dict(EXIT_CRITERIA),
        "monitoring_categories": deepcopy(MONITORING_CATEGORIES) if threshold else [],
        "mpi": deepcopy(mpi),
        "village_exit": deepcopy(VILLAGE_EXIT) if units else None,
        "county_exit": dict(COUNTY_EXIT) if units else None,
        "sources": {"poverty_line": line_status, "exit_income_line": exit_line[1] if exit_line else None,
                    "monitoring_threshold": threshold[1] if threshold else None,
                    "village_exit": "V (incidence) / G (five haves) / ? (minimum income)" if units else None,
                    "county_exit": "V" if units else None},
    }


def shipped(years=range(2013, 2027)) -> list[dict]:
    """Every shipped version: `national-YYYY` (global MPI) and `lbcsbz-YYYY` (两不愁三保障 MPI)."""
    out = []
    for year in years:
        out.append({"name": f"national-{year}", "year": year, "parameters": parameters(year)})
        out.append({"name": f"lbcsbz-{year}", "year": year, "parameters": parameters(year, LBCSBZ_MPI)})
    return out
