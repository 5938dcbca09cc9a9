"""REST API building blocks: every viewset starts from the scope layer."""

from __future__ import annotations

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated


class ScopedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List and detail restricted to the requesting user's scope (404 outside it)."""

    permission_classes = [IsAuthenticated]
    scope_action = "view"

    def get_queryset(self):
        qs = super().get_queryset()
        if getattr(qs.model, "scope_field", None):
            qs = qs.restrict(self.request.user, self.scope_action)
        return qs


class ScopedModelViewSet(viewsets.ModelViewSet):
    """Reads restricted to "view" scope; writes re-checked against "change" scope by the services."""

    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        qs = super().get_queryset()
        action = "view" if self.request.method in ("GET", "HEAD", "OPTIONS") else "change"
        if getattr(qs.model, "scope_field", None):
            qs = qs.restrict(self.request.user, action)
        return qs
