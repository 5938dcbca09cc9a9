"""`xiezuo snapshot --year Y -o DIR [--policy NAME] [--background]`: the engine's inputs for a year as Parquet partitioned
by county, with a manifest of row counts and checksums (see measure/snapshot.py); read by
`xiezuo monitor run --snapshot DIR`."""

from __future__ import annotations

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Write the measurement engine's inputs for a year as a county-partitioned Parquet snapshot."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("-o", "--output", required=True, help="a new (or empty) folder")
        parser.add_argument("--policy", help="policy version recorded with it (default: the published national-<year>)")
        parser.add_argument("--background", action="store_true",
                            help="queue it for a worker and print the job id (the worker writes the folder: give a "
                                 "path it can write)")

    def handle(self, *args, **opts):
        from xiezuo.measure import snapshot
        from xiezuo.policy.selectors import policy_for

        policy = policy_for(year=opts["year"], name=opts.get("policy"))
        if policy is None:
            raise CommandError(f"no policy for {opts['year']}" + (f" named {opts['policy']}" if opts.get("policy")
                                                                   else "; load them with `xiezuo demo` or the admin"))
        if opts["background"]:
            from xiezuo.dataio.jobs import SystemUser, announce
            from xiezuo.measure.tasks import snapshot_submit

            job = snapshot_submit(year=opts["year"], policy=policy, user=SystemUser(),
                                  output=opts["output"])
            return announce(job, self.stdout.write, self.stderr.write)
        t0 = time.perf_counter()
        try:
            manifest = snapshot.write_registry(opts["output"], year=opts["year"], policy=policy,
                                               log=self.stdout.write)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        t = manifest["tables"]
        self.stdout.write(self.style.SUCCESS(
            f"snapshot {opts['year']} ({policy.name}) in {opts['output']}: {t['households']['rows']:,} households "
            f"in {len(t['households']['partitions']):,} counties, {t['members']['rows']:,} members; "
            f"{time.perf_counter() - t0:.1f} s"))
