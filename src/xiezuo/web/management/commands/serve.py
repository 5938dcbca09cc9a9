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


def stop_on_signals() -> None:
    """Ctrl+C and a service manager's stop (SIGTERM) both end waitress's loop (it shuts down on KeyboardInterrupt),
    so the process exits normally and the worker child is stopped (atexit above). Without this, SIGTERM killed serve
    outright and left its worker running, and a serve started where SIGINT is ignored (a background job of a
    non-interactive shell, which Python then leaves ignored) could not be stopped with SIGINT at all."""
    import signal

    def interrupt(_signum, _frame) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


class Command(BaseCommand):
    help = "Serve the existing database on http://HOST:PORT (static files included)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true",
                            help="never start a background worker (they run as services)")

    def handle(self, *args, host, port, threads, no_worker, **options):
        from waitress import serve

        from xiezuo.wsgi import application

        call_command("migrate", interactive=False, verbosity=0)
        if not no_worker:
            worker = start_worker_if_none()
            if worker is not None:
                self.stdout.write(f"background worker started (pid {worker.pid})")
        stop_on_signals()
        self.stdout.write(f"Xiezuo on http://{host}:{port}/  (Ctrl+C to stop)")
        serve(application, host=host, port=port, threads=threads, ident="xiezuo", **waitress_options())
