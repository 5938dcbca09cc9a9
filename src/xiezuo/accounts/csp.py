"""Content-Security-Policy and related headers on every response.

Pages load scripts and styles only from our own origin (assets are served locally, no
CDN). A page that truly needs an inline script uses `request.csp_nonce`:
`<script nonce="{{ request.csp_nonce }}">`. The one inline handler in the base template
(the language selector's `onchange`) is allowed by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

# Inline event handlers allowed by hash ('unsafe-hashes', CSP level 3).
ALLOWED_HANDLERS = ("this.form.submit()",)


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


_HANDLER_HASHES = " ".join(_hash(h) for h in ALLOWED_HANDLERS)


def policy(nonce: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}' 'unsafe-hashes' {_HANDLER_HASHES}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy(nonce))
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
