"""Benchmark: build the demo (geo, registry, accounts) in a fresh data dir and print the figures.

    .venv/bin/python bench/demo_load.py                 # full scale (the book), SQLite
    .venv/bin/python bench/demo_load.py --scale 0.1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xz_bench .venv/bin/python bench/demo_load.py

Prints seconds per step, rows and rows per second per table, the time to replace the
demo (second build: bulk delete + rebuild) with --replace, the book figures for 2013 and
how long they take, peak memory (getrusage) and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sqlite3
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
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}){mem}, {platform.processor() or platform.machine()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--replace", action="store_true", help="build the registry a second time (replace)")
    parser.add_argument("--data-dir", help="default: a new temporary directory")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="xz-bench-")
    os.environ["XIEZUO_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from xiezuo.accounts import demo as accounts_demo
    from xiezuo.geo import demo as geo_demo
    from xiezuo.registry import demo as registry_demo
    from xiezuo.registry.figures import book_figures

    print(f"machine: {machine()}")
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), data dir {data_dir}")
    print(f"scale {args.scale}, seed {args.seed}")
    call_command("migrate", interactive=False, verbosity=0)

    def quiet(_message: str) -> None:
        pass

    timings = {}
    started = time.perf_counter()
    geo_demo.build(scale=args.scale, seed=args.seed, log=quiet)
    timings["geo"] = time.perf_counter() - started
    started = time.perf_counter()
    stats = registry_demo.build(scale=args.scale, seed=args.seed, log=quiet)
    timings["registry"] = time.perf_counter() - started
    started = time.perf_counter()
    accounts_demo.build(scale=args.scale, seed=args.seed, log=quiet)
    timings["accounts"] = time.perf_counter() - started
    for step, seconds in timings.items():
        print(f"{step:10} {seconds:8.1f} s")
    print(f"identity numbers (x2 AES-GCM encrypt + keyed hash + mask): {stats['identity_seconds']:.1f} s")
    total_rows = 0
    for table, rows in stats["rows"].items():
        seconds = stats["insert_seconds"].get(table, 0.0)
        total_rows += rows
        rate = f"{rows / seconds:>10,.0f}" if seconds >= 0.01 else "         -"
        print(f"  {table:26} {rows:>10,} rows  insert {seconds:6.1f} s  {rate} rows/s")
    print(f"  all registry rows         {total_rows:>10,}  {total_rows / timings['registry']:>10,.0f} rows/s end to end")
    if args.replace:
        started = time.perf_counter()
        marks = {}

        def mark(message: str) -> None:
            if "deleted" in message:
                marks["deleted"] = time.perf_counter() - started

        registry_demo.build(scale=args.scale, seed=args.seed, log=mark)
        print(f"replace: bulk delete of the previous demo {marks.get('deleted', 0):.1f} s, "
              f"delete + rebuild {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    figures = book_figures(year=2013)
    print(f"book_figures(2013): {time.perf_counter() - started:.2f} s")
    print(json.dumps(figures, ensure_ascii=False))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory (max RSS): {peak_kb / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
