"""Tags each request with an id and its source (web, api, admin) for the audit log, and writes one log
line per request (method, path, status, time) with its user and scope (`accounts.logs`)."""

from __future__ import annotations

import logging
import time

from . import logs
from .context import acting

log = logging.getLogger("xiezuo.request")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        source = "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "web"
        ip = request.META.get("REMOTE_ADDR")
        started = time.perf_counter()
        with acting(source, ip=ip) as ctx, logs.bound(getattr(request, "user", None)):
            request.request_id = ctx.request_id
            response = self.get_response(request)
            if path != "/healthz":  # the proxy's and monitor's polls would drown the rest
                log.info("%s %s %s", request.method, path, response.status_code,
                         extra={"method": request.method, "path": path, "status": response.status_code,
                                "ms": round((time.perf_counter() - started) * 1000)})
            return response
