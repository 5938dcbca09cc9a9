"""Tags each request with an id and its source (web, api, admin) for the audit log."""

from __future__ import annotations

from .context import acting


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        source = "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "web"
        ip = request.META.get("REMOTE_ADDR")
        with acting(source, ip=ip) as ctx:
            request.request_id = ctx.request_id
            return self.get_response(request)
