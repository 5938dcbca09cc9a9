from django.core.management.base import BaseCommand

from xiezuo.dataio import jobs

from ._progress import Bar


class Command(BaseCommand):
    help = "Run queued background jobs (imports, exports, engine runs, reports) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is queued, then stop")
        parser.add_argument("--poll", type=float, default=1.0)

    def handle(self, *args, once, poll, **options):
        n = jobs.work(once=once, poll=poll, echo=Bar(stream=self.stderr._out))
        self.stderr.write(f"\n{n} job(s) run")
