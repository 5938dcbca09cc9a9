"""Assistance measures in `xiezuo report figures`: how many were recorded in the year, for how many
households, in the divisions under `prefixes` (the installation's region unless given)."""

from __future__ import annotations

from django.db.models import Count

from xiezuo.accounts.access import prefixes_q
from xiezuo.plugins import figure_prefixes

from .models import AssistanceMeasure


def book_figures(*, year: int, prefixes: list[str] | None = None) -> dict:
    region = figure_prefixes(prefixes)
    row = AssistanceMeasure.objects.filter(prefixes_q("household__village__code", region), year=year).aggregate(
        n=Count("id"), households=Count("household_id", distinct=True))
    return {"assistance_measures": row["n"], "households_with_measures": row["households"]}
