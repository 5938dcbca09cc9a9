"""Reads of poor villages and counties (unit_models): the engine's inputs, counts for figures and pages."""

from __future__ import annotations

from django.db.models import Count, Q

from xiezuo.accounts.access import prefixes_q

from .unit_models import CountyAssessment, PoorUnit, VillageFacts

LEVELS = {"village": "poor_villages", "county": "poor_counties"}  # level -> figure key
HAVES = ("collective_income", "hardened_road", "clinic", "cultural_room", "telecom")


def unit_inputs(*, year: int) -> dict[str, list[dict]]:
    """What `measure.engine.units.judge_units` reads besides the run's sums, for every division (a run covers
    the whole registry): the designations, village facts up to `year` and the county assessments of `year`.
    Money as integer fen, rates as Decimal."""
    units = [{"code": c, "level": lvl, "designated_year": d, "exit_year": e} for c, lvl, d, e in
             PoorUnit.objects.values_list("division_id", "level", "designated_year", "exit_year")]
    facts = []
    for row in VillageFacts.objects.filter(year__lte=year).values("village_id", "year", *HAVES):
        income = row.pop("collective_income")
        facts.append({"code": row.pop("village_id"), **row,
                      "collective_income": None if income is None else int(income * 100)})
    assessments = [{"code": c, "year": y, "wrong_exit_rate": w, "missed_poor_rate": m, "public_approval": a}
                   for c, y, w, m, a in CountyAssessment.objects.filter(year=year).values_list(
                       "county_id", "year", "wrong_exit_rate", "missed_poor_rate", "public_approval")]
    return {"units": units, "village_facts": facts, "county_facts": assessments}


def unit_counts(*, year: int, prefixes: list[str] | None) -> dict[str, int]:
    """Per level, within `prefixes` (None = everything): designated by the end of `year`, exited by then, and
    exited in `year`. Keys poor_villages, poor_villages_exited, poor_villages_exited_in_year, and the same for
    counties."""
    qs = PoorUnit.objects.filter(prefixes_q("division__code", prefixes), designated_year__lte=year)
    out: dict[str, int] = {}
    for level, name in LEVELS.items():
        agg = qs.filter(level=level).aggregate(
            designated=Count("pk"), exited=Count("pk", filter=Q(exit_year__lte=year)),
            exited_in_year=Count("pk", filter=Q(exit_year=year)))
        out[name] = agg["designated"]
        out[f"{name}_exited"] = agg["exited"]
        out[f"{name}_exited_in_year"] = agg["exited_in_year"]
    return out


def exits_by_year(*, prefixes: list[str] | None, level: str) -> dict[int, int]:
    """Recorded exits of a level per year, within `prefixes`."""
    rows = (PoorUnit.objects.filter(prefixes_q("division__code", prefixes), level=level, exit_year__isnull=False)
            .values("exit_year").annotate(n=Count("pk")).order_by("exit_year"))
    return {r["exit_year"]: r["n"] for r in rows}


def poor_unit(*, user, code: str) -> PoorUnit | None:
    """The designation of division `code`, if the user may see it."""
    return PoorUnit.objects.restrict(user, "view").filter(division_id=code).first()


def village_facts(*, user, code: str, year: int) -> VillageFacts | None:
    """A village's latest facts up to `year` (as the engine reads them)."""
    return (VillageFacts.objects.restrict(user, "view").filter(village_id=code, year__lte=year)
            .order_by("-year").first())


def county_assessment(*, user, code: str, year: int) -> CountyAssessment | None:
    return CountyAssessment.objects.restrict(user, "view").filter(county_id=code, year=year).first()


def division_units(*, user, division, year: int) -> dict | None:
    """The poor villages and counties of `division` (the part the user may see) for its page: the counts of
    `unit_counts`, the recorded village exits by year, and the division's own designation; None when the
    division has none of them in the user's sight."""
    from xiezuo.accounts.access import figure_prefixes
    from xiezuo.geo.selectors import parts_within

    parts = parts_within(prefix=division.prefix, scope=figure_prefixes(user))
    if not parts:
        return None
    counts = unit_counts(year=year, prefixes=parts)
    own = poor_unit(user=user, code=division.code)
    if not own and not any(counts.values()):
        return None
    return {"parts": parts, "counts": counts, "own": own, "own_status": own.status_in(year) if own else "",
            "village_exits": exits_by_year(prefixes=parts, level="village")}


def poor_unit_list(*, user, level: str = "", prefix: str = "", year: int | None = None):
    """The poor villages and counties the user may see, under `prefix`, designated by `year` (if given)."""
    qs = PoorUnit.objects.restrict(user, "view").select_related("division", "division__parent")
    if level in LEVELS:
        qs = qs.filter(level=level)
    if prefix:
        qs = qs.filter(division__code__startswith=prefix)
    if year is not None:
        qs = qs.filter(designated_year__lte=year)
    return qs.order_by("level", "division_id")
