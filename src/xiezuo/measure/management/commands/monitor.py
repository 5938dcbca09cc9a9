"""`xiezuo monitor run --year Y [--policy NAME] [--publish] [--engine duckdb|spark]`, or on a snapshot
(`xiezuo monitor run --snapshot DIR`, written by `xiezuo snapshot`; checksums verified first),
`xiezuo monitor run ... --background` (queued for a worker; prints the job id), `xiezuo monitor reproduce RUN_ID` (recompute a published run from its frozen inputs), and
`xiezuo monitor recover` (runs whose process died: failed; unfinished snapshot folders: removed)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Measurement runs: poverty status with reasons, FGT and Alkire-Foster at every level."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="run the engine for a year")
        run.add_argument("--year", type=int, help="required unless --snapshot is given")
        run.add_argument("--policy", help="policy version name (default: the published national-<year>, "
                                          "or the snapshot's)")
        run.add_argument("--snapshot", metavar="DIR", help="run on a snapshot's inputs instead of the registry")
        run.add_argument("--publish", action="store_true", help="publish the run and freeze its inputs")
        run.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
        run.add_argument("--background", action="store_true",
                         help="queue the run for a worker (`xiezuo worker`) and print the job id, instead of running "
                              "it here; follow it with `xiezuo jobs show ID`")
        rep = sub.add_parser("reproduce", help="recompute a published run from its frozen inputs")
        rep.add_argument("run_id", type=int)
        sub.add_parser("recover", help="mark runs whose process died as failed; remove unfinished snapshot folders")

    def handle(self, *args, **opts):
        from xiezuo.measure import services
        from xiezuo.measure.models import Run
        from xiezuo.policy.selectors import policy_for

        if opts["action"] == "recover":
            done = services.recover_interrupted()
            self.stdout.write(f"{done['runs']} interrupted run(s) marked failed, {done['folders']} folder(s) removed")
            return
        if opts["action"] == "reproduce":
            run = Run.objects.filter(pk=opts["run_id"]).first()
            if run is None:
                raise CommandError(f"no run {opts['run_id']}")
            try:
                result = services.run_reproduce(run=run)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            same = result.input_hash == run.input_hash
            self.stdout.write(f"run #{run.pk}: inputs {'identical' if same else 'DIFFERENT'} "
                              f"({result.input_hash[:12]}), {result.households.num_rows:,} households recomputed")
            if result.units:
                stored = {(u.division_id, u.may_exit) for u in run.unit_results.all()}
                again = {(j.code, j.may_exit) for j in result.units}
                self.stdout.write(f"  {len(again)} poor villages and counties judged again: "
                                  f"{'as stored' if again == stored else 'DIFFERENT from the stored judgements'}")
            return
        if opts.get("snapshot"):
            if opts["background"]:
                raise CommandError("--background runs on the registry; run a snapshot in the foreground")
            policy = None
            if opts.get("policy"):
                policy = policy_for(year=opts["year"], name=opts["policy"])
                if policy is None:
                    raise CommandError(f"no policy named {opts['policy']}")
            try:
                run = services.run_from_snapshot(path=opts["snapshot"], policy=policy, year=opts.get("year"),
                                                 engine=opts["engine"], publish=opts["publish"],
                                                 log=self.stdout.write)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            return self._done(run)
        if opts.get("year") is None:
            raise CommandError("--year is required (or --snapshot DIR)")
        policy = policy_for(year=opts["year"], name=opts.get("policy"))
        if policy is None:
            raise CommandError(f"no policy for {opts['year']}" + (f" named {opts['policy']}" if opts.get("policy")
                                                                   else "; load them with `xiezuo demo` or the admin"))
        if opts["background"]:
            from xiezuo.dataio.jobs import SystemUser, announce
            from xiezuo.measure.tasks import run_submit

            try:
                job = run_submit(year=opts["year"], policy=policy, user=SystemUser(), publish=opts["publish"],
                                 engine=opts["engine"])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            return announce(job, self.stdout.write, self.stderr.write)
        try:
            run = services.run_execute(year=opts["year"], policy=policy, engine=opts["engine"],
                                       publish=opts["publish"], log=self.stdout.write)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self._done(run)

    def _done(self, run) -> None:
        s = run.summary
        self.stdout.write(self.style.SUCCESS(
            f"run #{run.pk} {run.year}: {s.get('households', {})}; FGT0 {s.get('fgt0', 0):.4f} "
            f"H {s.get('H', 0):.4f} M0 {s.get('M0', 0):.4f}; {run.timings.get('elapsed')} s"))
