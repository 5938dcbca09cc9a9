"""Assistance measures in `xiezuo report figures`: how many were recorded in the year, for how many households."""

from __future__ import annotations

from django.db.models import Count

from .models import AssistanceMeasure


def book_figures(*, year: int) -> dict:
    row = AssistanceMeasure.objects.filter(year=year).aggregate(
        n=Count("id"), households=Count("household_id", distinct=True))
    return {"assistance_measures": row["n"], "households_with_measures": row["households"]}
