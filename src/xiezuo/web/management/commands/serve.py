"""`xiezuo serve`: serve the existing database with waitress (a production WSGI server)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the existing database on http://HOST:PORT (static files included)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        from xiezuo.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Xiezuo on http://{host}:{port}/  (Ctrl+C to stop)")
        serve(application, host=host, port=port, threads=threads, ident="xiezuo")
