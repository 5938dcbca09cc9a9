"""Reads of field work, always through the scope layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from .models import AssistanceMeasure


def measure_list(*, user) -> QuerySet[AssistanceMeasure]:
    return AssistanceMeasure.objects.restrict(user, "view").select_related("household")


def household_measures(*, user, household) -> QuerySet[AssistanceMeasure]:
    return AssistanceMeasure.objects.restrict(user, "view").filter(household=household).order_by("on", "id")


def case_measures(*, user, case) -> QuerySet[AssistanceMeasure]:
    return AssistanceMeasure.objects.restrict(user, "view").filter(case=case).order_by("on", "id")


@dataclass
class YearRow:
    """One year of a household: its income facts beside the measures it received."""

    year: int
    facts: object = None  # registry.HouseholdYear or None
    measures: list = field(default_factory=list)

    @property
    def total(self):
        return sum((m.amount for m in self.measures), Decimal("0.00"))


def household_years_with_measures(*, user, household, years) -> list[YearRow]:
    """Newest year first: every year with facts or measures (the household page, the phone page)."""
    rows: dict[int, YearRow] = {}
    for hy in years:
        rows[hy.year] = YearRow(year=hy.year, facts=hy)
    for m in household_measures(user=user, household=household):
        rows.setdefault(m.year, YearRow(year=m.year)).measures.append(m)
    return [rows[y] for y in sorted(rows, reverse=True)]


def my_households(*, user):
    """The cadre's households (their person responsible is the user's cadre record) and the households
    of the same villages with an open monitoring case; within the user's scope."""
    from django.db.models import Q

    from xiezuo.monitoring import workflow as wf
    from xiezuo.registry.models import Household

    qs = Household.objects.restrict(user, "view")
    account = getattr(user, "cadre_account", None) if getattr(user, "pk", None) else None
    if account is None:
        return qs.none()
    mine = Q(cadre_id=account.cadre_id)
    villages = list(qs.filter(mine).values_list("village_id", flat=True).distinct())
    with_cases = Q(village_id__in=villages, monitoring_cases__stage__in=wf.OPEN_STAGES)
    return qs.filter(mine | with_cases).distinct().select_related("village").order_by("village_id", "number")


def visited_this_month(*, households, today) -> dict[int, dt.date]:
    """household id -> the latest visit date in `today`'s month."""
    from django.db.models import Max

    from .models import Visit

    start = today.replace(day=1)
    rows = (Visit.objects.filter(household__in=households, on__gte=start, on__lte=today).values("household_id")
            .annotate(last=Max("on")))
    return {r["household_id"]: r["last"] for r in rows}


# ---------------------------------------------------------------- visits due (one definition, every page)
#
# A household is *due* one home visit a calendar month when it has a person responsible (帮扶责任人) and is
# not removed from the registry (错评剔除). This month's visit is *made* once it has a visit dated from the
# first of the month to today; it is *overdue* when the household has no visit since the first of the
# previous month either (last month's visit was missed and is still outstanding). The leader's dashboard,
# `/field/due/`, the cadre's phone page and `report figures` all count through the functions below.


def month_start(today: dt.date) -> dt.date:
    return today.replace(day=1)


def previous_month_start(today: dt.date) -> dt.date:
    return (month_start(today) - dt.timedelta(days=1)).replace(day=1)


def households_due(households: QuerySet) -> QuerySet:
    """The households of `households` due a visit each month (the definition above)."""
    from xiezuo.registry.choices import HouseholdStatus

    return households.filter(cadre__isnull=False).exclude(status=HouseholdStatus.REMOVED)


def _visited_since(day: dt.date, today: dt.date):
    from django.db.models import Exists, OuterRef

    from .models import Visit

    return Exists(Visit.objects.filter(household_id=OuterRef("pk"), on__gte=day, on__lte=today))


def with_visit_state(households: QuerySet, *, today: dt.date) -> QuerySet:
    """`households_due(households)` annotated `visit_made` and `visit_overdue` (booleans, this month)."""
    from django.db.models import Q

    return households_due(households).annotate(
        visit_made=_visited_since(month_start(today), today),
        visit_overdue=~Q(_visited_since(previous_month_start(today), today)))


