"""Benchmark: the assessment dashboard and the division pages over a synthetic registry.

    .venv/bin/python bench/dashboard.py                     # demo registry at scale 1.0 (107,750 households)
    .venv/bin/python bench/dashboard.py --scale 9.3         # ≈ 1 M households (generation ~10 min, 25 under load)
    .venv/bin/python bench/dashboard.py --requests 50
    .venv/bin/python bench/dashboard.py --data-dir /tmp/xz-1m    # reuse a data dir built before (no rebuild)

Builds geo + registry demo data in a fresh SQLite data dir (the embedded default), then times
in-process requests (Django test client, logged-in administrator): the dashboard page, its JSON
cold (cache cleared before each request) and warm (the 300 s cache), the indicator table, a trace
page (first and 50th page) and the division page (web:home) at city and county level. Prints
p50/p95/p99 in ms and the machine. With `--data-dir` of an existing build the registry is reused
(migrations applied, the per-village summary refreshed and timed) so code can be re-measured without
regenerating a million households.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path


def machine() -> str:
    mem = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(meminfo.read_text().split("\n")[0].split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    import sqlite3

    return (f"{os.cpu_count()} CPUs{mem}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"load average {os.getloadavg()[0]:.1f}")


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--data-dir", default="")
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="xz-bench-dash-")
    os.environ["XIEZUO_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from xiezuo.accounts.models import User
    from xiezuo.registry.models import Household

    call_command("migrate", verbosity=0)
    if not Household.objects.exists():
        t = time.perf_counter()
        from xiezuo.geo import demo as geo_demo
        from xiezuo.registry import demo as registry_demo

        geo_demo.build(scale=args.scale, seed=2013, log=lambda m: None)
        registry_demo.build(scale=args.scale, seed=2013, log=lambda m: None)
        print(f"generated the registry in {time.perf_counter() - t:.1f} s")
    from xiezuo.registry import summary

    t = time.perf_counter()
    summary.refresh()  # what the demo load and a committed import do; timed, not in the requests
    print(f"registry.summary refresh (one GROUP BY over the household-years): {time.perf_counter() - t:.1f} s")
    households = Household.objects.count()
    user = User.objects.filter(username="bench-admin").first() or User.objects.create_user(
        username="bench-admin", password="bench-only", role="admin")
    client = Client()
    client.force_login(user)
    year = 2013
    pages = [
        ("dashboard page", f"/assessment/?year={year}", False),
        ("dashboard JSON, cold", f"/assessment/data.json?year={year}", True),
        ("dashboard JSON, warm (cached)", f"/assessment/data.json?year={year}", False),
        ("indicator table", f"/assessment/indicators/?year={year}", False),
        ("trace page (county poor households)",
         f"/assessment/trace/?indicator=poor_households&year={year}&division=510822", False),
        ("trace page, page 50 (rows 4,901-5,000)",
         f"/assessment/trace/?indicator=poor_households&year={year}&division=510822&page=50", False),
        ("division page, city (web:home)", f"/?year={year}&division=510800000000", False),
        ("division page, county (web:home)", f"/?year={year}&division=510822000000", False),
    ]
    print(f"{households:,} households; {args.requests} requests per page; {machine()}")
    print(f"{'page':40} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for label, url, cold in pages:
        samples = []
        for _ in range(args.requests):
            if cold:
                cache.clear()
            t = time.perf_counter()
            resp = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            assert resp.status_code == 200, (url, resp.status_code)
        print(f"{label:40} {statistics.median(samples):8.1f} {pct(samples, 95):8.1f} {pct(samples, 99):8.1f}")
    print(f"data dir: {data_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
