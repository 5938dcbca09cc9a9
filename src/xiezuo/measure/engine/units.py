"""Poor villages and poor counties (贫困村, 贫困县) as units: may each exit in the run year?

    judgements = judge_units(divisions=result.divisions, populations=..., units=..., village_facts=...,
                             county_facts=..., spec=spec, year=2017)

This is the ratio step's neighbour, not SQL: it reads the run's division sums (a few thousand rows at most,
~130,000 villages nationally), so it runs in Python on every backend and needs no Spark parity of its own.
Every comparison is exact: incidence is a ratio of integer counts (a `Fraction`), the limits are the policy's
Decimal fractions, money is integer fen.

Rules (domain brief §4.2–4.3; thresholds in the spec, `spec.VillageExit` / `spec.CountyExit`):

- village: incidence = the run's poor people in the village / its registered rural population, below the
  limit (strictly: "低于 3 %"), and each of the policy's "haves" recorded as present in the village's latest
  facts up to the run year (collective income: more than zero and at least the policy's minimum);
- county: the registry incidence and the comprehensive incidence below the limit, the wrong-exit and
  missed-poor rates below theirs and public approval at least its minimum, the three from the third-party
  assessment of the run year. Comprehensive incidence (composition [G], brief §4.3):
  (poor + wrong-exit rate x exited people + missed-poor rate x non-registered rural people) / rural population,
  where exited people are those who exited before or may exit in the year.

Units judged are those designated by the run year and not exited before it; a level without a rule in the
spec is not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pyarrow as pa

from .spec import VILLAGE_HAVES, Spec

RATE_PLACES = Decimal("0.000001")  # rates shown to 0.0001 %: enough to tell 2.9999 % from 3 %
RATE = pa.decimal128(7, 6)  # registry.unit_models.RATE: exact, as recorded

# The unit facts `judge_units` reads, as tables (what a snapshot keeps of them: `measure.snapshot`). Money in
# integer fen, rates exact, the haves True/False/None (None: not recorded).
UNIT_SCHEMAS: dict[str, pa.Schema] = {
    "units": pa.schema([("code", pa.string()), ("level", pa.string()), ("designated_year", pa.int64()),
                        ("exit_year", pa.int64())]),
    "village_facts": pa.schema([("code", pa.string()), ("year", pa.int64()), ("collective_income", pa.int64()),
                                *[(h, pa.bool_()) for h in VILLAGE_HAVES if h != "collective_income"]]),
    "county_facts": pa.schema([("code", pa.string()), ("year", pa.int64()), ("wrong_exit_rate", RATE),
                               ("missed_poor_rate", RATE), ("public_approval", RATE)]),
}


@dataclass(frozen=True)
class Criterion:
    """One test of a unit: its value and limit as text (rates as fractions, money in yuan, haves "1"/"0";
    None = not recorded), whether it passed, and the reason code when it did not."""

    name: str
    value: str | None
    limit: str | None
    passed: bool
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "limit": self.limit, "passed": self.passed,
                "reason": self.reason}


@dataclass(frozen=True)
class UnitJudgement:
    code: str
    level: str  # "village" or "county"
    may_exit: bool
    criteria: tuple[Criterion, ...]

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.criteria if not c.passed]


def _rows(table: Any) -> list[dict]:
    if table is None:
        return []
    if hasattr(table, "to_pylist"):
        return table.to_pylist()
    return [dict(r) for r in table]


def _shown(rate: Fraction | Decimal | None) -> str | None:
    if rate is None:
        return None
    exact = Decimal(rate.numerator) / Decimal(rate.denominator) if isinstance(rate, Fraction) else rate
    return str(exact.quantize(RATE_PLACES))


def _below(name: str, value: Fraction | None, limit: Decimal, missing: str, over: str) -> Criterion:
    if value is None:
        return Criterion(name, None, str(limit), False, missing)
    ok = value < Fraction(limit)
    return Criterion(name, _shown(value), str(limit), ok, "" if ok else over)


def _incidence(sums: Mapping[str, Any] | None, rural: int | None) -> Fraction | None:
    if not rural:
        return None
    return Fraction(int((sums or {}).get("people_poor") or 0), int(rural))


def _latest(facts: list[dict], year: int) -> dict[str, dict]:
    """Each division's facts of the latest year up to `year` (a road or a clinic stays until recorded otherwise)."""
    out: dict[str, dict] = {}
    for row in sorted(facts, key=lambda r: r["year"]):
        if row["year"] <= year:
            out[row["code"]] = row
    return out