@dataclass(frozen=True)
class VisitTally:
    """Visits due, made and overdue this month for one group of households (a division, a person)."""

    key: str = ""
    label: str = ""
    due: int = 0
    made: int = 0
    overdue: int = 0

    @property
    def missing(self) -> int:
        return self.due - self.made

    @property
    def percent(self) -> Decimal | None:
        """Share of the visits due that were made, in percent (None when nothing is due)."""
        if not self.due:
            return None
        return (Decimal(self.made) * 100 / Decimal(self.due)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _grouped(qs: QuerySet, group_by: dict) -> list[dict]:
    """due / made / overdue counts, one dict per group (one dict in all when `group_by` is empty)."""
    from django.db.models import Count, Q

    counts = {"due": Count("pk"), "made": Count("pk", filter=Q(visit_made=True)),
              "overdue": Count("pk", filter=Q(visit_overdue=True))}
    if not group_by:
        return [qs.order_by().aggregate(**counts)]
    return list(qs.order_by().annotate(**group_by).values(*group_by.keys()).annotate(**counts))


def visit_tally(households: QuerySet, *, today: dt.date) -> VisitTally:
    """This month's visits due, made and overdue over `households` (already scoped by the caller)."""
    row = _grouped(with_visit_state(households, today=today), {})[0]
    return VisitTally(due=row["due"] or 0, made=row["made"] or 0, overdue=row["overdue"] or 0)


def visit_tally_by_division(households: QuerySet, *, today: dt.date, divisions: list) -> list[VisitTally]:
    """One tally per division of `divisions` (all of one level), in their order; zero rows included."""
    from django.db.models.functions import Substr

    from xiezuo.geo.models import PREFIX_LENGTH

    if not divisions:
        return []
    n = PREFIX_LENGTH[divisions[0].level]
    rows = {r["part"]: r for r in _grouped(with_visit_state(households, today=today),
                                            {"part": Substr("village_id", 1, n)})}
    out = []
    for d in divisions:
        r = rows.get(d.prefix, {})
        out.append(VisitTally(key=d.code, label=d.name, due=r.get("due", 0), made=r.get("made", 0),
                              overdue=r.get("overdue", 0)))
    return out


def visit_tally_by_cadre(households: QuerySet, *, today: dt.date) -> list[VisitTally]:
    """One tally per person responsible (by id: two cadres may share a name), the least done first."""
    from django.db.models import F

    rows = _grouped(with_visit_state(households, today=today),
                    {"cadre_key": F("cadre_id"), "name": F("cadre__name"), "unit": F("cadre__work_unit")})
    out = [VisitTally(key=str(r["cadre_key"]), label=f"{r['name']}（{r['unit']}）" if r["unit"] else r["name"],
                      due=r["due"], made=r["made"], overdue=r["overdue"]) for r in rows]
    return sorted(out, key=lambda t: (t.made / t.due if t.due else 1, -t.overdue, t.label, t.key))


def figure_households(*, user) -> QuerySet:
    """The households a leader's visit figures count: the viewer's figure scope (`restrict_figures`: a county
    user's county, an eastern office's partner areas as numbers, never as rows)."""
    from xiezuo.registry.models import Household

    return Household.objects.restrict_figures(user)


def cadre_households(*, user) -> QuerySet:
    """The phone's count: the households whose person responsible is the signed-in cadre (scoped)."""
    from xiezuo.registry.models import Household

    account = getattr(user, "cadre_account", None) if getattr(user, "pk", None) else None
    if account is None:
        return Household.objects.none()
    return Household.objects.restrict(user, "view").filter(cadre_id=account.cadre_id)


PEOPLE_SHOWN = 200  # persons responsible listed at once; drill down to a township or village for the rest


@dataclass
class VisitOverview:
    """This month's visits in one division of the viewer's region: its total, its children side by side
    (linked one level down to the villages) and its persons responsible, the least done first."""

    today: dt.date
    division: object  # geo.Division or None (the viewer's region spans several divisions)
    total: VisitTally
    by_division: list[VisitTally]
    by_cadre: list[VisitTally]
    cadres: int  # how many persons responsible in all (by_cadre holds the first PEOPLE_SHOWN)
    drill: bool  # whether the children have children (a village is the last level)


def visit_overview(*, user, today: dt.date, division_code: str = "") -> VisitOverview | None:
    """The leader's view of visits due (the dashboard's card and `/field/due/`), over the viewer's region
    (`accounts.region`); `division_code` narrows it to a division inside the region (None when it is outside)."""
    from xiezuo.accounts.access import prefixes_q
    from xiezuo.accounts.region import viewer_region
    from xiezuo.geo.models import Division

    region = viewer_region(user)
    households = figure_households(user=user)
    if division_code:
        division = Division.objects.filter(code=division_code, side=Division.Side.WEST).first()
        if division is None or not region.contains(division.code):  # outside the viewer's region: nothing
            return None
        children = list(Division.objects.filter(parent=division).order_by("code"))
        households = households.filter(prefixes_q("village__code", [division.prefix]))
    else:
        division = region.root if len(region.divisions) == 1 else None
        children = (list(Division.objects.filter(parent=division).order_by("code")) if division is not None
                    else list(region.divisions))
        households = households.filter(prefixes_q("village__code", list(region.prefixes)))
    by_cadre = visit_tally_by_cadre(households, today=today)
    by_division = visit_tally_by_division(households, today=today, divisions=children)
    # the children cover every village under the division (or the region's divisions are the children), so the
    # total is their sum: one scan of the households fewer; a village (no children) is counted directly
    total = (VisitTally(due=sum(t.due for t in by_division), made=sum(t.made for t in by_division),
                        overdue=sum(t.overdue for t in by_division)) if children
             else visit_tally(households, today=today))
    return VisitOverview(
        today=today, division=division, total=total, by_division=by_division,
        by_cadre=by_cadre[:PEOPLE_SHOWN], cadres=len(by_cadre),
        drill=bool(children) and children[0].level != "village")
