"""`xiezuo serve`: serve the existing database with waitress (a production WSGI server)."""

from __future__ import annotations

import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


def waitress_options(env=os.environ) -> dict:
    """Behind a reverse proxy (XIEZUO_PROXY=1), waitress must trust its X-Forwarded-* headers: by default it
    deletes them, so Django never learns the request came over https (a redirect loop, and no HSTS).
    XIEZUO_PROXY_ADDRESS is the proxy's address (default 127.0.0.1; "*" for any, e.g. in a container)."""
    from django.conf import settings

    # waitress refuses a larger body (413) from its Content-Length, or as soon as a chunked one passes it,
    # instead of buffering it whole (its default limit is 1 GB); 1 MB over the upload limit for the form around
    # the file, so Django's clearer 413 answers what is only slightly over
    out: dict = {"max_request_body_size": settings.UPLOAD_MAX_BYTES + 1024 * 1024}
    if env.get("XIEZUO_PROXY", "") == "1":
        out.update(trusted_proxy=env.get("XIEZUO_PROXY_ADDRESS", "127.0.0.1"), trusted_proxy_count=1,
                   trusted_proxy_headers={"x-forwarded-proto", "x-forwarded-host", "x-forwarded-for"},
                   clear_untrusted_proxy_headers=True)
    return out


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
        serve(application, host=host, port=port, threads=threads, ident="xiezuo", **waitress_options())
