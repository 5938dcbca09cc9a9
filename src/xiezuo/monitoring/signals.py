"""Intake of signals that open cases: the engine's flags and department warnings.

`open_from_run` talks to the measurement engine only through
`xiezuo.measure.selectors.flagged_households(run)`, imported lazily so monitoring works (and
is tested with a fake list) before or without the engine. A flag is a mapping or object
with `household` (or `household_id`), `category` and `reasons` (risk-type codes, or reason
codes translated by REASON_TO_RISK).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from xiezuo.registry.models import Household

from . import services
from .models import RiskType, Source

# engine reason codes -> §2.5 risk types (codes that already are risk types pass through)
REASON_TO_RISK = {
    "illness": "01", "medical": "01", "medical_expense": "01", "high_medical_expense": "01",
    "disaster": "0299", "disability": "03", "lack_labour": "04", "no_labour": "04",
    "accident": "05", "business_failure": "06", "unemployment": "07", "unstable_employment": "07",
    "schooling": "09", "education_expense": "09", "dropout": "09",
}
# reasons that say only "income too low" (income_below_line, below_monitoring_line, rigid_expenditure,
# ...) map to nothing: without a specific risk the case opens with 99 (其他) and the home visit
# names the real risk types
# the engine's category codes -> ours
CATEGORY_MAP = {"sudden_difficulty": "sudden_hardship", "sudden_hardship": "sudden_hardship",
                "unstable_exited": "unstable_exited", "marginal": "marginal"}


@dataclass
class IntakeResult:
    opened: list = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (household number, why)


def risks_from_reasons(reasons) -> list[str]:
    out = []
    for r in reasons or ():
        code = str(r)
        risk = code if code in RiskType.values else REASON_TO_RISK.get(code)
        if risk and risk not in out:
            out.append(risk)
    return out[:5] or ["99"]


def category_from_flag(code: str) -> str:
    return CATEGORY_MAP.get(code or "", "")


def _get(flag, name, default=None):
    return flag.get(name, default) if isinstance(flag, dict) else getattr(flag, name, default)


def latest_published_run(year: int | None = None):
    try:
        from xiezuo.measure import selectors as measure_selectors
    except ImportError:
        return None
    finder = getattr(measure_selectors, "latest_published_run", None)
    return finder(year=year) if finder else None


def flagged_households(run) -> list:
    from xiezuo.measure import selectors as measure_selectors

    return list(measure_selectors.flagged_households(run))


def open_from_flags(flags, *, user, run_id: int | None = None, year: int | None = None, on=None) -> IntakeResult:
    """Open one case per flagged household; a household already open for those risks is skipped."""
    result = IntakeResult()
    for flag in flags:
        hh = _get(flag, "household")
        if hh is None:
            hh = Household.objects.filter(pk=_get(flag, "household_id")).first()
        elif not isinstance(hh, Household):
            hh = Household.objects.filter(pk=hh).first()
        if hh is None:
            result.skipped.append(("?", "unknown household"))
            continue
        risks = [r for r in risks_from_reasons(_get(flag, "reasons", ())) if r not in services.open_risks(hh)]
        if not risks:
            result.skipped.append((hh.number, "already open"))
            continue
        detail = "; ".join(str(r) for r in _get(flag, "reasons", ()) or ())
        category = _get(flag, "category", "") or ""
        try:
            case = services.case_open(household=hh, risk_types=risks, source=Source.ENGINE_FLAG, user=user,
                                      run_id=run_id, year=year, on=on,
                                      detail=f"{category}: {detail}" if category else detail)
        except ValidationError as exc:
            result.skipped.append((hh.number, "; ".join(exc.messages)))
            continue
        result.opened.append(case)
    return result


def open_from_run(run, user, *, on=None) -> IntakeResult:
    run_id = getattr(run, "pk", None) or getattr(run, "id", None)
    year = getattr(run, "year", None)
    return open_from_flags(flagged_households(run), user=user, run_id=run_id, year=year, on=on)
