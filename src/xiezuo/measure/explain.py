"""Plain words for a household's result: why it has its status, with the numbers behind them.

Kept apart from `selectors` so that `models.HouseholdResult.explanation` can use it without an import cycle
(models -> explain only; selectors imports both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from .models import HouseholdResult


def _yuan(value) -> str:
    return f"{Decimal(str(value)):,.0f}" if Decimal(str(value)) == Decimal(str(value)).to_integral_value() \
        else f"{Decimal(str(value)):,.2f}"


CRITERION_TEXT = {
    "c_food": gettext_lazy("no worry about food"), "c_clothing": gettext_lazy("no worry about clothing"),
    "c_education": gettext_lazy("compulsory education guaranteed"), "c_medical": gettext_lazy("basic medical insurance for all members"),
    "c_housing": gettext_lazy("safe housing (grade A or B)"), "c_water": gettext_lazy("safe drinking water"),
}
STATUS_TEXT = {
    "poor": gettext_lazy("poor"), "may_exit": gettext_lazy("may exit"), "exited": gettext_lazy("exited"), "monitored": gettext_lazy("monitored"),
    "not_poor": gettext_lazy("not poor"),
}
# The shipped MPI indicators by name (a policy may define others: those show their own name).
MPI_INDICATOR_TEXT = {
    "nutrition": gettext_lazy("nutrition"), "health_risk": gettext_lazy("health risk"),
    "schooling": gettext_lazy("years of schooling"), "attendance": gettext_lazy("school attendance"),
    "cooking_fuel": gettext_lazy("cooking fuel"), "sanitation": gettext_lazy("sanitation"),
    "drinking_water": gettext_lazy("drinking water"), "electricity": gettext_lazy("electricity"),
    "housing": gettext_lazy("housing"), "assets": gettext_lazy("assets"), "food": gettext_lazy("food"),
    "clothing": gettext_lazy("clothing"), "compulsory_education": gettext_lazy("compulsory education"),
    "basic_medical": gettext_lazy("basic medical insurance"), "safe_housing": gettext_lazy("safe housing"),
    "safe_water": gettext_lazy("safe drinking water"),
}
CATEGORY_TEXT = {
    "unstable_exited": gettext_lazy("unstable exited household"), "marginal": gettext_lazy("marginal household prone to poverty"),
    "sudden_difficulty": gettext_lazy("household in sudden severe difficulty"),
}


@dataclass
class Explanation:
    result: HouseholdResult
    status: str
    sentences: list[str] = field(default_factory=list)
    criteria: list[dict] = field(default_factory=list)


def explain(result: HouseholdResult) -> Explanation:
    """Plain words for why a household has its status, with the numbers behind them."""
    params = result.run.policy.parameters
    line = Decimal(str(params["poverty_line"]))
    exit_line = Decimal(str(params.get("exit_income_line") or params["poverty_line"]))
    threshold = params.get("monitoring_threshold")
    pcni = result.pcni
    out = Explanation(result=result, status=str(STATUS_TEXT.get(result.status, result.status)))
    v = {"pcni": _yuan(pcni), "line": _yuan(line), "exit": _yuan(exit_line)}
    if result.below_line:
        out.sentences.append(_("per-capita income %(pcni)s yuan is below the poverty line %(line)s yuan") % v)
    if threshold:
        v["threshold"] = _yuan(threshold)
        if result.below_monitoring:
            out.sentences.append(
                _("per-capita income %(pcni)s yuan is below the monitoring threshold %(threshold)s yuan") % v)
        elif result.category == "sudden_difficulty":
            v["after"] = _yuan(result.pcni_after_rigid)
            out.sentences.append(_("after medical and education spending, per-capita income is %(after)s yuan, "
                                   "below the monitoring threshold %(threshold)s yuan") % v)
        else:
            out.sentences.append(
                _("per-capita income %(pcni)s yuan is at or above the monitoring threshold %(threshold)s yuan") % v)
    if result.registered_active:
        if result.c_income:
            out.sentences.append(_("per-capita income %(pcni)s yuan is above the exit line %(exit)s yuan") % v)
        else:
            out.sentences.append(_("per-capita income %(pcni)s yuan is not above the exit line %(exit)s yuan") % v)
        failing = [str(text) for name, text in CRITERION_TEXT.items() if not getattr(result, name)]
        if failing:
            out.sentences.append(_("not yet met: %(items)s") % {"items": ", ".join(failing)})
    if result.category:
        out.sentences.append(_("monitoring category: %(cat)s") % {"cat": CATEGORY_TEXT.get(result.category,
                                                                                            result.category)})
    if result.mpi_poor:
        out.sentences.append(_("multidimensionally poor: deprivation score %(score).2f (deprived in %(items)s)")
                             % {"score": result.mpi_score, "items": result.deprived.replace(",", ", ")})
    out.criteria = [{"name": "income", "label": gettext_lazy("income above the exit line"), "value": pcni,
                     "threshold": exit_line, "passed": result.c_income}] + [
        {"name": name[2:], "label": text, "value": None, "threshold": None, "passed": getattr(result, name)}
        for name, text in CRITERION_TEXT.items()]
    return out
