"""The monitoring threshold (防返贫监测范围) for a year.

Asked of the policy app first (`xiezuo.policy.selectors.monitoring_threshold`, if present);
otherwise the documented fallback of `workflow.fallback_threshold`: 6,000 yuan in 2021 (the
national floor, domain brief §3.2), then +5 % a year.
"""

from __future__ import annotations

from decimal import Decimal

from . import workflow


def monitoring_threshold(year: int, division_code: str = "") -> Decimal:
    try:
        from xiezuo.policy import selectors as policy_selectors
    except ImportError:
        policy_selectors = None
    lookup = getattr(policy_selectors, "monitoring_threshold", None) if policy_selectors else None
    if lookup is not None:
        try:
            value = lookup(year=year, division_code=division_code)
        except TypeError:
            value = lookup(year=year)
        except Exception:  # noqa: BLE001 — no policy for that year: fall back
            value = None
        if value is not None:
            return Decimal(value)
    return workflow.fallback_threshold(year)
