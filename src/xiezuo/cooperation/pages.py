"""Small helpers shared by the cooperation and projects pages: filters, paging, service errors."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.utils.translation import gettext_lazy as _

from xiezuo.geo.models import Division

PAGE_SIZE = 50


def west_counties() -> list[tuple[str, str]]:
    return [(d.code[:6], d.name) for d in Division.objects.filter(level="county", side="west").order_by("code")]


def year_value(request) -> int | None:
    raw = (request.GET.get("year") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) == 4 else None


def choice_value(request, name: str, choices) -> str:
    raw = (request.GET.get(name) or "").strip()
    return raw if raw in {str(v) for v, _label in choices} else ""


def page_of(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def query_string(values: dict) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def apply_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field when it names one."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def filter_spec(name: str, label, choices=None, value="") -> dict:
    return {"name": name, "label": label, "choices": choices, "value": value}


ANY = _("Any")
