"""`xiezuo iati-export [--year Y] -o FILE`: the cooperation projects as an IATI 2.03 activity file."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Write the cooperation projects as an IATI 2.03 activity file."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=None, help="projects running in this year (default: all)")
        parser.add_argument("-o", "--output", required=True)

    def handle(self, *args, year, output, **options):
        from xiezuo.assessment.iati import write_iati

        n = write_iati(year=year, path=output)
        self.stdout.write(f"wrote {n} activities to {output}")