def _village(code: str, sums, rural, facts: dict | None, spec: Spec) -> tuple[Criterion, ...]:
    rule = spec.village_exit
    assert rule is not None
    criteria = [_below("incidence", _incidence(sums, rural), rule.max_incidence, "population_not_recorded",
                       "incidence_too_high")]
    for have in rule.haves:
        if facts is None or facts.get(have) is None:
            criteria.append(Criterion(have, None, None, False, "facts_not_recorded"))
        elif have == "collective_income":
            fen, minimum = int(facts[have]), int(rule.min_collective_income * 100)
            ok = fen > 0 and fen >= minimum
            criteria.append(Criterion(have, str(Decimal(fen) / 100), str(rule.min_collective_income), ok,
                                      "" if ok else "no_collective_income"))
        else:
            ok = bool(facts[have])
            criteria.append(Criterion(have, "1" if ok else "0", None, ok, "" if ok else f"no_{have}"))
    return tuple(criteria)


def _rate(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def _county(code: str, sums, rural, assessment: dict | None, spec: Spec) -> tuple[Criterion, ...]:
    rule = spec.county_exit
    assert rule is not None
    sums = sums or {}
    incidence = _incidence(sums, rural)
    wrong, missed, approval = (_rate((assessment or {}).get(k))
                               for k in ("wrong_exit_rate", "missed_poor_rate", "public_approval"))
    comprehensive = None
    if incidence is not None and wrong is not None and missed is not None:
        poor = int(sums.get("people_poor") or 0)
        exited = int(sums.get("people_may_exit") or 0) + int(sums.get("people_exited") or 0)
        outside = max(int(rural) - poor - exited, 0)
        comprehensive = (poor + Fraction(wrong) * exited + Fraction(missed) * outside) / int(rural)
    criteria = [
        _below("incidence", incidence, rule.max_incidence, "population_not_recorded", "incidence_too_high"),
        _below("comprehensive_incidence", comprehensive, rule.max_incidence,
               "population_not_recorded" if incidence is None else "assessment_not_recorded",
               "comprehensive_incidence_too_high"),
        _below("wrong_exit_rate", None if wrong is None else Fraction(wrong), rule.max_wrong_exit_rate,
               "assessment_not_recorded", "wrong_exit_rate_too_high"),
        _below("missed_poor_rate", None if missed is None else Fraction(missed), rule.max_missed_poor_rate,
               "assessment_not_recorded", "missed_poor_rate_too_high"),
    ]
    if approval is None:
        criteria.append(Criterion("public_approval", None, str(rule.min_public_approval), False,
                                  "assessment_not_recorded"))
    else:
        ok = approval >= rule.min_public_approval
        criteria.append(Criterion("public_approval", _shown(approval), str(rule.min_public_approval), ok,
                                  "" if ok else "approval_too_low"))
    return tuple(criteria)


def judge_units(*, divisions: Any, units: Any, spec: Spec, year: int, populations: Any = None,
                village_facts: Any = None, county_facts: Any = None) -> list[UnitJudgement]:
    """Each designated, not yet exited village and county of `year`: may it exit, and every criterion.

    `divisions`: the run's division sums (`EngineResult.divisions`: code, level, people_poor, people_may_exit,
    people_exited, rural_population); `populations`: code, rural_population (for a unit without households);
    `units`: code, level, designated_year, exit_year; `village_facts`: code, year and the VILLAGE_HAVES
    (collective_income in fen; the others 1/0; None = not recorded); `county_facts`: code, year,
    wrong_exit_rate, missed_poor_rate, public_approval (fractions). Tables or sequences of dicts."""
    sums = {r["code"]: r for r in _rows(divisions)}
    rural = {r["code"]: r["rural_population"] for r in _rows(populations)}
    rural.update({c: r.get("rural_population") for c, r in sums.items() if r.get("rural_population") is not None})
    facts = _latest(_rows(village_facts), year)
    assessments = {r["code"]: r for r in _rows(county_facts) if r["year"] == year}
    out = []
    for unit in sorted(_rows(units), key=lambda u: u["code"]):
        designated, exited = unit.get("designated_year"), unit.get("exit_year")
        if designated is None or designated > year or (exited is not None and exited < year):
            continue
        code = unit["code"]
        if unit["level"] == "village" and spec.village_exit is not None:
            criteria = _village(code, sums.get(code), rural.get(code), facts.get(code), spec)
        elif unit["level"] == "county" and spec.county_exit is not None:
            criteria = _county(code, sums.get(code), rural.get(code), assessments.get(code), spec)
        else:
            continue
        out.append(UnitJudgement(code=code, level=unit["level"], may_exit=all(c.passed for c in criteria),
                                 criteria=criteria))
    return out


def count_exits(judgements: Iterable[UnitJudgement]) -> dict[str, dict[str, int]]:
    """{"village": {"judged": n, "may_exit": m}, "county": {...}} for a run's summary."""
    out: dict[str, dict[str, int]] = {}
    for j in judgements:
        level = out.setdefault(j.level, {"judged": 0, "may_exit": 0})
        level["judged"] += 1
        level["may_exit"] += int(j.may_exit)
    return out


__all__ = ["UNIT_SCHEMAS", "VILLAGE_HAVES", "Criterion", "UnitJudgement", "count_exits", "judge_units"]
