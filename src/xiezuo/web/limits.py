"""Request size and shape limits, answered with a clear 413 or 400 instead of a 500 or a full buffer.

- `RequestSizeMiddleware` (first in MIDDLEWARE): a body larger than the limit is refused from its
  Content-Length before anything reads it: multipart uploads against UPLOAD_MAX_BYTES
  (XIEZUO_UPLOAD_MAX_MB), every other body against DATA_UPLOAD_MAX_MEMORY_SIZE. Under WSGI a body
  without Content-Length is read as empty, so the header is the whole story; `xiezuo serve` also gives
  waitress a body limit, so it stops an oversized (or chunked) request while it is still arriving.
- `JSONParser` for the API: a body nested deeper than Python's recursion limit answers 400.
- `detached_download`: a download written to a temporary folder is opened and its folder removed at once
  (the open handle keeps the data until the response is sent), so no file is left in /tmp.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

MB = 1024 * 1024


def _megabytes(n: int) -> str:
    return f"{n / MB:.0f}" if n >= MB else f"{n / MB:.2f}"


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django then reads no body at all
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = settings.UPLOAD_MAX_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            return self.too_large(request, length, limit, multipart)
        return self.get_response(request)

    @staticmethod
    def too_large(request, length: int, limit: int, multipart: bool) -> HttpResponse:
        with translation.override(translation.get_language_from_request(request)):
            sizes = {"size": _megabytes(length), "limit": _megabytes(limit)}
            message = (_("The file is %(size)s MB; the limit is %(limit)s MB.") if multipart
                       else _("The request body is %(size)s MB; the limit is %(limit)s MB.")) % sizes
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message, "code": "too_large"}, status=413)
        else:
            response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=413)
        response["Connection"] = "close"  # the body was never read
        return response


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - the document is nested too deeply.")) from None


def detached_download(suffix: str, write: Callable[[Path], object]) -> BinaryIO:
    """Call write(path) for a file in a fresh temporary folder; return it opened, the folder already gone."""
    folder = Path(tempfile.mkdtemp(prefix="xiezuo-download-"))
    try:
        path = folder / f"download{suffix}"
        write(path)
        return path.open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
