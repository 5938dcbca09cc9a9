"""`xiezuo report figures|annual`: the book's figures and the annual report (`--background`: by a worker)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from xiezuo.plugins import book_figures


class Command(BaseCommand):
    help = "Reports: `figures` (the book's statistics from the database) and `annual`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        figures = sub.add_parser("figures", help="the book's figures computed from the database")
        figures.add_argument("--year", type=int, required=True)
        figures.add_argument("--json", action="store_true")
        annual = sub.add_parser("annual", help="the annual report (xlsx or pdf)")
        annual.add_argument("--year", type=int, required=True)
        annual.add_argument("--format", choices=["xlsx", "pdf"], default="xlsx")
        annual.add_argument("-o", "--output", help="the file to write (required unless --background)")
        annual.add_argument("--background", action="store_true",
                            help="queue it for a worker and print the job id; `xiezuo jobs show ID` says where the "
                                 "file is")

    def handle(self, *args, kind, **options):
        if kind == "figures":
            data = book_figures(year=options["year"])
            if options["json"]:
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
            else:
                for key, value in data.items():
                    self.stdout.write(f"{key:32} {value}")
            return
        if options["background"]:
            from xiezuo.assessment.tasks import annual_submit
            from xiezuo.dataio.jobs import SystemUser, announce

            if options["output"]:
                raise CommandError("--background writes the report in the job folder: leave out -o")
            job = annual_submit(year=options["year"], fmt=options["format"], user=SystemUser())
            return announce(job, self.stdout.write, self.stderr.write)
        if not options["output"]:
            raise CommandError("-o/--output is required (or --background)")
        from xiezuo.assessment.annual import write_annual_report

        write_annual_report(year=options["year"], fmt=options["format"], path=options["output"])
        self.stdout.write(f"wrote {options['output']}")
