"""Reads of the monitoring app, always through the scope layer (`Case.objects.restrict`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from xiezuo.accounts.access import get_scoped_or_404
from xiezuo.field.models import AssistanceMeasure

from . import workflow as wf
from .models import Attachment, Case, CaseStep


@dataclass
class CaseFilter:
    queue: str = ""  # "", "mine", "overdue", "open", "closed"
    county: str = ""
    category: str = ""
    stage: str = ""
    year: int | None = None
    overdue: bool = False

    @classmethod
    def from_query(cls, get) -> CaseFilter:
        year = get.get("year", "")
        return cls(queue=get.get("queue", "")[:10], county=get.get("county", "")[:12],
                   category=get.get("category", "")[:20], stage=get.get("stage", "")[:32],
                   year=int(year) if year.isdigit() else None, overdue=get.get("overdue") in ("1", "on", "true"))


def overdue_q(today: dt.date) -> Q:
    return Q(stage_due_on__lt=today) & Q(stage__in=wf.OPEN_STAGES)


def case_list(*, user, filters: CaseFilter | None = None, today: dt.date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    qs = Case.objects.restrict(user, "view").select_related("household", "household__village", "owner")
    f = filters or CaseFilter()
    if f.queue == "mine":
        qs = qs.filter(owner=user, stage__in=wf.OPEN_STAGES)
    elif f.queue == "overdue":
        qs = qs.filter(overdue_q(today))
    elif f.queue == "open":
        qs = qs.filter(stage__in=wf.OPEN_STAGES)
    elif f.queue == "closed":
        qs = qs.filter(stage__in=wf.TERMINAL)
    if f.overdue:
        qs = qs.filter(overdue_q(today))
    if f.county.isdigit():
        qs = qs.filter(household__village__code__startswith=f.county[:6] if len(f.county) >= 6 else f.county)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.stage:
        qs = qs.filter(stage=f.stage)
    if f.year:
        qs = qs.filter(year=f.year)
    return qs.order_by("stage_due_on", "-opened_on", "-id")


def case_detail(*, user, pk: int) -> Case:
    return get_scoped_or_404(Case.objects.select_related("household", "household__village", "owner"), user,
                             "view", pk=pk)


def case_steps(*, user, case: Case) -> QuerySet[CaseStep]:
    return CaseStep.objects.restrict(user, "view").filter(case=case).order_by("on", "id")


def case_measures(*, user, case: Case) -> QuerySet[AssistanceMeasure]:
    """The case's measures: the household's measures that name the case (`xiezuo.field`)."""
    from xiezuo.field.selectors import case_measures as field_case_measures

    return field_case_measures(user=user, case=case)


def case_attachments(*, user, case: Case) -> QuerySet[Attachment]:
    return Attachment.objects.restrict(user, "view").filter(case=case)


def attachment_detail(*, user, pk: int) -> Attachment:
    return get_scoped_or_404(Attachment.objects.all(), user, "view", pk=pk)


def can_change(*, user, case: Case) -> bool:
    return Case.objects.restrict(user, "change").filter(pk=case.pk).exists()


def cases_for_household(*, user, household) -> QuerySet[Case]:
    """A household's case history (newest first), for the household page."""
    return (Case.objects.restrict(user, "view").filter(household=household)
            .prefetch_related("steps").order_by("-opened_on", "-id"))


def case_counts(user, year: int | None = None, today: dt.date | None = None) -> dict:
    """Counts for the dashboard: totals, by county, by category, by stage, overdue, mine."""
    today = today or timezone.localdate()
    qs = Case.objects.restrict(user, "view")
    if year:
        qs = qs.filter(year=year)
    open_qs = qs.filter(stage__in=wf.OPEN_STAGES)
    by_stage = {row["stage"]: row["n"] for row in qs.values("stage").annotate(n=Count("id"))}
    by_category = {row["category"] or "undecided": row["n"]
                   for row in qs.values("category").annotate(n=Count("id"))}
    by_county: dict[str, dict] = {}
    for row in qs.values("county_code").annotate(
            total=Count("id"), open=Count("id", filter=Q(stage__in=wf.OPEN_STAGES)),
            overdue=Count("id", filter=overdue_q(today)), closed=Count("id", filter=Q(stage=wf.CLOSED))):
        by_county[row["county_code"]] = {k: row[k] for k in ("total", "open", "overdue", "closed")}
    return {
        "year": year,
        "total": sum(by_stage.values()),
        "open": open_qs.count(),
        "overdue": qs.filter(overdue_q(today)).count(),
        "mine": open_qs.filter(owner=user).count() if getattr(user, "pk", None) else 0,
        "risk_eliminated": by_stage.get(wf.CLOSED, 0),
        "by_stage": {s: by_stage.get(s, 0) for s in wf.STAGES},
        "by_category": by_category,
        "by_county": by_county,
    }


def case_rows(*, user, filters: CaseFilter | None = None, today: dt.date | None = None):
    """Plain dicts for the CLI and exports (no unmasked personal data)."""
    today = today or timezone.localdate()
    for c in case_list(user=user, filters=filters, today=today).iterator(chunk_size=2000):
        yield {
            "id": c.pk, "case": str(c), "household": c.household.number, "head": c.household.head_name,
            "village": c.household.village_id, "county": c.county_code, "year": c.year,
            "risk_types": c.risk_types, "source": c.source, "category": c.category, "stage": c.stage,
            "opened_on": c.opened_on.isoformat(), "stage_due_on": c.stage_due_on.isoformat() if c.stage_due_on else None,
            "identified_on": c.identified_on.isoformat() if c.identified_on else None,
            "closed_on": c.closed_on.isoformat() if c.closed_on else None,
            "overdue": c.is_overdue(today), "owner": c.owner.username if c.owner else None,
            "income_at_identification": str(c.income_at_identification) if c.income_at_identification is not None
            else None,
        }
