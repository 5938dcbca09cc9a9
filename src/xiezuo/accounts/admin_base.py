"""Admin back office that goes through the scope layer and writes the audit trail."""

from __future__ import annotations

from django.contrib import admin

from . import audit
from .access import scope_prefixes


class ScopedModelAdmin(admin.ModelAdmin):
    """Lists only what the user may view; saves and deletes are audited.

    Models without a `scope_field` (reference data) are shown to staff users unfiltered.
    """

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if getattr(self.model, "scope_field", None):
            return qs.restrict(request.user, "view")
        return qs

    def _can_change(self, request, obj) -> bool:
        if obj is None or not getattr(self.model, "scope_field", None):
            return True
        return type(obj).objects.restrict(request.user, "change").filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._can_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._can_change(request, obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and scope_prefixes(request.user, "change") != []

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        audit.record(action=f"{obj._meta.label_lower}.{'updated' if change else 'created'}", user=request.user, target=obj,
                     before=before, after=audit.snapshot(obj))

    def delete_model(self, request, obj):
        before = audit.snapshot(obj)
        audit.record(action=f"{obj._meta.label_lower}.deleted", user=request.user, target=obj, before=before)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        audit.record_many(action=f"{queryset.model._meta.label_lower}.deleted", user=request.user,
                          targets=list(queryset))
        super().delete_queryset(request, queryset)
