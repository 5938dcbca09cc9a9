"""`xiezuo serve`: serve the existing database with waitress (a production WSGI server).

Background jobs need a worker: when none is running (the embedded default, one command), serve starts
`xiezuo worker` as a child process and stops it on exit. A production site runs its workers as services
(deploy/), and serve sees them and starts none (`--no-worker` to be sure)."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand


def start_worker_if_none() -> subprocess.Popen | None:
    """A worker child process unless a live worker is registered already."""
    from xiezuo.dataio import jobs

    if jobs.live_workers():
        return None
    proc = subprocess.Popen([sys.executable, "-m", "xiezuo.cli", "worker"])  # same settings, same environment

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    atexit.register(stop)
    return proc


class Command(BaseCommand):
    help = "Serve the existing database on http://HOST:PORT (static files included)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true",
                            help="never start a background worker (they run as services)")
        parser.add_argument("--trusted-proxy", default=os.environ.get("XIEZUO_TRUSTED_PROXY", ""),
                            help="address of the reverse proxy whose X-Forwarded-Proto/-For to believe "
                                 "(default: env XIEZUO_TRUSTED_PROXY; none)")

    def handle(self, *args, host, port, threads, no_worker, trusted_proxy, **options):
        from waitress import serve

        from xiezuo.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        if not no_worker:
            worker = start_worker_if_none()
            if worker is not None:
                self.stdout.write(f"background worker started (pid {worker.pid})")
        self.stdout.write(f"Xiezuo on http://{host}:{port}/  (Ctrl+C to stop)")
        # waitress drops X-Forwarded-* from anyone but a trusted proxy; from the proxy it takes the scheme
        # (so Django sees HTTPS and does not redirect again) and the client's address (audit entries).
        proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_count": 1,
                 "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"}} if trusted_proxy else {}
        serve(application, host=host, port=port, threads=threads, ident="xiezuo", **proxy)
