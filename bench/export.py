"""Benchmark: an administrator's export of every household, as xlsx, csv and Parquet.

    XIEZUO_DATA_DIR=/tmp/xz-full .venv/bin/python bench/export.py            # a demo built before
    XIEZUO_DATA_DIR=/tmp/xz-full .venv/bin/python bench/export.py --entity facts --formats csv

Runs `dataio.services.export_file` in-process (what the export job runs), as the demo's `admin`
(or the first administrator), and prints the rows, seconds and peak memory per format with the
machine and its load. Build the data first with `xiezuo demo --scale 1.0 --no-serve`.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entity", default="households")
    parser.add_argument("--formats", default="csv,parquet,xlsx")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    from xiezuo.dataio import services

    User = get_user_model()
    user = User.objects.filter(Q(username="admin") | Q(role="admin") | Q(is_superuser=True)).order_by("pk").first()
    out = Path(tempfile.mkdtemp(prefix="xz-export-bench-"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    for fmt in args.formats.split(","):
        start = time.perf_counter()
        rows = services.export_file(entity=args.entity, fmt=fmt, path=out / f"export.{fmt}", user=user)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = (out / f"export.{fmt}").stat().st_size / 1024 / 1024
        print(f"{args.entity} {fmt:8} {rows:>9,} rows {seconds:8.1f} s  {size:7.1f} MB  peak RSS so far {peak:.0f} MB")


if __name__ == "__main__":
    main()
