"""API plumbing that DRF imports while loading its own views (so nothing here imports
rest_framework.views or viewsets at module level): authentication, pagination, errors."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination, relations, renderers, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.response import Response

log = logging.getLogger(__name__)


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer TOKEN`; tokens come from `/accounts/tokens/` or `xiezuo token create USERNAME`.

    The token is looked up by its SHA-256 digest (`accounts.ApiToken`); revoked, expired and
    inactive users' tokens are refused alike. The last-used date is written at most once a minute.
    """

    keyword = "Bearer"
    TOUCH_EVERY_SECONDS = 60

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as: Authorization: Bearer TOKEN."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token.")) from None
        from django.utils import timezone

        from .models import ApiToken
        from .tokens import digest

        now = timezone.now()
        token = (ApiToken.objects.select_related("user")
                 .filter(digest=digest(key), revoked_at__isnull=True, expires_at__gt=now).first())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= self.TOUCH_EVERY_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword


def scope_related_fields(serializer, user) -> None:
    """Restrict every related field's queryset (and nested serializers') to what `user` may view.

    A related field's queryset feeds the browsable API's drop-downs and the validation of
    written ids; unscoped, it lists another county's records by name, and it answers
    "forbidden" instead of "not found" for them.
    """
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child
    for field in getattr(serializer, "fields", {}).values():
        if isinstance(field, relations.ManyRelatedField):
            field = field.child_relation
        if isinstance(field, serializers.BaseSerializer):
            scope_related_fields(field, user)
        elif isinstance(field, relations.RelatedField) and field.queryset is not None:
            qs = field.queryset
            if getattr(qs.model, "scope_field", None) and hasattr(qs, "restrict"):
                field.queryset = qs.restrict(user, "view")


class ScopedBrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """The browsable API, with every form's choices restricted to the requesting user's scope
    (for every view, whether or not it derives from the scoped viewsets)."""

    def render_form_for_serializer(self, serializer):
        request = serializer.context.get("request")
        scope_related_fields(serializer, getattr(request, "user", None))
        return super().render_form_for_serializer(serializer)


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A whole number from 1 to %(n)d.") % {"n": self.max_page_size}]})
        return super().get_page_size(request)


def _message(detail) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            return f"{key}: {_message(value)}" if key not in ("non_field_errors", "__all__", "detail") else _message(value)
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    return str(detail)


def exception_handler(exc, context):
    """Every API error as JSON with one clear message, plus per-field errors when there are any."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        request = context.get("request")
        log.exception("API error", exc_info=exc)
        return Response(
            {"detail": _("Internal error; the administrator can find it in the log under request %(id)s.")
             % {"id": getattr(request, "request_id", "")}, "code": "error"},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    data = response.data
    body = {"detail": _message(data), "code": getattr(exc, "default_code", "error")}
    if isinstance(data, dict) and set(data) - {"detail"}:
        body["errors"] = data
    elif isinstance(data, list):
        body["errors"] = {"non_field_errors": data}
    if isinstance(exc, exceptions.ValidationError):
        body["code"] = "invalid"
    response.data = body
    return response
