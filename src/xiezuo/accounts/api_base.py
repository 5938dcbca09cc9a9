"""REST API building blocks: every viewset starts from the scope layer.

- `BearerTokenAuthentication`: `Authorization: Bearer TOKEN` (`xiezuo token create USERNAME`).
- `Pagination`: `?page=N&page_size=M` (at most 500), answers `{count, next, previous, results}`.
- `QueryParamFilter`: a viewset declares `filter_params = {"status": Param("status")}` and gets
  validated, documented query filters (`?status=exited`); wrong values answer 400.
- `exception_handler`: every error is JSON `{"detail": message, "code": code, "errors": {...}}`.
- `ScopedReadOnlyViewSet` / `ScopedModelViewSet`: querysets restricted by
  `Model.objects.restrict(user, action)`; out-of-scope answers 404 like missing; related
  fields of their serializers are scoped too (`scope_related_fields`).
- `ScopedBrowsableAPIRenderer` (settings): the browsable API's forms list only in-scope choices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from rest_framework import exceptions, filters, viewsets
from rest_framework.permissions import IsAuthenticated

from .authentication import (  # noqa: F401  (re-exported)
    BearerTokenAuthentication,
    Pagination,
    exception_handler,
    scope_related_fields,
)

_DIGITS = re.compile(r"[0-9]{1,18}")


YEAR_MIN, YEAR_MAX = 1949, 2100


@dataclass(frozen=True)
class Param:
    """One query filter: `lookup` on the queryset; `kind` "str", "code" (digits), "int", "year" or "bool"."""

    lookup: str
    kind: str = "str"
    description: str = ""
    choices: tuple[str, ...] = ()
    max_length: int = 100

    def clean(self, name: str, raw: str):
        if len(raw) > self.max_length:
            raise exceptions.ValidationError({name: [_("At most %(n)d characters.") % {"n": self.max_length}]})
        if self.kind in ("code", "int", "year") and not _DIGITS.fullmatch(raw):
            raise exceptions.ValidationError({name: [_("Digits only.")]})
        if self.kind == "code" and len(raw) > 12:
            raise exceptions.ValidationError({name: [_("A division code has at most 12 digits.")]})
        if self.choices and raw not in self.choices:
            raise exceptions.ValidationError(
                {name: [_("Must be one of: %(values)s.") % {"values": ", ".join(self.choices)}]})
        if self.kind == "bool":
            if raw not in ("true", "false"):
                raise exceptions.ValidationError({name: [_("Must be true or false.")]})
            return raw == "true"
        if self.kind == "year":
            # Date lookups (`date__year`) fail on year 0 or 10000; answer 400, not 500.
            if not YEAR_MIN <= int(raw) <= YEAR_MAX:
                raise exceptions.ValidationError(
                    {name: [_("A year from %(lo)d to %(hi)d.") % {"lo": YEAR_MIN, "hi": YEAR_MAX}]})
            return int(raw)
        return int(raw) if self.kind == "int" else raw

    def schema(self) -> dict:
        if self.kind == "int":
            return {"type": "integer", "minimum": 0}
        if self.kind == "year":
            return {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}
        if self.kind == "code":
            return {"type": "string", "pattern": r"^[0-9]{1,12}$"}
        if self.kind == "bool":
            return {"type": "boolean"}
        if self.choices:
            return {"type": "string", "enum": list(self.choices)}
        return {"type": "string", "maxLength": self.max_length}


class QueryParamFilter(filters.BaseFilterBackend):
    """Applies a viewset's `filter_params` from the query string."""

    def filter_queryset(self, request, queryset, view):
        for name, param in getattr(view, "filter_params", {}).items():
            raw = request.query_params.get(name)
            # An empty free-text filter means "no filter"; an empty value of a closed list is refused like any
            # other value outside it (the schema's enum has no "").
            if raw is not None and (raw != "" or param.kind != "str" or param.choices):
                queryset = queryset.filter(**{param.lookup: param.clean(name, raw)})
        return queryset

    def get_schema_operation_parameters(self, view):
        return [
            {"name": name, "in": "query", "required": False, "description": param.description or name,
             "schema": param.schema()}
            for name, param in getattr(view, "filter_params", {}).items()
        ]


class _ScopedMixin:
    permission_classes = [IsAuthenticated]
    filter_backends = [QueryParamFilter]
    filter_params: dict[str, Param] = {}

    def scope_action_for_request(self) -> str:
        return "view" if self.request.method in ("GET", "HEAD", "OPTIONS") else "change"

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(qs.model, "scope_field", None):
            qs = qs.restrict(self.request.user, self.scope_action_for_request())
        return qs

    def get_serializer(self, *args, **kwargs):
        # Related ids are validated (and listed in forms) within the user's view scope only.
        serializer = super().get_serializer(*args, **kwargs)
        scope_related_fields(serializer, self.request.user)
        return serializer


class ScopedReadOnlyViewSet(_ScopedMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail restricted to the requesting user's scope (404 outside it)."""

    scope_action = "view"

    def scope_action_for_request(self) -> str:
        return self.scope_action


class ScopedModelViewSet(_ScopedMixin, viewsets.ModelViewSet):
    """Reads restricted to "view" scope; writes to "change" scope, and re-checked by the services."""
