"""Reads of runs and results, always through the scope layer for household and division rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiezuo.accounts.access import get_scoped_or_404

from .explain import (  # noqa: F401 (re-exported: pages read them here)
    CATEGORY_TEXT,
    CRITERION_TEXT,
    MPI_INDICATOR_TEXT,
    STATUS_TEXT,
    Explanation,
    explain,
)
from .models import DivisionResult, HouseholdResult, Run


def latest_published_run(year: int | None = None) -> Run | None:
    qs = Run.objects.filter(published=True, status=Run.Status.SUCCEEDED)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "-id").select_related("policy").first()


def run_list(*, what_if: bool | None = None) -> QuerySet[Run]:
    qs = Run.objects.select_related("policy").order_by("-id")
    return qs if what_if is None else qs.filter(what_if=what_if)


def household_result(user, household, run: Run | None = None) -> HouseholdResult | None:
    """The household's result in `run` (default: the latest published run of any year), scoped."""
    run = run or latest_published_run()
    if run is None:
        return None
    hid = getattr(household, "pk", household)
    qs = HouseholdResult.objects.restrict(user, "view").filter(run=run, household_id=hid)
    return qs.select_related("run__policy", "household", "village").first()


def household_result_or_404(user, *, run: Run, household_id: int) -> HouseholdResult:
    return get_scoped_or_404(HouseholdResult.objects.select_related("run__policy", "household", "village"), user,
                             run=run, household_id=household_id)


def division_results(user, run: Run, parent_code: str | None = None) -> QuerySet[DivisionResult]:
    """The run's results for the children of `parent_code` (the top level when empty), scoped."""
    qs = DivisionResult.objects.restrict(user, "view").filter(run=run).select_related("division")
    if parent_code:
        return qs.filter(parent_code=parent_code).order_by("division_id")
    return qs.filter(level="province").order_by("division_id")


@dataclass
class Flag:
    household_id: int
    household: object
    category: str
    reasons: list[str]
    pcni: Decimal
    village_code: str


def flagged_households(run: Run) -> list[Flag]:
    """Households the run flags for monitoring (status monitored), with category and reason codes.

    System use (the monitoring app's intake), not scoped to a user."""
    rows = (HouseholdResult.objects.filter(run=run, status="monitored").select_related("household")
            .order_by("household_id"))
    return [Flag(household_id=r.household_id, household=r.household, category=r.category,
                 reasons=[c for c in r.reasons.split(",") if c], pcni=r.pcni, village_code=r.village_id)
            for r in rows]


def status_changes(user, *, run: Run, base: Run, level: str = "county") -> list[dict]:
    """Households entering and leaving each status between `base` and `run`, by county or township."""
    n = {"county": 6, "township": 9}[level]
    new = dict(HouseholdResult.objects.restrict(user, "view").filter(run=run).values_list("household_id", "status"))
    old = HouseholdResult.objects.restrict(user, "view").filter(run=base).values_list("household_id", "status",
                                                                                       "village_id")
    table: dict[tuple[str, str], dict] = {}
    villages = dict(HouseholdResult.objects.filter(run=run).values_list("household_id", "village_id"))
    seen = set()
    for hid, before, village in old:
        seen.add(hid)
        after = new.get(hid)
        if after == before:
            continue
        code = village[:n].ljust(12, "0")
        table.setdefault((code, before), {"entering": 0, "leaving": 0})["leaving"] += 1
        if after is not None:
            table.setdefault((code, after), {"entering": 0, "leaving": 0})["entering"] += 1
    for hid, after in new.items():
        if hid not in seen:
            code = villages[hid][:n].ljust(12, "0")
            table.setdefault((code, after), {"entering": 0, "leaving": 0})["entering"] += 1
    from xiezuo.geo.models import Division

    names = dict(Division.objects.filter(code__in={c for c, _s in table}).values_list("code", "name"))
    return [{"code": code, "name": names.get(code, code), "status": status,
             "status_label": STATUS_TEXT.get(status, status), **counts} for (code, status), counts in sorted(table.items())]


def status_totals(run: Run) -> dict[str, int]:
    return dict(HouseholdResult.objects.filter(run=run).values_list("status").annotate(n=Count("id"))
                .values_list("status", "n"))


# --- poor villages and counties (engine.units) -----------------------------------------------------------------

