from django.core.management.base import BaseCommand

from xiezuo.dataio import jobs


class Command(BaseCommand):
    help = ("Run background jobs (imports, exports, engine runs, reports): django-tasks-db's worker. "
            "Several may run side by side.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is queued, then stop")
        parser.add_argument("--interval", "--poll", type=float, default=1.0,
                            help="seconds between looks at the queue when it is empty")
        parser.add_argument("--queue", default="default", help="queues to take tasks from (comma-separated)")

    def handle(self, *args, once, interval, queue, **options):
        n = jobs.work(once=once, interval=interval, queue=queue)
        self.stderr.write(f"{n} job(s) run")
