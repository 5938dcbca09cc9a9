"""Monitoring benchmark: the demo build and the work-queue reads on the current database.

Usage (after `xiezuo demo --no-serve --scale S`, or with the geo, registry and accounts demos built):
    XIEZUO_DATA_DIR=... .venv/bin/python bench/monitoring_cases.py [--rebuild] [--seed N]
Prints the machine, the number of cases, the build time and the time of each read.
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true", help="rebuild the monitoring demo first")
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    import django

    django.setup()
    from django.db import connection

    from xiezuo.monitoring import demo, selectors, services
    from xiezuo.registry.models import Household

    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = fh.readline().split(":")[1].strip()
    except OSError:
        pass
    print(f"machine: {platform.machine()} {os.cpu_count()} cpus, memory {mem}, database {connection.vendor}")
    print(f"households: {Household.objects.count():,}")
    if args.rebuild:
        stats = demo.build(seed=args.seed, log=print)
        print(f"demo build: {stats['cases']:,} cases, {stats['steps']:,} steps, {stats['measures']:,} measures "
              f"in {stats['seconds']} s")
    admin = services.SystemUser()

    def timed(label, fn, repeat=3):
        best = float("inf")
        result = None
        for _ in range(repeat):
            t = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - t)
        print(f"{label}: {best * 1000:.1f} ms")
        return result

    counts = timed("case_counts (all years)", lambda: selectors.case_counts(admin))
    print(f"  cases {counts['total']:,}, open {counts['open']:,}, overdue {counts['overdue']:,}, "
          f"risk eliminated {counts['risk_eliminated']:,}")
    timed("case_counts (2026)", lambda: selectors.case_counts(admin, year=2026))
    timed("overdue queue, first 50", lambda: list(selectors.case_list(
        user=admin, filters=selectors.CaseFilter(queue="overdue"))[:50]))
    timed("open cases of one county, first 50", lambda: list(selectors.case_list(
        user=admin, filters=selectors.CaseFilter(queue="open", county="510821"))[:50]))
    rows = timed("CLI rows (all cases)", lambda: list(selectors.case_rows(user=admin)), repeat=1)
    print(f"  {len(rows):,} rows")


if __name__ == "__main__":
    main()
