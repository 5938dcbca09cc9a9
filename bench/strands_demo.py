"""Benchmark: the labour, consumption and talent demos, then their book figures and list pages.

    .venv/bin/python bench/strands_demo.py --scale 1.0             # fresh data dir, full scale
    .venv/bin/python bench/strands_demo.py --scale 0.1 --data-dir /tmp/xz-x

Builds geo and registry first (timed separately, not part of these apps), then each of
labor, consumption and talent twice (the second run replaces the first), the figures for 2020,
and the first page of each list as an admin and a county user. Prints seconds, rows and the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path


def machine() -> str:
    kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
    return f"{os.cpu_count()} cores (nproc), {kb / 1024 / 1024:.1f} GiB memory"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    os.environ["XIEZUO_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="xz-bench-strands-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    print(f"machine: {machine()}; database: {connection.vendor}; scale {args.scale}")

    def quiet(_m):
        pass

    from xiezuo.accounts import demo as accounts_demo
    from xiezuo.geo import demo as geo_demo
    from xiezuo.registry import demo as registry_demo

    t = time.perf_counter()
    geo_demo.build(scale=args.scale, seed=args.seed, log=quiet)
    registry_demo.build(scale=args.scale, seed=args.seed, log=quiet)
    accounts_demo.build(scale=args.scale, seed=args.seed, log=quiet)
    print(f"prerequisites (geo, registry, accounts): {time.perf_counter() - t:.1f} s")

    from xiezuo.consumption import demo as consumption_demo
    from xiezuo.labor import demo as labor_demo
    from xiezuo.talent import demo as talent_demo

    for name, module in (("labor", labor_demo), ("consumption", consumption_demo), ("talent", talent_demo)):
        for run in ("build", "replace"):
            t = time.perf_counter()
            stats = module.build(scale=args.scale, seed=args.seed, log=quiet)
            print(f"{name} {run}: {time.perf_counter() - t:.2f} s {stats}")

    from xiezuo.plugins import book_figures

    t = time.perf_counter()
    figures = book_figures(year=2020)
    keys = ("workstations", "workshops", "labour_placed_poor", "students_east", "consumption_sales_yuan")
    print(f"figures 2020 ({time.perf_counter() - t:.2f} s, all apps): " + ", ".join(f"{k}={figures.get(k)}"
                                                                                   for k in keys))
    from django.test import Client

    from xiezuo.accounts.models import User

    for username in ("admin", "qingchuan"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        for url in ("/labor/placements/", "/labor/placements/?year=2019", "/consumption/sales/",
                    "/talent/exchanges/", "/talent/sessions/"):
            t = time.perf_counter()
            status = client.get(url).status_code
            print(f"{username} GET {url}: {status} in {(time.perf_counter() - t) * 1000:.0f} ms")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
