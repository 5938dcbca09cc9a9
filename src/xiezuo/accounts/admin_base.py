"""Admin back office that goes through the scope layer and writes the audit trail."""

from __future__ import annotations

from django.contrib import admin

from . import audit
from .access import ensure_within, scope_code_of, scope_prefixes


def _ensure_saving_in_scope(request, obj) -> None:
    """A write is checked against the record as it will be saved, not as it was stored: moving a
    household into another county, or creating one there, is a write in that county."""
    model = type(obj)
    if getattr(model, "scope_field", None):
        ensure_within(request.user, scope_code_of(obj), "change", personal_data=getattr(model, "personal_data", False))


def _label(obj, verb: str) -> str:
    return f"{obj._meta.label_lower}.{verb}"


class AuditedAdminMixin:
    """Every save and delete made in the admin, inline rows included, goes to the audit log."""

    def save_model(self, request, obj, form, change):
        _ensure_saving_in_scope(request, obj)
        before = audit.snapshot(type(obj)._base_manager.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        audit.record(action=_label(obj, "updated" if change else "created"), user=request.user, target=obj,
                     before=before, after=audit.snapshot(obj))

    def delete_model(self, request, obj):
        audit.record(action=_label(obj, "deleted"), user=request.user, target=obj, before=audit.snapshot(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        audit.record_many(action=f"{queryset.model._meta.label_lower}.deleted", user=request.user,
                          targets=list(queryset))
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit.record(action=_label(obj, "deleted"), user=request.user, target=obj, before=audit.snapshot(obj))
            obj.delete()
        for obj in instances:
            _ensure_saving_in_scope(request, obj)
            existed = obj.pk is not None and type(obj)._base_manager.filter(pk=obj.pk).exists()
            before = audit.snapshot(type(obj)._base_manager.get(pk=obj.pk)) if existed else None
            obj.save()
            audit.record(action=_label(obj, "updated" if existed else "created"), user=request.user, target=obj,
                         before=before, after=audit.snapshot(obj))
        formset.save_m2m()


class ScopedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Lists only what the user may view; saves and deletes are audited.

    Models without a `scope_field` (reference data) are shown to staff users unfiltered.
    Choices of related records (foreign-key selects) are scoped as well, so a form never
    lists another county's households.
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

    def _scoped_choices(self, db_field, request, kwargs):
        related = db_field.related_model
        if getattr(related, "scope_field", None) and hasattr(related._default_manager, "restrict"):
            kwargs["queryset"] = related._default_manager.restrict(request.user, "view")
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(db_field, request, **self._scoped_choices(db_field, request, kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(db_field, request, **self._scoped_choices(db_field, request, kwargs))
