"""Reads of policy versions."""

from __future__ import annotations

from decimal import Decimal

from .models import PolicyVersion


def policy_for(*, year: int, name: str | None = None, province_code: str = "") -> PolicyVersion | None:
    """The version to run for `year`: by name, else the published `national-<year>`, else any published one."""
    qs = PolicyVersion.objects.all()
    if name:
        return qs.filter(name=name).first()
    qs = qs.filter(year=year, status=PolicyVersion.Status.PUBLISHED)
    if province_code:
        qs = qs.filter(province__code__startswith=province_code[:2])
    return qs.filter(name=f"national-{year}").first() or qs.order_by("name").first()


def monitoring_threshold(*, year: int, division_code: str = "") -> Decimal | None:
    policy = policy_for(year=year, province_code=division_code)
    value = policy.parameters.get("monitoring_threshold") if policy else None
    return Decimal(str(value)) if value not in (None, "") else None


def policy_list(*, user):
    return PolicyVersion.objects.restrict(user, "view").select_related("province")
