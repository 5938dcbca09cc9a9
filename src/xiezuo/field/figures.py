"""Field work in `xiezuo report figures`, in the divisions under `prefixes` (the installation's region unless
given): the assistance measures recorded in the year and the households they reached, and the year's home
visits, due against made, counted in household-months with the one definition of `selectors.households_due`
(a household with a person responsible is due a visit each month; a month counts as made once it has a visit).
Due uses today's assignments, for the months of the year from the region's first recorded visit (visits were
kept on paper before the app) up to the current month."""

from __future__ import annotations

from django.db.models import Count, Min
from django.db.models.functions import TruncMonth
from django.utils import timezone

from xiezuo.accounts.access import prefixes_q
from xiezuo.plugins import figure_prefixes
from xiezuo.registry.models import Household

from .models import AssistanceMeasure, Visit
from .selectors import households_due


def months_due(year: int, today, first) -> int:
    """How many months of `year` a visit has been due by `today`, counting from the month of `first` (the
    first visit recorded; none recorded: none due)."""
    if first is None or year < first.year or year > today.year:
        return 0
    start = first.month if year == first.year else 1
    end = today.month if year == today.year else 12
    return max(0, end - start + 1)


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    region = figure_prefixes(prefixes)
    row = AssistanceMeasure.objects.filter(prefixes_q("household__village__code", region), year=year).aggregate(
        n=Count("id"), households=Count("household_id", distinct=True))
    today = timezone.localdate()
    due = households_due(Household.objects.filter(prefixes_q("village__code", region)))
    visits = Visit.objects.filter(prefixes_q("household__village__code", region))
    first = visits.aggregate(first=Min("on"))["first"]
    made = (visits.filter(household__in=due, on__year=year, on__lte=today)
            .annotate(month=TruncMonth("on")).values("household_id", "month").distinct().count())
    return {"assistance_measures": row["n"], "households_with_measures": row["households"],
            "visits_due": due.count() * months_due(year, today, first), "visits_made": made}
