"""Enumerate every URL of the URLconf with its parameters filled, for the leak tests.

Patterns come from `get_resolver()` recursively, so a route added by any app is walked
without anyone listing it here. Parameters are filled from candidate values (primary keys
of the records in the county under test, division codes, household numbers, a few words),
ordered by what the parameter's name suggests, and kept only when the URL resolves.
"""

from __future__ import annotations

import itertools
import re
import zipfile
from io import BytesIO
from urllib.parse import quote

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize

WORDS = ("member_id", "household_phone", "household_bank_account", "member_phone", "id_number", "phone",
         "bank_account", "csv", "xlsx", "json", "parquet", "2019", "x")
MAX_PER_PATTERN = 40


def iter_patterns(resolver=None, prefix: str = ""):
    """(regex source of the whole path, pattern) for every endpoint."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        regex = p.pattern.regex.pattern
        regex = regex[1:] if regex.startswith("^") else regex
        if isinstance(p, URLResolver):
            yield from iter_patterns(p, prefix + regex)
        elif isinstance(p, URLPattern):
            yield prefix + regex, p


def _ordered(name: str, ids: list[str], codes: list[str], strings: list[str]) -> list[str]:
    lname = name.lower()
    if "code" in lname or "division" in lname or "village" in lname or "county" in lname:
        return codes + ids + strings
    if lname in ("pk", "id", "object_id") or lname.endswith(("_id", "_pk", "id", "pk")) or lname.startswith("_"):
        return ids + codes + strings
    return strings + ids + codes


def urls_for(regex: str, *, ids: list[str], codes: list[str], strings: list[str]) -> list[str]:
    """Concrete URLs (with leading slash) for one pattern, at most MAX_PER_PATTERN."""
    out: list[str] = []
    for fmt, params in normalize(regex)[:1]:
        if not params:
            out.append("/" + fmt.replace("%%", "%"))
            continue
        per_param = max(2, int(MAX_PER_PATTERN ** (1 / len(params))))
        lists = [_ordered(p, ids, codes, list(WORDS) + strings)[:per_param] for p in params]
        for combo in itertools.product(*lists):
            url = "/" + fmt % dict(zip(params, combo, strict=True))
            try:
                resolve(url)
            except Resolver404:
                continue
            out.append(url)
            if len(out) >= MAX_PER_PATTERN:
                break
    return out


def body_text(response) -> str:
    """Everything a client could read from a response, spreadsheets unzipped."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    parts = [raw]
    if raw[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(BytesIO(raw)) as z:
                parts = [z.read(n) for n in z.namelist()]
        except zipfile.BadZipFile:
            pass
    text = b"\n".join(parts).decode("utf-8", errors="ignore")
    for header in ("Location", "Content-Disposition"):
        text += "\n" + response.headers.get(header, "")
    return text


def found(text: str, needle: str) -> bool:
    escaped = needle.encode("unicode_escape").decode("ascii")
    return any(form in text for form in {needle, escaped, quote(needle), re.escape(needle)})