UNIT_CRITERION_TEXT = {
    "incidence": gettext_lazy("poverty incidence (registry)"),
    "comprehensive_incidence": gettext_lazy("comprehensive poverty incidence"),
    "wrong_exit_rate": gettext_lazy("wrong-exit rate"),
    "missed_poor_rate": gettext_lazy("missed-poor rate"),
    "public_approval": gettext_lazy("public approval"),
    "collective_income": gettext_lazy("collective economy income"),
    "hardened_road": gettext_lazy("hardened road to the village"),
    "clinic": gettext_lazy("village clinic"),
    "cultural_room": gettext_lazy("cultural room or activity venue"),
    "telecom": gettext_lazy("telecom network"),
}
UNIT_REASON_TEXT = {
    "incidence_too_high": gettext_lazy("incidence not below the limit"),
    "comprehensive_incidence_too_high": gettext_lazy("comprehensive incidence not below the limit"),
    "wrong_exit_rate_too_high": gettext_lazy("wrong-exit rate not below the limit"),
    "missed_poor_rate_too_high": gettext_lazy("missed-poor rate not below the limit"),
    "approval_too_low": gettext_lazy("public approval below the minimum"),
    "population_not_recorded": gettext_lazy("rural population not recorded"),
    "assessment_not_recorded": gettext_lazy("no third-party assessment recorded for the year"),
    "facts_not_recorded": gettext_lazy("village facts not recorded"),
    "no_collective_income": gettext_lazy("no collective economy income"),
    "no_hardened_road": gettext_lazy("no hardened road"),
    "no_clinic": gettext_lazy("no village clinic"),
    "no_cultural_room": gettext_lazy("no cultural room"),
    "no_telecom": gettext_lazy("no telecom network"),
}
RATES = ("incidence", "comprehensive_incidence", "wrong_exit_rate", "missed_poor_rate", "public_approval")


def _unit_value(name: str, value: str | None) -> str:
    from xiezuo.web import numformat

    if value is None:
        return _("not recorded")
    if name in RATES:
        return numformat.percent(Decimal(value) * 100, 2)
    if name == "collective_income":
        return numformat.yuan(value)
    return _("yes") if value == "1" else _("no")


def _unit_limit(name: str, limit: str | None) -> str:
    from xiezuo.web import numformat

    if limit is None:
        return _("present")
    if name == "public_approval":
        return _("at least %(limit)s") % {"limit": numformat.percent(Decimal(limit) * 100, 0)}
    if name == "collective_income":
        return _("more than 0, at least %(limit)s") % {"limit": numformat.yuan(limit)}
    return _("below %(limit)s") % {"limit": numformat.percent(Decimal(limit) * 100, 0)}


def unit_criteria(result) -> list[dict]:
    """A UnitResult's criteria in words: label, value, limit, passed, and why not."""
    return [{"name": c["name"], "label": UNIT_CRITERION_TEXT.get(c["name"], c["name"]),
             "value": _unit_value(c["name"], c["value"]), "limit": _unit_limit(c["name"], c["limit"]),
             "passed": c["passed"], "reason": UNIT_REASON_TEXT.get(c["reason"], c["reason"]) if c["reason"] else ""}
            for c in result.criteria]


def unit_result(user, *, code: str, year: int):
    """The division's judgement in the latest published run of `year`, if it was judged and the user sees it."""
    from .models import UnitResult

    run = latest_published_run(year=year)
    if run is None:
        return None
    return UnitResult.objects.restrict(user, "view").filter(run=run, division_id=code).select_related("run").first()


def units_may_exit(user, *, year: int, prefixes: list[str] | None) -> dict[str, int | None]:
    """Designated villages and counties meeting their exit criteria in the latest published run of `year`,
    within `prefixes` and the user's scope; None for a level not judged in that run."""
    from django.db.models import Q

    from xiezuo.accounts.access import prefixes_q

    from .models import UnitResult

    run = latest_published_run(year=year)
    out: dict[str, int | None] = {"village": None, "county": None}
    if run is None:
        return out
    rows = UnitResult.objects.restrict_figures(user).filter(prefixes_q("division__code", prefixes), run=run)
    for r in rows.values("level").annotate(judged=Count("pk"), may=Count("pk", filter=Q(may_exit=True))):
        out[r["level"]] = r["may"]
    return out
