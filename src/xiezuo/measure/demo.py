"""Measure part of `xiezuo demo`: run and publish every year 2013-2026 under the shipped policies.

Previous demo runs are removed first (their results cascade). Inputs are read once per year
in bulk; each run is a few seconds at full scale.
"""

from __future__ import annotations

from collections.abc import Callable

YEARS = range(2013, 2027)


def build(*, scale: float = 1.0, seed: int = 2013, log: Callable[[str], None] = print,
          region: object = None) -> dict:  # noqa: ARG001 (the same for every region)
    from xiezuo.policy.selectors import policy_for

    from .models import Run
    from .services import run_execute, runs_delete

    runs_delete(runs=Run.objects.all())
    runs = []
    for year in YEARS:
        policy = policy_for(year=year)
        if policy is None:
            log(f"measure: no policy for {year}; skipped")
            continue
        run = run_execute(year=year, policy=policy, publish=True, log=lambda _m: None)
        runs.append(run)
        s = run.summary
        log(f"measure: {year} run #{run.pk}: {s.get('households')} FGT0 {s.get('fgt0', 0):.4f} "
            f"M0 {s.get('M0', 0):.4f} ({run.timings.get('elapsed')} s)")
    return {"runs": len(runs)}
