"""Figures from the latest published run of a year, merged into `xiezuo report figures` (xiezuo.plugins):
how many designated poor villages and counties meet their exit criteria in the year (engine.units)."""

from __future__ import annotations

from django.db.models import Count, Q

from xiezuo.accounts.access import prefixes_q

from .models import UnitResult
from .selectors import latest_published_run


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    run = latest_published_run(year=year)
    if run is None:
        return {"poor_villages_may_exit": None, "poor_counties_may_exit": None}
    rows = UnitResult.objects.filter(prefixes_q("division__code", prefixes), run=run)
    out = {}
    for level, key in (("village", "poor_villages_may_exit"), ("county", "poor_counties_may_exit")):
        agg = rows.filter(level=level).aggregate(judged=Count("pk"), may=Count("pk", filter=Q(may_exit=True)))
        # None when the run's policy judges no unit of the level (no rule, or none left to judge)
        out[key] = agg["may"] if agg["judged"] else None
    return out
